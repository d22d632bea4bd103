package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/zcnic/zcnic/internal/pcapfile"
	"github.com/zcnic/zcnic/mbuf"
)

// Everything here runs before the EAL starts, so that a bad input is
// refused before any device exists or any output file is created.

// staged is an output a driver writes (net_pcap's tx_pcap): the driver
// creates it when the EAL probes the device, before zcnic knows the run
// will start. It writes tmp, beside path, which becomes path only once
// the run has started, so a failed start leaves an existing path as it
// was.
type staged struct {
	path, tmp string
	port      int // the port (index) whose tx queues write it
}

// prepared is what checkInputs found and set up.
type prepared struct {
	vdevs  []string // the --vdev arguments as given to EAL (outputs staged)
	staged []staged
	// rxDir is the run's own directory (under $TMPDIR) of rx_pcap
	// copies without the records net_pcap cannot replay (Filter), ""
	// if none was needed; skipped are the records left out, by port.
	rxDir   string
	skipped []uint64
}

// removeRx removes the run's rx_pcap copies.
func (p *prepared) removeRx() {
	if p.rxDir != "" {
		os.RemoveAll(p.rxDir)
		p.rxDir = ""
	}
}

// withoutOver gives net_pcap a copy of an rx_pcap file without its
// records over pcapfile.MaxNetPcapLen, in the run's own directory, and
// returns its path and how many records it left out.
func (p *prepared) withoutOver(path string, n int) (string, int, error) {
	if p.rxDir == "" {
		dir, err := os.MkdirTemp("", "zcnic-rx-")
		if err != nil {
			return "", 0, fmt.Errorf("a directory for a copy of %s without its frames over %d bytes: %w", path, pcapfile.MaxNetPcapLen, err)
		}
		p.rxDir = dir
	}
	dst := filepath.Join(p.rxDir, fmt.Sprintf("%d-%s", n, filepath.Base(path)))
	_, skipped, err := pcapfile.Filter(path, dst, pcapfile.MaxNetPcapLen)
	return dst, skipped, err
}

// commit renames the staged outputs into place if the run started, and
// removes them if not. It returns the first failure. A run that started
// has its outputs checked first (sum: its summary; the ports are closed,
// their files flushed): see verify.
func (p *prepared) commit(started bool, sum summary) error {
	p.removeRx()
	var errs []error
	if started {
		errs = append(errs, p.verify(sum))
	}
	for _, s := range p.staged {
		if !started {
			os.Remove(s.tmp)
			continue
		}
		if err := os.Rename(s.tmp, s.path); err != nil {
			os.Remove(s.tmp)
			errs = append(errs, fmt.Errorf("tx_pcap %s: %w", s.path, err))
		}
	}
	return errors.Join(errs...)
}

// verify checks that a port's tx_pcap files hold every packet the port
// sent, each record whole. net_pcap writes them with libpcap's buffered
// pcap_dump, which reports no error: a full disk or a failing write
// loses packets with nothing said, and the run would end with exit 0.
func (p *prepared) verify(sum summary) error {
	files := map[int][]staged{}
	var order []int
	for _, s := range p.staged {
		if _, ok := files[s.port]; !ok {
			order = append(order, s.port)
		}
		files[s.port] = append(files[s.port], s)
	}
	var errs []error
	for _, port := range order {
		if port >= len(sum.Ports) {
			continue
		}
		sent := sum.Ports[port].TxPackets
		held := 0
		for _, s := range files[port] {
			in, err := pcapfile.Scan(s.tmp)
			switch {
			case err != nil && sent > 0:
				errs = append(errs, fmt.Errorf("tx_pcap %s: %d packets were sent to it, and it is not a readable pcap file (a write failed: is the disk full?): %s", s.path, sent, reason(err)))
				continue
			case err != nil:
				continue
			case in.Truncated:
				errs = append(errs, fmt.Errorf("tx_pcap %s: it ends inside a record, at byte %d: a write failed (is the disk full?)", s.path, in.TruncatedAt))
			}
			held += in.Records
		}
		if uint64(held) < sent {
			names := make([]string, len(files[port]))
			for i, s := range files[port] {
				names[i] = s.path
			}
			errs = append(errs, fmt.Errorf("port %d sent %d packets to tx_pcap %s, which hold %d: %d lost in writing (is the disk full?)", port, sent, strings.Join(names, ", "), held, sent-uint64(held)))
		}
	}
	return errors.Join(errs...)
}

// vdevName splits "net_pcap0,rx_pcap=x" into name and arguments.
func vdevName(v string) (name, args string) {
	name, args, _ = strings.Cut(v, ",")
	return name, args
}

// driverOf is the driver part of a device name: net_tap of net_tap0.
func driverOf(name string) string { return strings.TrimRight(name, "0123456789") }

// sameFile reports whether a and b name the same file: the same inode if
// both exist, else the same absolute path.
func sameFile(a, b string) bool {
	sa, ea := os.Stat(a)
	sb, eb := os.Stat(b)
	if ea == nil && eb == nil {
		return os.SameFile(sa, sb)
	}
	aa, err1 := filepath.Abs(a)
	ab, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == ab
}

// file is an input or output named on the command line.
type file struct {
	path, what string // what: "rx_pcap of --vdev net_pcap0", "-w"
}

// checkInputs checks the devices' files and interfaces: every rx_pcap
// is read through (records, lengths; a file cut short is a warning, a
// corrupt one an error), no output is also an input or another output,
// infinite_rx fits --pool-size, and no interface is in use by another
// process. outputs are the command's own output files (capture's -w).
func (c *common) checkInputs(e *env, outputs ...file) (_ *prepared, err error) {
	prep := &prepared{skipped: make([]uint64, len(c.vdevs))}
	defer func() {
		if err != nil {
			prep.removeRx()
		}
	}()
	vdevs := slices.Clone([]string(c.vdevs)) // with the rx_pcap copies
	copies := 0
	var ins, outs []file
	held := 0 // mbufs infinite_rx keeps, over all ports
	taps := 0 // net_tap ports without iface=, named dtap0, dtap1, ...
	tuns := 0
	xdps := 0 // net_af_xdp ports
	var ifaces []string
	var notes []string // printed once every check passed
	for pi, v := range c.vdevs {
		name, args := vdevName(v)
		drv := driverOf(name)
		switch {
		case pcapfile.IsNetPcap(name):
			a := pcapfile.ParseNetPcapArgs(args)
			for k, f := range a.RxPcap {
				room := mbuf.DefaultDataRoom - mbuf.Headroom
				in, err := pcapfile.CheckRx(f, a.InfiniteRx, room)
				if err != nil && in.Over > 0 {
					// Frames net_pcap cannot carry (over 65,535
					// bytes) are skipped, not cut: a cut frame would
					// go on as a different frame, its headers saying
					// more bytes than it has. The driver reads a copy
					// without them.
					cp, skipped, ferr := prep.withoutOver(f, copies)
					if ferr != nil {
						return nil, fmt.Errorf("--vdev %s: rx_pcap %w", name, ferr)
					}
					copies++
					vdevs[pi] = replaceArg(vdevs[pi], "rx_pcap", k, cp)
					prep.skipped[pi] += uint64(skipped)
					notes = append(notes, fmt.Sprintf("zcnic: WARNING: %s: rx_pcap %s: %d records over %d bytes are not replayed (the first is record %d; the longest, %d bytes): net_pcap keeps a frame's length in 16 bits; they are counted as dropped (%s)",
						name, f, skipped, pcapfile.MaxNetPcapLen, in.OverAt, in.MaxLen, pcapfile.DropName))
					orig := in
					in, err = pcapfile.CheckRx(cp, a.InfiniteRx, room)
					if err != nil {
						return nil, fmt.Errorf("--vdev %s: rx_pcap %s without its %d records over %d bytes (the copy net_pcap would read): %w", name, f, skipped, pcapfile.MaxNetPcapLen, err)
					}
					in.Truncated, in.TruncatedAt, in.CapOverLen, in.CapOverLenAt = orig.Truncated, orig.TruncatedAt, orig.CapOverLen, orig.CapOverLenAt
					in.OverSnap, in.OverSnapAt = orig.OverSnap, orig.OverSnapAt
				}
				if err != nil {
					return nil, fmt.Errorf("--vdev %s: rx_pcap %w", name, err)
				}
				if a.InfiniteRx {
					held += in.Records
				}
				lens := ""
				if in.Records > 0 {
					lens = fmt.Sprintf(", %d to %d bytes", in.MinLen, in.MaxLen)
				}
				notes = append(notes, fmt.Sprintf("zcnic: %s: rx_pcap %s: %d records (%s%s)", name, f, in.Records, in.Format, lens))
				if in.Truncated {
					notes = append(notes, fmt.Sprintf("zcnic: WARNING: %s: rx_pcap %s: %s", name, f, in.Truncation()))
				}
				if in.OverSnap > 0 {
					notes = append(notes, fmt.Sprintf("zcnic: WARNING: %s: rx_pcap %s: %d records are longer than the file's snapshot length, %d bytes (the first is record %d): libpcap, and so net_pcap, replays their first %d bytes", name, f, in.OverSnap, in.SnapLen, in.OverSnapAt, in.SnapLen))
				}
				if in.CapOverLen > 0 {
					notes = append(notes, fmt.Sprintf("zcnic: WARNING: %s: rx_pcap %s: %d records have a captured length over their packet's length (the first is record %d): replayed as libpcap reads them, with their captured length", name, f, in.CapOverLen, in.CapOverLenAt))
				}
				ins = append(ins, file{f, "rx_pcap of --vdev " + name})
			}
			for _, f := range a.TxPcap {
				outs = append(outs, file{f, "tx_pcap of --vdev " + name})
			}
		case drv == "net_tap" || drv == "net_tun":
			iface := kvArg(args, "iface")
			if iface == "" {
				if drv == "net_tap" {
					iface, taps = fmt.Sprintf("dtap%d", taps), taps+1
				} else {
					iface, tuns = fmt.Sprintf("dtun%d", tuns), tuns+1
				}
			}
			if err := tunFree(iface); err != nil {
				return nil, fmt.Errorf("--vdev %s: %w", v, err)
			}
			ifaces = append(ifaces, iface)
		case drv == "net_af_packet" || drv == "eth_af_packet" || drv == "net_af_xdp":
			if drv == "net_af_xdp" {
				if xdps++; xdps > 1 {
					return nil, usagef("--vdev %s: a second net_af_xdp port: net_af_xdp makes its port's mempool the AF_XDP UMEM, which only one socket may own, and zcnic gives all ports one pool (this DPDK's af_xdp has no shared_umem); run one net_af_xdp port per zcnic process", v)
				}
			}
			iface := kvArg(args, "iface")
			if iface == "" {
				break
			}
			if drv == "net_af_xdp" {
				if err := xdpFree(iface); err != nil {
					return nil, fmt.Errorf("--vdev %s: %w", v, err)
				}
			}
			ifaces = append(ifaces, iface)
		}
	}
	outs = append(outs, outputs...)
	for i, o := range outs {
		for _, in := range ins {
			if sameFile(o.path, in.path) {
				return nil, usagef("%s %s is also the %s: writing it would destroy the input", o.what, o.path, in.what)
			}
		}
		for _, o2 := range outs[:i] {
			if sameFile(o.path, o2.path) {
				return nil, usagef("%s and %s are both %s: give each output its own file", o2.what, o.what, o.path)
			}
		}
		if st, err := os.Stat(filepath.Dir(o.path)); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("%s %s: its directory %s does not exist", o.what, o.path, filepath.Dir(o.path))
		}
	}
	if held > 0 && c.poolSize > 0 {
		need := held + len(c.devargs())*orDefault(c.rxd, 512)
		if c.poolSize < need {
			return nil, usagef("--pool-size %d: infinite_rx=1 keeps all %d records of its rx_pcap files in the pool, beside the rx descriptors: give at least %d, or 0 to size it from the files", c.poolSize, held, need)
		}
	}
	slices.Sort(ifaces)
	for _, iface := range slices.Compact(ifaces) {
		if err := lockIface(iface); err != nil {
			return nil, err
		}
	}
	// Stage the tx_pcap outputs.
	pid := os.Getpid()
	for pi, v := range vdevs {
		name, args := vdevName(v)
		if !pcapfile.IsNetPcap(name) || !strings.Contains(args, "tx_pcap=") {
			prep.vdevs = append(prep.vdevs, v)
			continue
		}
		kvs := strings.Split(args, ",")
		for i, kv := range kvs {
			k, path, _ := strings.Cut(kv, "=")
			if strings.TrimSpace(k) != "tx_pcap" {
				continue
			}
			tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.zcnic-%d.tmp", filepath.Base(path), pid))
			prep.staged = append(prep.staged, staged{path: path, tmp: tmp, port: pi})
			kvs[i] = "tx_pcap=" + tmp
		}
		prep.vdevs = append(prep.vdevs, name+","+strings.Join(kvs, ","))
	}
	for _, n := range notes {
		fmt.Fprintln(e.stderr, n)
	}
	return prep, nil
}

// replaceArg sets the value of the k-th (from 0) key= argument of a
// --vdev string.
func replaceArg(vdev, key string, k int, value string) string {
	name, args := vdevName(vdev)
	kvs := strings.Split(args, ",")
	for i, kv := range kvs {
		if kk, _, _ := strings.Cut(kv, "="); strings.TrimSpace(kk) == key {
			if k == 0 {
				kvs[i] = key + "=" + value
				break
			}
			k--
		}
	}
	return name + "," + strings.Join(kvs, ",")
}

// kvArg is the value of key in "k=v,k=v" device arguments.
func kvArg(args, key string) string {
	for _, kv := range strings.Split(args, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.TrimSpace(k) == key {
			return v
		}
	}
	return ""
}

func orDefault(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

// tunFree fails if another process has the tap (or tun) interface iface
// open: the kernel shows an open tun file's interface in its fdinfo as
// "iff:\tNAME". A second process would attach more queues to the same
// interface, change its MAC, and set it down when it exits, silently
// stopping the first.
func tunFree(iface string) error {
	self := os.Getpid()
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return nil // no procfs: nothing to tell
	}
	want := "iff:\t" + iface + "\n"
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid == self {
			continue
		}
		dir := filepath.Join("/proc", p.Name(), "fdinfo")
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			b, err := os.ReadFile(filepath.Join(dir, fd.Name()))
			if err == nil && strings.Contains(string(b), want) {
				comm, _ := os.ReadFile(filepath.Join("/proc", p.Name(), "comm"))
				return fmt.Errorf("interface %s is in use: process %d (%s) has it open; two processes on one tap share its queues and the one that exits takes it down: stop that process or choose another iface=", iface, pid, strings.TrimSpace(string(comm)))
			}
		}
	}
	return nil
}

// xdpFree fails if an XDP program is attached to iface: another
// process (an af_xdp user such as a second zcnic or dpdk-testpmd) is
// receiving from it, and net_af_xdp would replace or fight its program.
func xdpFree(iface string) error {
	ifc, err := net.InterfaceByName(iface)
	if err != nil {
		return nil // the driver says that the interface is missing
	}
	tab, err := syscall.NetlinkRIB(syscall.RTM_GETLINK, syscall.AF_UNSPEC)
	if err != nil {
		return nil // no netlink: nothing to tell
	}
	msgs, err := syscall.ParseNetlinkMessage(tab)
	if err != nil {
		return nil
	}
	for i := range msgs {
		m := &msgs[i]
		if m.Header.Type != syscall.RTM_NEWLINK || len(m.Data) < syscall.SizeofIfInfomsg {
			continue
		}
		if idx := int32(binary.NativeEndian.Uint32(m.Data[4:8])); int(idx) != ifc.Index {
			continue
		}
		attrs, err := syscall.ParseNetlinkRouteAttr(m)
		if err != nil {
			return nil
		}
		for _, a := range attrs {
			if a.Attr.Type&0x3fff != unix.IFLA_XDP {
				continue
			}
			attached, prog := xdpAttrs(a.Value)
			if attached {
				return fmt.Errorf("interface %s is in use: XDP program %d is attached to it, so another process receives from it by af_xdp: stop that process or choose another iface=", iface, prog)
			}
		}
	}
	return nil
}

// xdpAttrs reads the nested IFLA_XDP attributes: whether a program is
// attached, and its id.
func xdpAttrs(b []byte) (attached bool, prog uint32) {
	for len(b) >= 4 {
		n := int(binary.NativeEndian.Uint16(b[0:2]))
		t := binary.NativeEndian.Uint16(b[2:4]) & 0x3fff
		if n < 4 || n > len(b) {
			break
		}
		v := b[4:n]
		switch {
		case t == unix.IFLA_XDP_ATTACHED && len(v) >= 1:
			attached = v[0] != 0
		case t == unix.IFLA_XDP_PROG_ID && len(v) >= 4:
			prog = binary.NativeEndian.Uint32(v)
		}
		b = b[min((n+3)&^3, len(b)):]
	}
	return attached, prog
}

// ifaceLocks are the process's claims on interfaces, held until exit:
// abstract unix sockets, which vanish with the process and leave no file
// (and, like interfaces, belong to a network namespace).
var ifaceLocks struct {
	sync.Mutex
	conns []*net.UnixConn
}

// lockIface claims iface for this process, failing if another zcnic
// process has it.
func lockIface(iface string) error {
	addr := &net.UnixAddr{Name: "@zcnic/iface/" + iface, Net: "unixgram"}
	conn, err := net.ListenUnixgram("unixgram", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("interface %s is in use by another zcnic process: two processes on one interface steal each other's packets; stop it or choose another interface", iface)
		}
		return fmt.Errorf("claiming interface %s: %w", iface, err)
	}
	ifaceLocks.Lock()
	ifaceLocks.conns = append(ifaceLocks.conns, conn)
	ifaceLocks.Unlock()
	return nil
}
