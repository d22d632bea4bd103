package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/zcnic/zcnic/app"
	"github.com/zcnic/zcnic/internal/pcapfile"
	"github.com/zcnic/zcnic/port"
)

// reporter prints the live stats lines and the summary, and feeds the
// metrics endpoint.
type reporter struct {
	e       *env
	c       *common
	devices []string
	metrics *metrics // nil when off
	prev    app.Snapshot
}

// hook sets cfg's stats callback: every --stats-interval a line on
// stderr, and the metrics' latest snapshot.
func (r *reporter) hook(cfg *app.Config) {
	cfg.StatsInterval = r.c.statsInterval
	if r.metrics != nil && (cfg.StatsInterval == 0 || cfg.StatsInterval > time.Second) {
		cfg.StatsInterval = time.Second // metrics stay fresh; lines are printed on their own interval
	}
	if cfg.StatsInterval == 0 {
		return
	}
	var lastLine time.Duration
	cfg.OnStats = func(s app.Snapshot) {
		if r.metrics != nil {
			r.metrics.update(s)
		}
		if r.c.statsInterval == 0 || s.Elapsed-lastLine < r.c.statsInterval-r.c.statsInterval/10 {
			return
		}
		lastLine = s.Elapsed
		if r.c.statsFormat == "json" {
			fmt.Fprintln(r.e.stderr, r.jsonLine(s))
		} else {
			fmt.Fprintln(r.e.stderr, r.line(s))
		}
		r.prev = s
	}
}

// line is one live stats line: per port the rates since the last line.
func (r *reporter) line(s app.Snapshot) string {
	dt := (s.Elapsed - r.prev.Elapsed).Seconds()
	if dt <= 0 {
		dt = 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[%7.1fs]", s.Elapsed.Seconds())
	var dropped, prevDropped uint64
	for i, p := range s.Ports {
		var q app.PortCounters
		if i < len(r.prev.Ports) {
			q = r.prev.Ports[i]
		}
		dropped += p.Dropped
		prevDropped += q.Dropped
		if i > 0 {
			b.WriteString(" |")
		}
		fmt.Fprintf(&b, " p%d rx/tx %.3f/%.3f Mpps %s", i, mpps(p.RxPackets-q.RxPackets, dt), mpps(p.TxPackets-q.TxPackets, dt), r.gbitText(s, i, dt))
	}
	fmt.Fprintf(&b, " | dropped +%d (%d)", dropped-prevDropped, dropped)
	if s.Rules != nil {
		now, _ := ruleLines(s.Rules, nil)
		before, _ := ruleLines(r.prev.Rules, nil)
		fmt.Fprintf(&b, " | rules +%d hits (%d)", ruleHits(now)-ruleHits(before), ruleHits(now))
	}
	for i, d := range s.Devices {
		if d.Errors() == 0 {
			continue
		}
		fmt.Fprintf(&b, " | p%d device:", i)
		for _, c := range devErrorCounts(d) {
			if c.v > 0 {
				fmt.Fprintf(&b, " %s %d", c.name, c.v)
			}
		}
	}
	return b.String()
}

// byteRates are port i's byte rates over the interval since the last
// line, and where the bytes were counted (app.Snapshot.Bytes); ok is
// false when nothing counted them, or the source changed since.
func (r *reporter) byteRates(s app.Snapshot, i int, dt float64) (rx, tx float64, src app.ByteSource, ok bool) {
	rb, tb, src := s.Bytes(i)
	qr, qt, qsrc := r.prev.Bytes(i)
	if src == app.BytesNone {
		return 0, 0, src, false
	}
	if qsrc != src {
		qr, qt = 0, 0 // the first line, or the device answered late
	}
	return float64(rb-qr) * 8 / dt, float64(tb-qt) * 8 / dt, src, true
}

// gbitText is port i's Gbit/s in a text line: rx/tx, "(loop)" when the
// loops counted the bytes, or "Gbit/s n/a" when nothing did.
func (r *reporter) gbitText(s app.Snapshot, i int, dt float64) string {
	rx, tx, src, ok := r.byteRates(s, i, dt)
	switch {
	case !ok:
		return "Gbit/s n/a"
	case src == app.BytesLoop:
		return fmt.Sprintf("%.2f/%.2f Gbit/s (loop)", rx/1e9, tx/1e9)
	}
	return fmt.Sprintf("%.2f/%.2f Gbit/s", rx/1e9, tx/1e9)
}

// devErrorCounts are a device's error counters by their ethdev names.
func devErrorCounts(d app.DevCounters) []struct {
	name string
	v    uint64
} {
	return []struct {
		name string
		v    uint64
	}{{"imissed", d.RxMissed}, {"ierrors", d.RxErrors}, {"oerrors", d.TxErrors}, {"rx_nombuf", d.RxNoMbuf}}
}

// statsLine is one live stats line with --stats-format json: counters
// since the start, and rates over the interval since the last line.
type statsLine struct {
	ElapsedSeconds  float64         `json:"elapsed_seconds"`
	IntervalSeconds float64         `json:"interval_seconds"`
	Ports           []statsLinePort `json:"ports"`
	Dropped         uint64          `json:"dropped"`
	PoolInUse       int             `json:"pool_in_use"`
	// RuleHits are the flow rules' hits since the start (absent with
	// no rules).
	RuleHits *uint64 `json:"rule_hits,omitempty"`
}

type statsLinePort struct {
	Port      int    `json:"port"`
	RxPackets uint64 `json:"rx_packets"`
	TxPackets uint64 `json:"tx_packets"`
	// The byte figures: null when nothing counted bytes (bytes_from
	// "none"), else from the device's counters or the loops'.
	BytesFrom string   `json:"bytes_from"`
	RxBytes   *uint64  `json:"rx_bytes"`
	TxBytes   *uint64  `json:"tx_bytes"`
	Dropped   uint64   `json:"dropped"`
	RxPps     float64  `json:"rx_pps"`
	TxPps     float64  `json:"tx_pps"`
	RxBps     *float64 `json:"rx_bps"`
	TxBps     *float64 `json:"tx_bps"`
	// The device's error counters, when it reports any.
	RxMissed uint64 `json:"rx_missed,omitempty"`
	RxErrors uint64 `json:"rx_errors,omitempty"`
	TxErrors uint64 `json:"tx_errors,omitempty"`
	RxNoMbuf uint64 `json:"rx_nombuf,omitempty"`
}

// jsonLine is the line of --stats-format json: one JSON object.
func (r *reporter) jsonLine(s app.Snapshot) string {
	dt := (s.Elapsed - r.prev.Elapsed).Seconds()
	if dt <= 0 {
		dt = 1
	}
	l := statsLine{ElapsedSeconds: s.Elapsed.Seconds(), IntervalSeconds: dt, Ports: []statsLinePort{}, PoolInUse: s.PoolInUse}
	for i, p := range s.Ports {
		var q app.PortCounters
		if i < len(r.prev.Ports) {
			q = r.prev.Ports[i]
		}
		l.Dropped += p.Dropped
		lp := statsLinePort{
			Port: i, RxPackets: p.RxPackets, TxPackets: p.TxPackets, Dropped: p.Dropped,
			RxPps: float64(p.RxPackets-q.RxPackets) / dt, TxPps: float64(p.TxPackets-q.TxPackets) / dt,
		}
		rxb, txb, src := s.Bytes(i)
		lp.BytesFrom = src.String()
		if rx, tx, _, ok := r.byteRates(s, i, dt); ok {
			lp.RxBytes, lp.TxBytes, lp.RxBps, lp.TxBps = &rxb, &txb, &rx, &tx
		}
		l.Ports = append(l.Ports, lp)
		if i < len(s.Devices) {
			d, lp := s.Devices[i], &l.Ports[len(l.Ports)-1]
			lp.RxMissed, lp.RxErrors, lp.TxErrors, lp.RxNoMbuf = d.RxMissed, d.RxErrors, d.TxErrors, d.RxNoMbuf
		}
	}
	if s.Rules != nil {
		rs, _ := ruleLines(s.Rules, nil)
		h := ruleHits(rs)
		l.RuleHits = &h
	}
	b, _ := json.Marshal(l) // plain numbers and slices: cannot fail
	return string(b)
}

func mpps(n uint64, secs float64) float64 { return float64(n) / secs / 1e6 }

func fmtGbps(g *float64) string {
	if g == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", *g)
}

// bytesFromText says where the summary's byte figures came from, given
// the ports of each source.
func bytesFromText(from map[string][]string) string {
	var parts []string
	for _, k := range []struct{ src, text string }{
		{app.BytesDevice.String(), "from the devices' counters (ibytes, obytes)"},
		{app.BytesLoop.String(), "counted by the loops (--count-bytes)"},
		{app.BytesNone.String(), "none: the driver counts no bytes (--count-bytes counts them in the loop)"},
	} {
		if ports := from[k.src]; len(ports) > 0 {
			parts = append(parts, fmt.Sprintf("port %s %s", strings.Join(ports, ", "), k.text))
		}
	}
	return strings.Join(parts, "; ")
}
func gbps(n uint64, secs float64) float64 { return float64(n) * 8 / secs / 1e9 }

// summary is the end-of-run report; --json prints it as it is.
type summary struct {
	Command        string            `json:"command"`
	Mode           string            `json:"mode,omitempty"`
	ElapsedSeconds float64           `json:"elapsed_seconds"`
	Ports          []portSummary     `json:"ports"`
	Drops          map[string]uint64 `json:"drops"`
	Lcores         []lcoreSummary    `json:"lcores"`
	PoolSize       int               `json:"pool_size"`
	Leaked         int               `json:"leaked_mbufs"`
	Captured       *uint64           `json:"captured,omitempty"`
	GoRuntime      *goRuntime        `json:"go_runtime,omitempty"`
	// GoPauses are the Go runtime's stop-the-world pauses while the
	// loops ran, beside the loops' stalls.
	GoPauses goPausesSummary `json:"go_pauses"`
	// Latency is every loop's packets' time from rx to tx together
	// (--latency); each lcore's is in Lcores.
	Latency *latencySummary `json:"latency,omitempty"`
	Output  string          `json:"output,omitempty"`
	Error   string          `json:"error,omitempty"`
	// Rules are the flow rules, a line per rule and port, and Classify
	// each port's software classification (fwd --rules).
	Rules    []ruleSummary     `json:"rules,omitempty"`
	Classify []classifySummary `json:"classify,omitempty"`
}

type portSummary struct {
	Port      int    `json:"port"`
	Device    string `json:"device"`
	RxPackets uint64 `json:"rx_packets"`
	TxPackets uint64 `json:"tx_packets"`
	// The byte figures: from the device's counters (bytes_from
	// "device", as testpmd's), the loops' (--count-bytes), or null when
	// nothing counted them ("none": net_null counts no bytes).
	BytesFrom string   `json:"bytes_from"`
	RxBytes   *uint64  `json:"rx_bytes"`
	TxBytes   *uint64  `json:"tx_bytes"`
	Forwarded uint64   `json:"forwarded"`
	Dropped   uint64   `json:"dropped"`
	Kept      uint64   `json:"kept"`
	RxMpps    float64  `json:"rx_mpps"`
	RxGbps    *float64 `json:"rx_gbps"`
	TxMpps    float64  `json:"tx_mpps"`
	TxGbps    *float64 `json:"tx_gbps"`
	// Dev are the device's own counters (rte_eth_stats_get).
	Dev devSummary `json:"dev"`
	// The port's queues: how many, the RSS hash functions its driver
	// took ("none" with one rx queue or a driver without RSS), and the
	// driver's packets per queue (q_ipackets, q_opackets; 0 where the
	// driver keeps none).
	RxQueues    int      `json:"rx_queues"`
	TxQueues    int      `json:"tx_queues"`
	RSS         string   `json:"rss"`
	RxQueuePkts []uint64 `json:"dev_rx_queue_packets"`
	TxQueuePkts []uint64 `json:"dev_tx_queue_packets"`
	// RxPcapSkipped are the records of the port's rx_pcap files it did
	// not replay, being over the 65,535 bytes net_pcap carries; the
	// drops say them too, as over_65535.
	RxPcapSkipped uint64 `json:"rx_pcap_skipped"`
}

// devSummary is a port's driver counters; Bytes is false when the
// driver counts no bytes (net_null), so rx_bytes and tx_bytes say nothing.
type devSummary struct {
	Read      bool   `json:"read"`
	Bytes     bool   `json:"bytes"`
	RxPackets uint64 `json:"rx_packets"`
	TxPackets uint64 `json:"tx_packets"`
	RxBytes   uint64 `json:"rx_bytes"`
	TxBytes   uint64 `json:"tx_bytes"`
	RxMissed  uint64 `json:"rx_missed"`
	RxErrors  uint64 `json:"rx_errors"`
	TxErrors  uint64 `json:"tx_errors"`
	RxNoMbuf  uint64 `json:"rx_nombuf"`
	// TxCut are the frames the driver wrote cut short: net_pcap writes
	// at most 16,128 bytes of a chained frame to tx_pcap, and zcnic
	// hands it whole ones, except when it cannot (app.DevCounters).
	TxCut uint64 `json:"tx_cut"`
	// Resets counts the driver's resets of its counters during the run
	// (net_memif resets them when its peer leaves); the figures are
	// rebased across them.
	Resets int `json:"resets"`
}

func toDevSummary(d app.DevCounters) devSummary {
	return devSummary{Read: d.Read, Bytes: d.Bytes, RxPackets: d.RxPackets, TxPackets: d.TxPackets, RxBytes: d.RxBytes, TxBytes: d.TxBytes,
		RxMissed: d.RxMissed, RxErrors: d.RxErrors, TxErrors: d.TxErrors, RxNoMbuf: d.RxNoMbuf, TxCut: d.TxCut, Resets: d.Resets}
}

type lcoreSummary struct {
	Lcore uint `json:"lcore"`
	// RxQueues are the queues the loop polled, TxQueue the tx queue it
	// sent on (the same number on every port; -1: it sends nothing),
	// Ports its packets per port.
	RxQueues    []queueRef         `json:"rx_queues"`
	TxQueue     int                `json:"tx_queue"`
	Ports       []lcorePortSummary `json:"ports"`
	BusyPolls   uint64             `json:"busy_polls"`
	EmptyPolls  uint64             `json:"empty_polls"`
	Utilisation float64            `json:"utilisation"`
	Injected    uint64             `json:"injected"`
	RingIn      uint64             `json:"ring_in"`
	RingOut     uint64             `json:"ring_out"`
	// Stalls are the gaps between the loop's turns.
	Stalls stallSummary `json:"stalls"`
	// Latency is the loop's packets' time from rx to tx (--latency).
	Latency *latencySummary `json:"latency,omitempty"`
}

// latencySummary is packets' time in the loops, rx to tx (app.Latency),
// in microseconds.
type latencySummary struct {
	Packets uint64  `json:"packets"`
	MeanUs  float64 `json:"mean_us"`
	P50us   float64 `json:"p50_us"`
	P90us   float64 `json:"p90_us"`
	P99us   float64 `json:"p99_us"`
	P999us  float64 `json:"p99_9_us"`
	MaxUs   float64 `json:"max_us"`
}

func toLatencySummary(l app.Latency) *latencySummary {
	return &latencySummary{Packets: l.Packets, MeanUs: us(l.Mean()), P50us: us(l.Quantile(0.5)), P90us: us(l.Quantile(0.9)),
		P99us: us(l.Quantile(0.99)), P999us: us(l.Quantile(0.999)), MaxUs: us(l.Max)}
}

func (l *latencySummary) text() string {
	return fmt.Sprintf("%d packets timed: mean %.2f us, p50 %.2f us, p90 %.2f us, p99 %.2f us, p99.9 %.2f us, max %.2f us",
		l.Packets, l.MeanUs, l.P50us, l.P90us, l.P99us, l.P999us, l.MaxUs)
}

// queueRef is an rx queue of a port.
type queueRef struct {
	Port  int `json:"port"`
	Queue int `json:"queue"`
}

// lcorePortSummary is one loop's packets on one port.
type lcorePortSummary struct {
	RxPackets uint64 `json:"rx_packets"`
	TxPackets uint64 `json:"tx_packets"`
}

// stallSummary is a loop's gaps between turns (app.Stalls), in
// microseconds.
type stallSummary struct {
	Gaps      uint64  `json:"gaps"`
	P50us     float64 `json:"p50_us"`
	P99us     float64 `json:"p99_us"`
	P999us    float64 `json:"p99_9_us"`
	P9999us   float64 `json:"p99_99_us"`
	MaxUs     float64 `json:"max_us"`
	Over16us  uint64  `json:"over_16us"`
	Over64us  uint64  `json:"over_64us"`
	Over256us uint64  `json:"over_256us"`
	Over1ms   uint64  `json:"over_1ms"`
}

func us(d time.Duration) float64 { return float64(d) / 1e3 }

func toStallSummary(s app.Stalls) stallSummary {
	return stallSummary{
		Gaps: s.Gaps, P50us: us(s.Quantile(0.5)), P99us: us(s.Quantile(0.99)), P999us: us(s.Quantile(0.999)),
		P9999us: us(s.Quantile(0.9999)), MaxUs: us(s.Max),
		Over16us: s.Over16us, Over64us: s.Over64us, Over256us: s.Over256us, Over1ms: s.Over1ms,
	}
}

// goPausesSummary is the Go runtime's stop-the-world pauses during the
// run (app.GoPauses), in microseconds.
type goPausesSummary struct {
	GCCycles     uint64  `json:"gc_cycles"`
	GCPauses     uint64  `json:"gc_pauses"`
	GCPauseUs    float64 `json:"gc_pause_total_us"`
	GCPauseMaxUs float64 `json:"gc_pause_max_us"`
	OtherPauses  uint64  `json:"other_pauses"`
	OtherPauseUs float64 `json:"other_pause_total_us"`
}

func toGoPausesSummary(p app.GoPauses) goPausesSummary {
	return goPausesSummary{GCCycles: p.GCCycles, GCPauses: p.GC, GCPauseUs: us(p.GCTotal), GCPauseMaxUs: us(p.GCMax),
		OtherPauses: p.Other, OtherPauseUs: us(p.OtherTotal)}
}

func (r *reporter) summarize(res app.Result, mode string) summary {
	s := summary{
		Command:        r.c.cmd,
		Mode:           mode,
		ElapsedSeconds: res.Elapsed.Seconds(),
		Drops:          map[string]uint64{},
		PoolSize:       res.PoolSize,
		Leaked:         res.Leaked,
		Ports:          []portSummary{},
		Lcores:         []lcoreSummary{},
		GoPauses:       toGoPausesSummary(res.GoPauses),
	}
	secs := max(res.Elapsed.Seconds(), 1e-9)
	for i, p := range res.Ports {
		ps := portSummary{
			Port: i, Device: r.devices[i],
			RxPackets: p.RxPackets, TxPackets: p.TxPackets,
			Forwarded: p.Forwarded, Dropped: p.Dropped, Kept: p.Kept,
			RxMpps: mpps(p.RxPackets, secs), TxMpps: mpps(p.TxPackets, secs),
		}
		rxb, txb, src := res.Bytes(i)
		ps.BytesFrom = src.String()
		if src != app.BytesNone {
			rg, tg := gbps(rxb, secs), gbps(txb, secs)
			ps.RxBytes, ps.TxBytes, ps.RxGbps, ps.TxGbps = &rxb, &txb, &rg, &tg
		}
		s.Ports = append(s.Ports, ps)
		if i < len(res.Devices) {
			s.Ports[i].Dev = toDevSummary(res.Devices[i])
		}
		if i < len(res.Queues) {
			q := res.Queues[i]
			s.Ports[i].RxQueues, s.Ports[i].TxQueues = q.RxQueues, q.TxQueues
			s.Ports[i].RSS = port.RSSNames(q.RSSHash)
			s.Ports[i].RxQueuePkts, s.Ports[i].TxQueuePkts = q.RxPackets, q.TxPackets
		}
	}
	for reason, n := range res.Drops() {
		if n > 0 {
			s.Drops[app.DropReason(reason).String()] = n
		}
	}
	for i := range s.Ports {
		if i < len(r.c.rxSkipped) && r.c.rxSkipped[i] > 0 {
			s.Ports[i].RxPcapSkipped = r.c.rxSkipped[i]
			s.Drops[pcapfile.DropName] += r.c.rxSkipped[i]
		}
	}
	for i, l := range res.Lcores {
		ls := lcoreSummary{Lcore: l.Lcore, BusyPolls: l.BusyPolls, EmptyPolls: l.EmptyPolls, Utilisation: l.Utilisation(), Injected: l.Injected, RingIn: l.RingIn, RingOut: l.RingOut,
			Stalls: toStallSummary(l.Stalls), RxQueues: []queueRef{}, TxQueue: -1}
		if res.LatencyOn {
			ls.Latency = toLatencySummary(l.Latency)
		}
		for _, p := range l.Ports {
			ls.Ports = append(ls.Ports, lcorePortSummary{RxPackets: p.RxPackets, TxPackets: p.TxPackets})
		}
		if i < len(res.Loops) && res.Loops[i].Lcore == l.Lcore {
			for _, q := range res.Loops[i].Rx {
				ls.RxQueues = append(ls.RxQueues, queueRef{Port: q.Port, Queue: q.Queue})
			}
			ls.TxQueue = res.Loops[i].TxQueue
		}
		s.Lcores = append(s.Lcores, ls)
	}
	if res.LatencyOn {
		s.Latency = toLatencySummary(res.Latency())
	}
	return s
}

// print writes the summary: JSON with --json, else a table.
func (r *reporter) print(s summary) error {
	w := r.e.stdout
	if r.c.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	head := "zcnic " + s.Command
	if s.Mode != "" {
		head += " (" + s.Mode + ")"
	}
	fmt.Fprintf(w, "\n%s: %.2f s\n", head, s.ElapsedSeconds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "port\tdevice\trx packets\trx Mpps\trx Gbit/s\ttx packets\ttx Mpps\ttx Gbit/s\tforwarded\tdropped\tkept\t")
	from := map[string][]string{}
	for _, p := range s.Ports {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%.3f\t%s\t%d\t%.3f\t%s\t%d\t%d\t%d\t\n",
			p.Port, p.Device, p.RxPackets, p.RxMpps, fmtGbps(p.RxGbps), p.TxPackets, p.TxMpps, fmtGbps(p.TxGbps), p.Forwarded, p.Dropped, p.Kept)
		from[p.BytesFrom] = append(from[p.BytesFrom], strconv.Itoa(p.Port))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "Gbit/s: %s\n", bytesFromText(from))
	if err := printDevTable(w, s.Ports); err != nil {
		return err
	}
	if len(s.Drops) > 0 {
		var d []string
		for i := app.DropReason(0); i < app.NumDropReasons; i++ {
			if n := s.Drops[i.String()]; n > 0 {
				d = append(d, fmt.Sprintf("%s %d", i, n))
			}
		}
		if n := s.Drops[pcapfile.DropName]; n > 0 {
			d = append(d, fmt.Sprintf("%s %d (rx_pcap records not replayed)", pcapfile.DropName, n))
		}
		fmt.Fprintf(w, "drops by reason: %s\n", strings.Join(d, ", "))
	}
	printQueues(w, s.Ports)
	for _, l := range s.Lcores {
		fmt.Fprintf(w, "lcore %d: %s; %.1f%% of polls found packets (%d busy, %d empty)", l.Lcore, loopText(l), 100*l.Utilisation, l.BusyPolls, l.EmptyPolls)
		if l.RingIn+l.RingOut > 0 {
			fmt.Fprintf(w, "; rings: %d in, %d out", l.RingIn, l.RingOut)
		}
		if l.Injected > 0 {
			fmt.Fprintf(w, ", %d frames generated", l.Injected)
		}
		fmt.Fprintln(w)
		if st := l.Stalls; st.Gaps > 0 {
			fmt.Fprintf(w, "lcore %d stalls (gaps between turns, %d timed): p50 %.1f us, p99 %.1f us, p99.9 %.1f us, p99.99 %.1f us, max %.1f us; over 16 us %d, 64 us %d, 256 us %d, 1 ms %d\n",
				l.Lcore, st.Gaps, st.P50us, st.P99us, st.P999us, st.P9999us, st.MaxUs, st.Over16us, st.Over64us, st.Over256us, st.Over1ms)
		}
		if l.Latency != nil {
			fmt.Fprintf(w, "lcore %d latency (rx to tx in the loop): %s\n", l.Lcore, l.Latency.text())
		}
	}
	if p := s.GoPauses; len(s.Lcores) > 0 {
		fmt.Fprintf(w, "go runtime pauses (stop-the-world): %d GC cycles, %d GC pauses, %.1f us in all, longest <= %.1f us; %d other pauses, %.1f us\n",
			p.GCCycles, p.GCPauses, p.GCPauseUs, p.GCPauseMaxUs, p.OtherPauses, p.OtherPauseUs)
	}
	if err := printRules(w, s.Rules, s.Classify, s.Ports); err != nil {
		return err
	}
	fmt.Fprintf(w, "mbuf pool: %d mbufs, %d not returned at the end\n", s.PoolSize, s.Leaked)
	if g := s.GoRuntime; g != nil {
		fmt.Fprintf(w, "go runtime over %.2f s of running loops: %d heap allocations (%d bytes), %d GC cycles; %.3f allocations per burst (%d bursts)\n",
			g.WindowSeconds, g.HeapAllocs, g.HeapAllocBytes, g.GCCycles, g.AllocsPerBurst, g.Bursts)
		if g.NewThreads > 0 {
			fmt.Fprintf(w, "go runtime: it started %d OS threads meanwhile (each one's m is a heap allocation)\n", g.NewThreads)
		}
	}
	if s.Captured != nil {
		fmt.Fprintf(w, "captured: %d packets\n", *s.Captured)
	}
	if s.Output != "" {
		fmt.Fprintf(w, "output: %s\n", s.Output)
	}
	return nil
}

// printQueues prints, for each port with more than one queue, its
// queues, the RSS its driver took and the driver's packets per queue.
func printQueues(w io.Writer, ports []portSummary) {
	for _, p := range ports {
		if p.RxQueues <= 1 && p.TxQueues <= 1 {
			continue
		}
		fmt.Fprintf(w, "port %d queues: %d rx (RSS: %s), %d tx; device packets per queue: rx %s, tx %s\n",
			p.Port, p.RxQueues, p.RSS, p.TxQueues, joinCounts(p.RxQueuePkts), joinCounts(p.TxQueuePkts))
	}
}

func joinCounts(v []uint64) string {
	if len(v) == 0 {
		return "-"
	}
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.FormatUint(n, 10)
	}
	return strings.Join(s, " / ")
}

// loopText says what a loop polled and sent on, and its packets per
// port: dpdk-testpmd's "show config fwd" with the counts.
func loopText(l lcoreSummary) string {
	var rx []string
	for _, q := range l.RxQueues {
		rx = append(rx, fmt.Sprintf("port %d queue %d", q.Port, q.Queue))
	}
	polls := "no rx queue"
	if len(rx) > 0 {
		polls = "polls " + strings.Join(rx, ", ")
	}
	tx := "sends nothing"
	if l.TxQueue >= 0 {
		tx = fmt.Sprintf("sends on tx queue %d of every port", l.TxQueue)
	}
	var counts []string
	for i, p := range l.Ports {
		if p.RxPackets+p.TxPackets > 0 {
			counts = append(counts, fmt.Sprintf("port %d rx %d tx %d", i, p.RxPackets, p.TxPackets))
		}
	}
	if len(counts) == 0 {
		counts = []string{"no packets"}
	}
	return polls + "; " + tx + "; " + strings.Join(counts, ", ")
}

// printDevTable prints the devices' own counters: packets, bytes ("-"
// where the driver counts none) and errors.
func printDevTable(w io.Writer, ports []portSummary) error {
	fmt.Fprintln(w, "device counters (rte_eth_stats_get):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "port\tipackets\tibytes\topackets\tobytes\timissed\tierrors\toerrors\trx_nombuf\t")
	for _, p := range ports {
		d := p.Dev
		if !d.Read {
			fmt.Fprintf(tw, "%d\t-\t-\t-\t-\t-\t-\t-\t-\t\n", p.Port)
			continue
		}
		ib, ob := "-", "-"
		if d.Bytes {
			ib, ob = strconv.FormatUint(d.RxBytes, 10), strconv.FormatUint(d.TxBytes, 10)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%d\t%s\t%d\t%d\t%d\t%d\t\n", p.Port, d.RxPackets, ib, d.TxPackets, ob, d.RxMissed, d.RxErrors, d.TxErrors, d.RxNoMbuf)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, p := range ports {
		if n := p.Dev.Resets; n > 0 {
			fmt.Fprintf(w, "port %d: its driver reset its counters %d time(s) during the run (net_memif does when its peer leaves); the counts above are rebased across the resets\n", p.Port, n)
		}
	}
	return nil
}

// finish prints the summary of a run that got as far as running, and
// returns the run's error. A failed run still prints what it counted.
func (r *reporter) finish(s summary, runErr error) error {
	if len(s.Ports) == 0 { // set-up failed: nothing ran
		return runErr
	}
	if runErr != nil {
		s.Error = oneLine(runErr)
	}
	for _, p := range s.Ports {
		if p.Dev.TxCut > 0 {
			fmt.Fprintf(r.e.stderr, "zcnic: WARNING: port %d (%s): %d frames written cut to %d bytes by net_pcap (chained frames it could not be handed in one mbuf)\n", p.Port, p.Device, p.Dev.TxCut, port.PcapTxCut)
		}
	}
	// A summary that cannot be written because its reader went away
	// (EPIPE: the run was stopped for that) is no failure of the run.
	if perr := r.print(s); perr != nil && runErr == nil && !errors.Is(perr, syscall.EPIPE) {
		return perr
	}
	return runErr
}
