package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/port"
	"github.com/zcnic/zcnic/telemetry"
)

// runStats is `zcnic stats --attach NAME`: a secondary process that
// prints a running primary's per-port stats, from ethdev (the drivers'
// counters, in the shared memory) and from the primary's /zcnic/ports
// telemetry command (the loops' counters). It is also the example of a
// Go monitor: eal.Config{ProcType: eal.ProcSecondary, FilePrefix: NAME},
// then port.List, Port.Stats and mbuf.LookupPool.
func runStats(e *env, args []string) error {
	fs := newFlags(e, "stats", "--attach NAME [--interval D] [--count N] [--json]",
		"Attach to a running zcnic (or any DPDK primary) started with --file-prefix NAME,\n"+
			"as a DPDK secondary process, and print its live per-port stats: the devices'\n"+
			"own counters (ipackets, opackets, ibytes, obytes, imissed, ierrors, oerrors,\n"+
			"rx_nombuf) and, from its telemetry, zcnic's (received, sent, forwarded,\n"+
			"dropped, kept) and its mbuf pool. It changes nothing in the primary.\n\n"+
			"Example: zcnic stats --attach fwd1 --count 3", nil, false)
	attach := fs.String("attach", "", "the `NAME` given to the primary's --file-prefix")
	interval := fs.Duration("interval", time.Second, "time between samples")
	count := fs.Int("count", 0, "samples to print, then exit (0: until Ctrl-C)")
	asJSON := fs.Bool("json", false, "print each sample as one JSON object a line")
	logLevel := fs.String("log-level", "error", "EAL log level: error, warning, notice, info, debug")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *attach == "":
		return usagef("--attach NAME is required: the --file-prefix of the running primary")
	case *interval <= 0:
		return usagef("--interval %v: must be positive", *interval)
	case *count < 0:
		return usagef("--count %d: may not be negative", *count)
	}
	if err := eal.CheckFilePrefix(*attach); err != nil {
		return usagef("--attach %s", reason(err))
	}
	cfg := eal.Config{
		Lcores:      firstCPU(),
		ProcType:    eal.ProcSecondary,
		FilePrefix:  *attach,
		LogLevel:    *logLevel,
		ProgramName: "zcnic-stats",
		Logger:      newLineLogger(e.stderr),
	}
	if err := eal.Init(cfg); err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	err := watchPrimary(ctx, e.stdout, *attach, *interval, *count, *asJSON)
	return stopEAL(err)
}

// firstCPU is the lowest CPU this process may use: a secondary needs
// one lcore, and no more.
func firstCPU() []uint {
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) != nil {
		return nil
	}
	for i := 0; i < len(set)*64; i++ {
		if set.IsSet(i) {
			return []uint{uint(i)}
		}
	}
	return nil
}

// attachSample is one sample of a primary, as --json prints it.
type attachSample struct {
	ElapsedSeconds float64           `json:"elapsed_seconds"`
	Prefix         string            `json:"prefix"`
	Running        bool              `json:"running"` // zcnic's loops are running (from telemetry)
	Telemetry      string            `json:"telemetry,omitempty"`
	Pool           *attachPool       `json:"pool,omitempty"`
	Ports          []attachPort      `json:"ports"`
	Drops          map[string]uint64 `json:"drops,omitempty"`
}

type attachPool struct {
	Name  string `json:"name"`
	Size  int    `json:"size"`
	InUse int    `json:"in_use"`
}

type attachPort struct {
	PortID uint16       `json:"port_id"`
	Device string       `json:"device"`
	Dev    devSummary   `json:"dev"`
	Zcnic  *zcnicCounts `json:"zcnic,omitempty"` // the loops' counters, by /zcnic/ports
}

// zcnicCounts are one port's counters as zcnic's loops keep them.
type zcnicCounts struct {
	Index     int    `json:"index"` // in the primary's port list (its summary's rows)
	RxPackets uint64 `json:"rx_packets"`
	// RxBytes and TxBytes are there only if the loops count bytes
	// (--count-bytes); the device's are in Dev.
	RxBytes   *uint64 `json:"rx_bytes,omitempty"`
	TxPackets uint64  `json:"tx_packets"`
	TxBytes   *uint64 `json:"tx_bytes,omitempty"`
	Forwarded uint64  `json:"forwarded"`
	Dropped   uint64  `json:"dropped"`
	Kept      uint64  `json:"kept"`
}

// zcnicPorts is /zcnic/ports' answer: arrays by port index.
type zcnicPorts struct {
	Running   uint64   `json:"running"`
	LoopBytes uint64   `json:"loop_bytes"` // 1: the loops count bytes, rx_bytes and tx_bytes are there
	Pool      string   `json:"pool"`
	Device    []string `json:"device"`
	PortID    []uint16 `json:"port_id"`
	RxPackets []uint64 `json:"rx_packets"`
	RxBytes   []uint64 `json:"rx_bytes"`
	TxPackets []uint64 `json:"tx_packets"`
	TxBytes   []uint64 `json:"tx_bytes"`
	Forwarded []uint64 `json:"forwarded"`
	Dropped   []uint64 `json:"dropped"`
	Kept      []uint64 `json:"kept"`
}

// portRow returns index i's counters, if the arrays have it.
func (z *zcnicPorts) portRow(i int) (zcnicCounts, bool) {
	arrays := [][]uint64{z.RxPackets, z.TxPackets, z.Forwarded, z.Dropped, z.Kept}
	if z.LoopBytes != 0 {
		arrays = append(arrays, z.RxBytes, z.TxBytes)
	}
	for _, a := range arrays {
		if i >= len(a) {
			return zcnicCounts{}, false
		}
	}
	c := zcnicCounts{Index: i, RxPackets: z.RxPackets[i], TxPackets: z.TxPackets[i],
		Forwarded: z.Forwarded[i], Dropped: z.Dropped[i], Kept: z.Kept[i]}
	if z.LoopBytes != 0 {
		c.RxBytes, c.TxBytes = &z.RxBytes[i], &z.TxBytes[i]
	}
	return c, true
}

func watchPrimary(ctx context.Context, w io.Writer, prefix string, interval time.Duration, count int, asJSON bool) error {
	start := time.Now()
	tel, terr := telemetry.Dial(eal.RuntimeDirectory())
	if tel != nil {
		defer tel.Close()
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for n := 0; count == 0 || n < count; n++ {
		if n > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
		if !eal.PrimaryAlive() {
			return fmt.Errorf("the primary --file-prefix %s has exited: nothing more to watch", prefix)
		}
		s := attachSample{ElapsedSeconds: time.Since(start).Seconds(), Prefix: prefix, Ports: []attachPort{}}
		var zp zcnicPorts
		if terr == nil {
			if err := tel.Query("/zcnic/ports", &zp); err != nil {
				s.Telemetry = err.Error()
			} else {
				s.Running = zp.Running == 1
				var drops map[string]uint64
				if tel.Query("/zcnic/drops", &drops) == nil {
					delete(drops, "running")
					s.Drops = drops
				}
			}
		} else {
			s.Telemetry = terr.Error()
		}
		if zp.Pool != "" {
			// The pool is in the shared memory: look it up by name.
			if p, err := mbuf.LookupPool(zp.Pool); err == nil {
				s.Pool = &attachPool{Name: p.Name(), Size: p.Count(), InUse: p.InUse()}
			}
		}
		for _, p := range port.List() {
			st, err := p.Stats()
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			ap := attachPort{PortID: p.ID(), Device: p.Name(), Dev: devSummary{
				Read: true, Bytes: !(st.RxPackets > 0 && st.RxBytes == 0 || st.TxPackets > 0 && st.TxBytes == 0),
				RxPackets: st.RxPackets, TxPackets: st.TxPackets, RxBytes: st.RxBytes, TxBytes: st.TxBytes,
				RxMissed: st.RxMissed, RxErrors: st.RxErrors, TxErrors: st.TxErrors, RxNoMbuf: st.RxNoMbuf,
			}}
			if i := slices.Index(zp.PortID, p.ID()); i >= 0 {
				if row, ok := zp.portRow(i); ok {
					ap.Zcnic = &row
				}
			}
			s.Ports = append(s.Ports, ap)
		}
		if err := printSample(w, s, asJSON); err != nil {
			return err
		}
	}
	return nil
}

func printSample(w io.Writer, s attachSample, asJSON bool) error {
	if asJSON {
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(b))
		return err
	}
	fmt.Fprintf(w, "[%7.1fs] %s:", s.ElapsedSeconds, s.Prefix)
	switch {
	case s.Telemetry != "":
		fmt.Fprintf(w, " zcnic counters unavailable (%s)", s.Telemetry)
	case !s.Running:
		fmt.Fprint(w, " zcnic's loops are not running")
	}
	if s.Pool != nil {
		fmt.Fprintf(w, " pool %s: %d of %d mbufs in use", s.Pool.Name, s.Pool.InUse, s.Pool.Size)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "port\tdevice\tipackets\tibytes\topackets\tobytes\timissed\tierrors\toerrors\trx_nombuf\tforwarded\tdropped\tkept\t")
	for _, p := range s.Ports {
		d := p.Dev
		ib, ob := "-", "-"
		if d.Bytes {
			ib, ob = strconv.FormatUint(d.RxBytes, 10), strconv.FormatUint(d.TxBytes, 10)
		}
		fwd, drop, kept := "-", "-", "-"
		if z := p.Zcnic; z != nil {
			fwd, drop, kept = strconv.FormatUint(z.Forwarded, 10), strconv.FormatUint(z.Dropped, 10), strconv.FormatUint(z.Kept, 10)
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%d\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t\n", p.PortID, p.Device, d.RxPackets, ib, d.TxPackets, ob,
			d.RxMissed, d.RxErrors, d.TxErrors, d.RxNoMbuf, fwd, drop, kept)
	}
	return tw.Flush()
}
