package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/pkt/testpkts"
	"github.com/zcnic/zcnic/port"
)

var devSeq atomic.Int64

func dev(kind string) string { return fmt.Sprintf("%s%d", kind, 50+devSeq.Add(1)) }

// checkBalanced asserts the counters add up after a run.
func checkBalanced(t *testing.T, res Result) {
	t.Helper()
	var fwd, tx uint64
	for i, p := range res.Ports {
		assert.Equal(t, p.RxPackets, p.Forwarded+p.Dropped+p.Kept, "port %d: received = forwarded + dropped + kept", i)
		fwd += p.Forwarded
		tx += p.TxPackets
	}
	assert.Equal(t, fwd, tx, "every forwarded packet was transmitted")
	assert.Zero(t, res.Leaked)
}

// untilTx cancels the run once n packets have been transmitted in all.
func untilTx(cfg *Config, n uint64, cancel context.CancelFunc) {
	cfg.StatsInterval = 5 * time.Millisecond
	cfg.OnStats = func(s Snapshot) {
		var tx uint64
		for _, p := range s.Ports {
			tx += p.TxPackets
		}
		if tx >= n {
			cancel()
		}
	}
}

// pcapPair writes in to a pcap and returns two net_pcap ports: port 0
// replays it once, port 1 receives nothing and writes what it sends to
// the returned path.
func pcapPair(t *testing.T, in [][]byte) (ports []PortConfig, outPath string) {
	t.Helper()
	dir := t.TempDir()
	inPath, outPath, empty := filepath.Join(dir, "in.pcap"), filepath.Join(dir, "out.pcap"), filepath.Join(dir, "empty.pcap")
	require.NoError(t, testpkts.WritePcap(inPath, in))
	require.NoError(t, testpkts.WritePcap(empty, nil))
	return []PortConfig{
		{Device: dev("net_pcap") + ",rx_pcap=" + inPath},
		{Device: dev("net_pcap") + ",rx_pcap=" + empty + ",tx_pcap=" + outPath},
	}, outPath
}

func pcapRun(t *testing.T, mode Mode) (in, out [][]byte, res Result) {
	t.Helper()
	in, err := testpkts.Mixed()
	require.NoError(t, err)
	ports, outPath := pcapPair(t, in)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg := Config{Ports: ports}
	untilTx(&cfg, uint64(len(in)), cancel)
	res, err = Forward(ctx, cfg, FwdConfig{Mode: mode, Peers: []int{1, 0}})
	require.NoError(t, err)
	require.NotErrorIs(t, ctx.Err(), context.DeadlineExceeded, "the run timed out")
	checkBalanced(t, res)
	out, err = testpkts.ReadPcap(outPath)
	require.NoError(t, err)
	require.Len(t, out, len(in))
	return in, out, res
}

func decode(b []byte) gopacket.Packet {
	return gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.Default)
}

func TestForwardIOPcap(t *testing.T) {
	in, out, _ := pcapRun(t, IO)
	for i := range in {
		assert.Equal(t, in[i], out[i], "packet %d", i)
	}
}

func TestForwardMacSwapPcap(t *testing.T) {
	in, out, _ := pcapRun(t, MacSwap)
	for i := range in {
		a, b := decode(in[i]).Layer(layers.LayerTypeEthernet).(*layers.Ethernet), decode(out[i]).Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		assert.Equal(t, a.SrcMAC, b.DstMAC, "packet %d", i)
		assert.Equal(t, a.DstMAC, b.SrcMAC, "packet %d", i)
		assert.Equal(t, in[i][12:], out[i][12:], "packet %d: nothing else changes", i)
	}
}

func TestForwardFiveTupleSwapPcap(t *testing.T) {
	in, out, _ := pcapRun(t, FiveTupleSwap)
	for i := range in {
		a, b := decode(in[i]), decode(out[i])
		ea, eb := a.Layer(layers.LayerTypeEthernet).(*layers.Ethernet), b.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		assert.Equal(t, ea.SrcMAC, eb.DstMAC, "packet %d", i)
		if ia, ok := a.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
			ib := b.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
			assert.Equal(t, ia.SrcIP, ib.DstIP, "packet %d", i)
			assert.Equal(t, ia.DstIP, ib.SrcIP, "packet %d", i)
			assert.Equal(t, ia.Checksum, ib.Checksum, "packet %d: swapping keeps the sum", i)
		}
		if ia, ok := a.Layer(layers.LayerTypeIPv6).(*layers.IPv6); ok {
			ib := b.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
			assert.Equal(t, ia.SrcIP, ib.DstIP, "packet %d", i)
		}
		if ua, ok := a.Layer(layers.LayerTypeUDP).(*layers.UDP); ok {
			ub := b.Layer(layers.LayerTypeUDP).(*layers.UDP)
			assert.Equal(t, ua.SrcPort, ub.DstPort, "packet %d", i)
			assert.Equal(t, ua.DstPort, ub.SrcPort, "packet %d", i)
			assert.Equal(t, ua.Payload, ub.Payload, "packet %d", i)
		}
		if ta, ok := a.Layer(layers.LayerTypeTCP).(*layers.TCP); ok {
			tb := b.Layer(layers.LayerTypeTCP).(*layers.TCP)
			assert.Equal(t, ta.SrcPort, tb.DstPort, "packet %d", i)
			assert.Equal(t, ta.Seq, tb.Seq, "packet %d", i)
		}
	}
}

func TestForwardL2FwdPcap(t *testing.T) {
	in, out, _ := pcapRun(t, L2Fwd)
	for i := range in {
		assert.Equal(t, []byte{2, 0, 0, 0, 0, 1}, out[i][0:6], "packet %d: dst is port 1's peer", i)
		assert.NotEqual(t, in[i][6:12], out[i][6:12], "packet %d: src is port 1's MAC", i)
		assert.Equal(t, in[i][12:], out[i][12:], "packet %d", i)
	}
}

// NewForwarder leaves the Config alone: the hook L2Fwd needs is its
// Ready, which the caller sets (NewForwarder used to replace
// Config.OnReady behind the caller's back). With it, L2Fwd writes the
// output port's MAC as the source; Forward chains it after the
// caller's own OnReady.
func TestForwarderReadyIsExplicit(t *testing.T) {
	fw, err := NewForwarder(2, FwdConfig{Mode: IO})
	require.NoError(t, err)
	assert.Nil(t, fw.Ready, "io needs nothing from the ports")
	fw, err = NewForwarder(2, FwdConfig{Mode: L2Fwd})
	require.NoError(t, err)
	require.NotNil(t, fw.Ready)

	in, err := testpkts.Mixed()
	require.NoError(t, err)
	ports, outPath := pcapPair(t, in)
	var mac []byte
	cfg := Config{Ports: ports, StopWhenIdle: 5 * time.Second, OnReady: func(ps []*port.Port) error {
		info, err := ps[1].Info()
		mac = info.MAC
		return err
	}}
	res, err := Forward(context.Background(), cfg, FwdConfig{Mode: L2Fwd, Peers: []int{1, 0}})
	require.NoError(t, err)
	checkBalanced(t, res)
	require.Len(t, mac, 6, "the caller's OnReady ran")
	out, err := testpkts.ReadPcap(outPath)
	require.NoError(t, err)
	require.Len(t, out, len(in))
	for i := range out {
		assert.Equal(t, mac, out[i][6:12], "packet %d: src is port 1's MAC", i)
	}
}

func TestCancelUnderTraffic(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var cancelled atomic.Int64
	cfg := Config{Ports: []PortConfig{{Device: dev("net_null")}, {Device: dev("net_null")}}}
	cfg.StatsInterval = 20 * time.Millisecond
	cfg.OnStats = func(s Snapshot) {
		if s.Ports[0].RxPackets > 100000 && cancelled.Load() == 0 {
			cancelled.Store(time.Now().UnixNano())
			cancel()
		}
	}
	res, err := Forward(ctx, cfg, FwdConfig{Mode: MacSwap})
	stopped := time.Now()
	require.NoError(t, err)
	require.NotZero(t, cancelled.Load(), "traffic flowed and the run was cancelled")
	assert.Less(t, stopped.Sub(time.Unix(0, cancelled.Load())), time.Second, "Run returns promptly after cancel")
	checkBalanced(t, res)
	assert.Greater(t, res.Ports[0].RxPackets, uint64(100000))
	assert.Greater(t, res.Lcores[0].BusyPolls, uint64(0))
}

func TestHandlerVerdicts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{Ports: []PortConfig{{Device: dev("net_null")}}}
	untilTx(&cfg, 10000, cancel)
	var n atomic.Int64
	res, err := Run(ctx, cfg, func(c *Ctx, pkts []*mbuf.Mbuf) {
		for i := range pkts {
			switch n.Add(1) % 4 {
			case 0:
				c.Send(i, 0)
			case 1:
				c.Drop(i, DropTTL)
			case 2:
				c.Send(i, 7) // no such port
			case 3: // no verdict
			}
		}
	})
	require.NoError(t, err)
	checkBalanced(t, res)
	d := res.Drops()
	assert.Greater(t, d[DropTTL], uint64(0))
	assert.Greater(t, d[DropNoRoute], uint64(0))
	assert.Greater(t, d[DropUnhandled], uint64(0))
	assert.InDelta(t, float64(res.Ports[0].RxPackets)/4, float64(res.Ports[0].Forwarded), float64(res.Ports[0].RxPackets)/10)
}

func TestHandlerPanicIsAnError(t *testing.T) {
	cfg := Config{Ports: []PortConfig{{Device: dev("net_null")}}}
	res, err := Run(context.Background(), cfg, func(c *Ctx, pkts []*mbuf.Mbuf) { panic("handler bug") })
	var pe *eal.PanicError
	require.True(t, errors.As(err, &pe), "got %v", err)
	assert.Equal(t, "handler bug", pe.Value)
	assert.Zero(t, res.Leaked, "the burst in hand was freed")
	// The burst it panicked on is counted (the Result missed it): received,
	// and dropped as unhandled.
	require.Len(t, res.Ports, 1)
	assert.Positive(t, res.Ports[0].RxPackets)
	checkBalanced(t, res)
	assert.Equal(t, res.Ports[0].RxPackets, res.Drops()[DropUnhandled])
}

func TestKeptAndNeverFreedIsReported(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{Ports: []PortConfig{{Device: dev("net_null")}}, PoolSize: 4095}
	kept := 0
	res, err := Run(ctx, cfg, func(c *Ctx, pkts []*mbuf.Mbuf) {
		for i := range pkts {
			if kept < 5 {
				c.Keep(i)
				kept++
			} else {
				c.Drop(i, DropFiltered)
			}
		}
		if kept >= 5 {
			cancel()
		}
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "5 mbufs were not returned")
	assert.Equal(t, 5, res.Leaked)
	assert.Equal(t, uint64(5), res.Ports[0].Kept)
}

func TestBadConfig(t *testing.T) {
	h := RxOnly
	for _, tc := range []struct {
		name string
		cfg  Config
		msg  string
	}{
		{"no ports", Config{}, "no ports"},
		{"empty device", Config{Ports: []PortConfig{{}}}, "empty Device"},
		{"port out of range", Config{Ports: []PortConfig{{Device: "net_null0"}}, Lcores: []LcoreConfig{{Lcore: 1, Rx: []Queue{{Port: 3}}}}}, "there are 1 ports"},
		{"queue polled twice", Config{Ports: []PortConfig{{Device: "net_null0"}}, Lcores: []LcoreConfig{{Lcore: 0, Rx: []Queue{{}}}, {Lcore: 1, Rx: []Queue{{}}}}}, "one poller"},
		{"burst too big", Config{Ports: []PortConfig{{Device: "net_null0"}}, Burst: 100000}, "Burst"},
		{"lcore not enabled", Config{Ports: []PortConfig{{Device: dev("net_null")}}, Lcores: []LcoreConfig{{Lcore: 77, Rx: []Queue{{}}}}}, "not enabled"},
		{"bad device", Config{Ports: []PortConfig{{Device: "net_bogus0"}}}, "no driver of that name"},
		{"bad devargs", Config{Ports: []PortConfig{{Device: "net_pcap0,rx_pcap"}}}, "not key=value"},
		{"data room below the headroom", Config{Ports: []PortConfig{{Device: "net_null0"}}, DataRoom: 100}, "DataRoom 100"},
		{"negative idle", Config{Ports: []PortConfig{{Device: "net_null0"}}, StopWhenIdle: -1}, "StopWhenIdle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), tc.cfg, h)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
			if tc.name != "bad device" {
				// ErrConfig wraps every configuration error (DataRoom's
				// came from mbuf.NewPool, unwrapped).
				assert.ErrorIs(t, err, ErrConfig)
			}
		})
	}
	_, err := ParseMode("warp")
	assert.ErrorContains(t, err, "unknown forwarding mode")
}

func TestStepAllocatesNothing(t *testing.T) {
	for _, latency := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "latency"}[latency], func(t *testing.T) {
			stepAllocatesNothing(t, Config{Ports: []PortConfig{{Device: dev("net_null")}, {Device: dev("net_null")}}, Latency: latency})
		})
	}
}

// stepAllocatesNothing turns a loop of cfg by hand; with Latency, also
// reading its latency as a snapshot does.
func stepAllocatesNothing(t *testing.T, cfg Config) {
	// Set a runner up by hand and turn its loop on this goroutine.
	require.NoError(t, cfg.normalize())
	cfg.defaultLcores(nil)
	fw, err := NewForwarder(len(cfg.Ports), FwdConfig{Mode: FiveTupleSwap})
	h := fw.Handler
	require.NoError(t, err)
	r := &runner{cfg: cfg}
	require.NoError(t, r.setup())
	c := r.ctxs[0]
	var l Latency
	allocs := testing.AllocsPerRun(1000, func() {
		c.step(h)
		c.turn.readLatency(&l)
	})
	c.flush()
	assert.Zero(t, allocs, "a loop turn allocates nothing")
	if cfg.Latency {
		assert.Positive(t, l.Packets, "the turns timed their packets")
	}
	require.NoError(t, r.teardown())
	assert.Zero(t, r.leaked)
}

// SpreadPorts is the one owner of the "workers, or main" layout the
// zcnic command uses: port i on loop lcore i mod their number.
func TestSpreadPorts(t *testing.T) {
	lcores := LoopLcores()
	require.NotEmpty(t, lcores)
	if w := eal.Workers(); len(w) > 0 {
		assert.Equal(t, w, lcores)
	} else {
		assert.Equal(t, []uint{eal.MainLcore()}, lcores)
	}
	ls := SpreadPorts([]int{0, 1, 2})
	var polled []Queue
	for _, l := range ls {
		polled = append(polled, l.Rx...)
	}
	assert.ElementsMatch(t, []Queue{{0, 0}, {1, 0}, {2, 0}}, polled)
	assert.Equal(t, lcores[0], ls[0].Lcore)
	assert.Equal(t, min(len(lcores), 3), len(ls))
}

// A driver that takes a bad value without a word fails at queue set-up;
// the error shows the devargs beside that failure.
func TestPortSetupErrorNamesDevArgs(t *testing.T) {
	d := dev("net_null") + ",size=x"
	_, err := Run(context.Background(), Config{Ports: []PortConfig{{Device: d}}}, RxOnly)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "app: port 0 ("+d+"): rte_eth_rx_queue_setup")
}

// AddReady runs the hooks in the order given, keeps the first, and stops
// at the first error.
func TestAddReady(t *testing.T) {
	var order []string
	hook := func(name string, err error) func([]*port.Port) error {
		return func([]*port.Port) error { order = append(order, name); return err }
	}
	var cfg Config
	cfg.AddReady(nil)
	assert.Nil(t, cfg.OnReady, "nil changes nothing")
	cfg.AddReady(hook("a", nil))
	cfg.AddReady(nil)
	cfg.AddReady(hook("b", nil))
	require.NoError(t, cfg.OnReady(nil))
	assert.Equal(t, []string{"a", "b"}, order)

	order = nil
	boom := errors.New("boom")
	cfg = Config{OnReady: hook("own", boom)}
	cfg.AddReady(hook("fwd", nil))
	assert.ErrorIs(t, cfg.OnReady(nil), boom)
	assert.Equal(t, []string{"own"}, order, "the first error ends the start")
}
