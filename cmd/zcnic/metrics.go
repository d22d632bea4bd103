package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/zcnic/zcnic/app"
)

// metrics serves the runner's counters at /metrics for Prometheus. It
// is a Collector over the latest snapshot the runner reported, so a
// scrape costs the loops nothing.
type metrics struct {
	addr    string // where it listens, as bound
	srv     *http.Server
	devices []string

	mu   sync.Mutex
	snap app.Snapshot
	have bool
}

var (
	portLabels = []string{"port", "device"}
	mPortDesc  = map[string]*prometheus.Desc{}
	mPortNames = []struct{ name, help string }{
		{"rx_packets_total", "Packets received on the port."},
		{"rx_bytes_total", "Bytes received on the port, counted by the loops; absent unless --count-bytes (dev_rx_bytes_total are the device's)."},
		{"tx_packets_total", "Packets transmitted on the port."},
		{"tx_bytes_total", "Bytes transmitted on the port, counted by the loops; absent unless --count-bytes (dev_tx_bytes_total are the device's)."},
		{"forwarded_packets_total", "Packets received on the port and handed to a tx queue."},
		{"dropped_packets_total", "Packets received on the port and dropped."},
		{"kept_packets_total", "Packets received on the port and kept by the handler."},
		// The device's own counters (rte_eth_stats_get).
		{"dev_rx_packets_total", "Packets the device counted as received (ipackets)."},
		{"dev_tx_packets_total", "Packets the device counted as transmitted (opackets)."},
		{"dev_rx_bytes_total", "Bytes the device counted as received (ibytes); absent if the driver counts no bytes."},
		{"dev_tx_bytes_total", "Bytes the device counted as transmitted (obytes); absent if the driver counts no bytes."},
		{"rx_missed_packets_total", "Packets the device dropped for want of a free descriptor (imissed)."},
		{"rx_errors_total", "Erroneous packets the device received (ierrors)."},
		{"tx_errors_total", "Packets the device failed to transmit (oerrors)."},
		{"rx_nombuf_total", "Receive mbuf allocation failures (rx_nombuf)."},
	}
	mLcoreBusy      = prometheus.NewDesc("zcnic_lcore_busy_polls_total", "Loop turns that received packets.", []string{"lcore"}, nil)
	mLcoreEmpty     = prometheus.NewDesc("zcnic_lcore_empty_polls_total", "Loop turns that received nothing.", []string{"lcore"}, nil)
	mLcoreInjected  = prometheus.NewDesc("zcnic_lcore_injected_packets_total", "Packets the loop made and queued for transmission (generators).", []string{"lcore"}, nil)
	mLcoreDrops     = prometheus.NewDesc("zcnic_lcore_dropped_packets_total", "Packets the loop dropped, by reason.", []string{"lcore", "reason"}, nil)
	mLcoreStall     = prometheus.NewDesc("zcnic_lcore_stall_seconds", "Time between the starts of the loop's turns (a turn is a few microseconds: a longer gap is time the loop did not run). Buckets are exact to within 1/8 of a bound.", []string{"lcore"}, nil)
	mLcoreStallMax  = prometheus.NewDesc("zcnic_lcore_stall_max_seconds", "The longest gap between the loop's turns since it started.", []string{"lcore"}, nil)
	mLcoreStallOver = prometheus.NewDesc("zcnic_lcore_stalls_total", "Gaps between the loop's turns longer than a limit (exact counts).", []string{"lcore", "longer_than"}, nil)
	mLcoreLatency   = prometheus.NewDesc("zcnic_lcore_latency_seconds", "Time packets spent in the loop, from the rx burst that brought them to their tx burst (--latency; absent without it). Buckets are exact to within 1/8 of a bound.", []string{"lcore"}, nil)
	mGoGCCycles     = prometheus.NewDesc("zcnic_go_gc_cycles_total", "Go garbage collections completed since the loops started.", nil, nil)
	mGoPauses       = prometheus.NewDesc("zcnic_go_stw_pauses_total", "The Go runtime's stop-the-world pauses since the loops started, by kind (gc: the collector's; other).", []string{"kind"}, nil)
	mGoPauseSecs    = prometheus.NewDesc("zcnic_go_stw_pause_seconds_total", "The time of those pauses, estimated from runtime/metrics' histogram (each pause at its bucket's middle).", []string{"kind"}, nil)
	mPoolSize       = prometheus.NewDesc("zcnic_mempool_mbufs", "Mbufs in the pool.", nil, nil)
	mPoolInUse      = prometheus.NewDesc("zcnic_mempool_mbufs_in_use", "Mbufs taken from the pool (in descriptors, in flight, or held).", nil, nil)
	mElapsed        = prometheus.NewDesc("zcnic_run_seconds", "Seconds since the loops started.", nil, nil)
)

// devMetric names the port metric of each device error counter.
var devMetric = map[string]string{"imissed": "rx_missed_packets_total", "ierrors": "rx_errors_total", "oerrors": "tx_errors_total", "rx_nombuf": "rx_nombuf_total"}

func init() {
	for _, n := range mPortNames {
		mPortDesc[n.name] = prometheus.NewDesc("zcnic_port_"+n.name, n.help, portLabels, nil)
	}
}

// startMetrics listens on addr (a bare ":PORT" on 127.0.0.1) and serves
// /metrics until close.
func startMetrics(addr string, devices []string) (*metrics, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usagef("--metrics-addr %q: give HOST:PORT, or :PORT for 127.0.0.1", addr)
	}
	if host == "" {
		host = "127.0.0.1" // never every interface unless named
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, p))
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	m := &metrics{addr: ln.Addr().String(), devices: devices}
	reg := prometheus.NewRegistry()
	// The process's and Go runtime's standard metrics come with ours.
	for _, c := range []prometheus.Collector{m, collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector()} {
		if err := reg.Register(c); err != nil {
			ln.Close()
			return nil, err
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	m.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "zcnic: metrics:", err)
		}
	}()
	return m, nil
}

// update stores the latest snapshot.
func (m *metrics) update(s app.Snapshot) {
	m.mu.Lock()
	m.snap, m.have = s, true
	m.mu.Unlock()
}

func (m *metrics) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	m.srv.Shutdown(ctx)
}

// Describe sends every metric's description.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range mPortDesc {
		ch <- d
	}
	for _, d := range []*prometheus.Desc{mLcoreBusy, mLcoreEmpty, mLcoreInjected, mLcoreDrops, mLcoreStall, mLcoreStallMax, mLcoreStallOver, mLcoreLatency, mGoGCCycles, mGoPauses, mGoPauseSecs, mPoolSize, mPoolInUse, mElapsed, mRuleHits, mRuleBytes, mClassified, mClassifyCycle} {
		ch <- d
	}
}

// Collect sends the latest snapshot's values.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	s, have := m.snap, m.have
	m.mu.Unlock()
	if !have {
		// Before the first snapshot: the ports, all counters zero, so
		// that a scrape always lists them.
		s = app.Snapshot{Ports: make([]app.PortCounters, len(m.devices))}
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for i, p := range s.Ports {
		l := []string{strconv.Itoa(i), m.devices[i]}
		for _, kv := range []struct {
			name string
			v    uint64
		}{
			{"rx_packets_total", p.RxPackets}, {"tx_packets_total", p.TxPackets},
			{"forwarded_packets_total", p.Forwarded}, {"dropped_packets_total", p.Dropped}, {"kept_packets_total", p.Kept},
		} {
			counter(mPortDesc[kv.name], kv.v, l...)
		}
		if s.LoopBytes {
			counter(mPortDesc["rx_bytes_total"], p.LoopRxBytes, l...)
			counter(mPortDesc["tx_bytes_total"], p.LoopTxBytes, l...)
		}
		var d app.DevCounters
		if i < len(s.Devices) {
			d = s.Devices[i]
		}
		if !have || d.Read {
			counter(mPortDesc["dev_rx_packets_total"], d.RxPackets, l...)
			counter(mPortDesc["dev_tx_packets_total"], d.TxPackets, l...)
			if d.Bytes || !have {
				counter(mPortDesc["dev_rx_bytes_total"], d.RxBytes, l...)
				counter(mPortDesc["dev_tx_bytes_total"], d.TxBytes, l...)
			}
			for _, c := range devErrorCounts(d) {
				counter(mPortDesc[devMetric[c.name]], c.v, l...)
			}
		}
	}
	for _, lc := range s.Lcores {
		id := strconv.FormatUint(uint64(lc.Lcore), 10)
		counter(mLcoreBusy, lc.BusyPolls, id)
		counter(mLcoreEmpty, lc.EmptyPolls, id)
		counter(mLcoreInjected, lc.Injected, id)
		for r, v := range lc.Drops {
			// The built-in and named reasons always; others only once
			// something was dropped for them: no empty series.
			if reason := app.DropReason(r); reason.Named() || v > 0 {
				counter(mLcoreDrops, v, id, reason.String())
			}
		}
		collectStalls(ch, id, lc.Stalls)
		if s.LatencyOn {
			collectLatency(ch, id, lc.Latency)
		}
	}
	g := s.GoPauses
	counter(mGoGCCycles, g.GCCycles)
	counter(mGoPauses, g.GC, "gc")
	counter(mGoPauses, g.Other, "other")
	ch <- prometheus.MustNewConstMetric(mGoPauseSecs, prometheus.CounterValue, g.GCTotal.Seconds(), "gc")
	ch <- prometheus.MustNewConstMetric(mGoPauseSecs, prometheus.CounterValue, g.OtherTotal.Seconds(), "other")
	ch <- prometheus.MustNewConstMetric(mPoolSize, prometheus.GaugeValue, float64(s.PoolSize))
	ch <- prometheus.MustNewConstMetric(mPoolInUse, prometheus.GaugeValue, float64(s.PoolInUse))
	ch <- prometheus.MustNewConstMetric(mElapsed, prometheus.GaugeValue, s.Elapsed.Seconds())
	rs, cs := ruleLines(s.Rules, s.Classify)
	collectRules(ch, rs, cs)
}

// stallBounds are the buckets of zcnic_lcore_stall_seconds: 1 us to
// about 33 ms, doubling.
var stallBounds = func() []time.Duration {
	var b []time.Duration
	for d := time.Microsecond; d <= 64*time.Millisecond; d *= 2 {
		b = append(b, d)
	}
	return b
}()

// collectStalls sends one loop's stall histogram, its longest gap and
// its exact counts over the limits.
func collectStalls(ch chan<- prometheus.Metric, lcore string, st app.Stalls) {
	cum := st.Cumulative(stallBounds)
	buckets := make(map[float64]uint64, len(stallBounds))
	for i, b := range stallBounds {
		buckets[b.Seconds()] = cum[i]
	}
	ch <- prometheus.MustNewConstHistogram(mLcoreStall, st.Gaps, st.Total.Seconds(), buckets, lcore)
	ch <- prometheus.MustNewConstMetric(mLcoreStallMax, prometheus.GaugeValue, st.Max.Seconds(), lcore)
	for i, n := range []uint64{st.Over16us, st.Over64us, st.Over256us, st.Over1ms} {
		ch <- prometheus.MustNewConstMetric(mLcoreStallOver, prometheus.CounterValue, float64(n), lcore, limitName(app.StallLimits[i]))
	}
}

// latencyBounds are the buckets of zcnic_lcore_latency_seconds: 250 ns
// to about 4 ms, doubling.
var latencyBounds = func() []time.Duration {
	var b []time.Duration
	for d := 250 * time.Nanosecond; d <= 4*time.Millisecond; d *= 2 {
		b = append(b, d)
	}
	return b
}()

// collectLatency sends one loop's latency histogram.
func collectLatency(ch chan<- prometheus.Metric, lcore string, l app.Latency) {
	cum := l.Cumulative(latencyBounds)
	buckets := make(map[float64]uint64, len(latencyBounds))
	for i, b := range latencyBounds {
		buckets[b.Seconds()] = cum[i]
	}
	ch <- prometheus.MustNewConstHistogram(mLcoreLatency, l.Packets, l.Total.Seconds(), buckets, lcore)
}

// limitName is a stall limit as a label: "16us", "1ms".
func limitName(d time.Duration) string {
	if d%time.Millisecond == 0 {
		return strconv.Itoa(int(d/time.Millisecond)) + "ms"
	}
	return strconv.Itoa(int(d/time.Microsecond)) + "us"
}
