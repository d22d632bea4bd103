package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/hugepages"
	"github.com/zcnic/zcnic/port"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise the module version or VCS revision is used.
var version = ""

func zcnicVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if (v == "" || v == "(devel)") && rev != "" {
		return "devel-" + rev[:min(12, len(rev))] + dirty
	}
	if v == "" {
		return "(devel)"
	}
	return v
}

func runVersion(e *env, args []string) error {
	var asJSON bool
	fs := newFlags(e, "version", "[--json]", "Print the zcnic, Go and DPDK versions.", nil, false)
	fs.BoolVar(&asJSON, "json", false, "print as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	v := map[string]string{"zcnic": zcnicVersion(), "go": runtime.Version(), "dpdk": strings.TrimPrefix(eal.Version(), "DPDK "), "platform": runtime.GOOS + "/" + runtime.GOARCH}
	if asJSON {
		return json.NewEncoder(e.stdout).Encode(v)
	}
	fmt.Fprintf(e.stdout, "zcnic %s (%s, DPDK %s, %s)\n", v["zcnic"], v["go"], v["dpdk"], v["platform"])
	return nil
}

// portInfo is what `ports` reports of a port.
type portInfo struct {
	Port        uint16 `json:"port"`
	Name        string `json:"name"`
	Driver      string `json:"driver"`
	MAC         string `json:"mac"`
	LinkUp      bool   `json:"link_up"`
	SpeedMbps   uint32 `json:"link_speed_mbps"`
	Socket      int    `json:"socket"`
	MaxRxQueues int    `json:"max_rx_queues"`
	MaxTxQueues int    `json:"max_tx_queues"`
	RxDescMin   int    `json:"rx_desc_min"`
	RxDescMax   int    `json:"rx_desc_max"`
	TxDescMin   int    `json:"tx_desc_min"`
	TxDescMax   int    `json:"tx_desc_max"`
	MinMTU      int    `json:"min_mtu"`
	MaxMTU      int    `json:"max_mtu"`
	RxOffloads  string `json:"rx_offloads"`
	TxOffloads  string `json:"tx_offloads"`
	RSSHashes   string `json:"rss_hash_functions"`
	// RSS names RSSHashes' groups (port.RSSNames): what `fwd --rxq N`
	// asks of them is ip,udp,tcp.
	RSS string `json:"rss"`
}

func runPorts(e *env, args []string) error {
	var c common
	fs := newFlags(e, "ports", "[--vdev DEV ...] [--pci ADDR ...] [flags]",
		"List the ports of the devices named: driver, MAC, link, queues and\n"+
			"capabilities. The link is as the device reports it before being started.\n\n"+
			"Example: zcnic ports --vdev net_null0 --vdev net_tap0,iface=zc0", &c, false)
	if err := parse(fs, args); err != nil {
		return err
	}
	devices, err := c.devices()
	if err != nil {
		return err
	}
	done, err := c.startEAL(e)
	defer done()
	if err != nil {
		return err
	}
	if err := c.checkProbed(devices); err != nil {
		return stopEAL(err)
	}
	var infos []portInfo
	for _, p := range port.List() {
		in, err := p.Info()
		if err != nil {
			return stopEAL(fmt.Errorf("%s: %w", p, err))
		}
		l, err := p.Link()
		if err != nil {
			return stopEAL(fmt.Errorf("%s: %w", p, err))
		}
		infos = append(infos, portInfo{
			Port: in.ID, Name: in.Name, Driver: in.Driver, MAC: in.MAC.String(),
			LinkUp: l.Up, SpeedMbps: l.SpeedMbps, Socket: in.Socket,
			MaxRxQueues: in.MaxRxQueues, MaxTxQueues: in.MaxTxQueues,
			RxDescMin: in.RxDesc.Min, RxDescMax: in.RxDesc.Max, TxDescMin: in.TxDesc.Min, TxDescMax: in.TxDesc.Max,
			MinMTU: in.MinMTU, MaxMTU: in.MaxMTU,
			RxOffloads: port.RxOffloadNames(in.RxOffloadCapa), TxOffloads: port.TxOffloadNames(in.TxOffloadCapa),
			RSSHashes: fmt.Sprintf("%#x", in.RSSCapa), RSS: port.RSSNames(in.RSSCapa),
		})
	}
	if c.json {
		if infos == nil {
			infos = []portInfo{}
		}
		return stopEAL(json.NewEncoder(e.stdout).Encode(infos))
	}
	if len(infos) == 0 {
		fmt.Fprintln(e.stdout, "no ports (name devices with --vdev, e.g. --vdev net_null0, or --pci)")
	}
	for _, in := range infos {
		link := "down"
		if in.LinkUp {
			link = fmt.Sprintf("up, %d Mbit/s", in.SpeedMbps)
		}
		fmt.Fprintf(e.stdout, "port %d: %s\n", in.Port, in.Name)
		for _, kv := range [][2]string{
			{"driver", in.Driver},
			{"MAC", in.MAC},
			{"link", link},
			{"socket", fmt.Sprint(in.Socket)},
			{"queues", fmt.Sprintf("up to %d rx, %d tx", in.MaxRxQueues, in.MaxTxQueues)},
			{"descriptors", fmt.Sprintf("rx %d-%d, tx %d-%d", in.RxDescMin, in.RxDescMax, in.TxDescMin, in.TxDescMax)},
			{"MTU", fmt.Sprintf("%d-%d", in.MinMTU, in.MaxMTU)},
			{"rx offloads", in.RxOffloads},
			{"tx offloads", in.TxOffloads},
			{"RSS hashes", fmt.Sprintf("%s (%s; fwd --rxq 2 or more asks for ip,udp,tcp)", in.RSS, in.RSSHashes)},
		} {
			fmt.Fprintf(e.stdout, "  %-12s %s\n", kv[0], kv[1])
		}
	}
	return stopEAL(nil)
}

func runHugepages(e *env, args []string) error {
	if len(args) > 0 && args[0] == "reserve" {
		return runReserve(e, args[1:])
	}
	var asJSON bool
	fs := newFlags(e, "hugepages", "[--json] | hugepages reserve --size 2M --count N [--dir DIR]",
		"Show the hugepage pools (per page size: total, free, reserved, surplus),\n"+
			"the hugetlbfs mounts, and whether DPDK can start on them. 'zcnic\n"+
			"hugepages reserve --help' reserves and mounts pages (as root).", nil, false)
	fs.BoolVar(&asJSON, "json", false, "print as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := hugepages.Available()
	if err != nil {
		return err
	}
	ready := a.Err()
	if asJSON {
		type size struct {
			Size     string `json:"size"`
			Bytes    uint64 `json:"bytes"`
			Total    int    `json:"total"`
			Free     int    `json:"free"`
			Reserved int    `json:"reserved"`
			Surplus  int    `json:"surplus"`
			Mount    string `json:"mount"`
			// The mount's size= limit in bytes (0: none) and the pages
			// it still lets be mapped through it (-1: no limit).
			MountLimit uint64 `json:"mount_limit"`
			MountFree  int    `json:"mount_free"`
		}
		out := struct {
			Sizes []size `json:"sizes"`
			Ready bool   `json:"ready"`
			Hint  string `json:"hint,omitempty"`
		}{Ready: ready == nil, Sizes: []size{}}
		for _, ps := range a.Sizes {
			m := mountFor(a, ps.Size)
			out.Sizes = append(out.Sizes, size{hugepages.FormatSize(ps.Size), ps.Size, ps.Total, ps.Free, ps.Reserved, ps.Surplus, m.Dir, m.Limit, m.LimitFree})
		}
		if ready != nil {
			out.Hint = ready.Error()
		}
		return json.NewEncoder(e.stdout).Encode(out)
	}
	for _, ps := range a.Sizes {
		mt := mountFor(a, ps.Size)
		m := "not mounted"
		if mt.Dir != "" {
			m = "mounted at " + mt.Dir
		}
		if mt.Limit > 0 {
			m += fmt.Sprintf(" (size=%s: %d more pages can be mapped through it)", hugepages.FormatSize(mt.Limit), mt.LimitFree)
		}
		fmt.Fprintf(e.stdout, "%-5s total %d, free %d, reserved %d, surplus %d; %s\n",
			hugepages.FormatSize(ps.Size), ps.Total, ps.Free, ps.Reserved, ps.Surplus, m)
	}
	if ready != nil {
		fmt.Fprintf(e.stdout, "not ready: %v\n", ready)
		return nil
	}
	fmt.Fprintf(e.stdout, "ready: %s\n", a)
	return nil
}

// mountFor is the first hugetlbfs mount of a page size (EAL's), or none.
func mountFor(a hugepages.Availability, size uint64) hugepages.Mount {
	for _, m := range a.Mounts {
		if m.PageSize == size {
			return m
		}
	}
	return hugepages.Mount{LimitFree: -1}
}

func runReserve(e *env, args []string) error {
	fs := newFlags(e, "hugepages reserve", "--size 2M --count N [--dir DIR]",
		"Reserve N hugepages of a size (all NUMA nodes together) and mount a\n"+
			"hugetlbfs of that size at DIR, like dpdk-hugepages.py. Needs root.", nil, false)
	sizeFlag := fs.String("size", "2M", "page size: 2M or 1G")
	count := fs.Int("count", -1, "number of pages to reserve (required)")
	dir := fs.String("dir", "/dev/hugepages", "where to mount hugetlbfs (created if missing)")
	noMount := fs.Bool("no-mount", false, "only reserve; do not mount")
	if err := parse(fs, args); err != nil {
		return err
	}
	size, err := hugepages.ParseSize(*sizeFlag)
	if err != nil {
		return usagef("--size %q: %v", *sizeFlag, err)
	}
	if *count < 0 {
		return usagef("--count N is required (0 frees the pages)")
	}
	if !filepath.IsAbs(*dir) {
		return usagef("--dir %q: give an absolute path", *dir)
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("reserving hugepages needs root: run `sudo zcnic hugepages reserve --size %s --count %d`", *sizeFlag, *count)
	}
	if err := hugepages.Reserve(size, *count); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "reserved %d pages of %s\n", *count, hugepages.FormatSize(size))
	if !*noMount && *count > 0 {
		if err := hugepages.MountAt(*dir, size); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "hugetlbfs (%s pages) mounted at %s\n", hugepages.FormatSize(size), *dir)
	}
	return nil
}
