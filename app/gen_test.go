package app

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/pkt"
	"github.com/zcnic/zcnic/pkt/testpkts"
)

func genTemplate(size int) pkt.Template {
	return pkt.Template{
		SrcMAC:    [6]byte{2, 0, 0, 0, 0, 1},
		DstMAC:    [6]byte{2, 0, 0, 0, 0, 2},
		SrcIP:     [4]byte{198, 18, 0, 1},
		DstIP:     [4]byte{198, 18, 0, 2},
		DstPort:   9,
		FrameSize: size,
		Payload:   []byte("zcnic"),
	}
}

func sentPackets(res Result) (n uint64) {
	for _, p := range res.Ports {
		n += p.TxPackets
	}
	return n
}

func TestGenerateCountIsExact(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lcores []LcoreConfig
		count  uint64
	}{
		{"one lcore", nil, 100_003},
		{"main and worker", []LcoreConfig{{Lcore: eal.MainLcore()}, {Lcore: eal.Workers()[0]}}, 77_777},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cfg := Config{Ports: []PortConfig{{Device: dev("net_null")}, {Device: dev("net_null")}}, Lcores: tc.lcores}
			res, err := Generate(ctx, cfg, GenConfig{Template: genTemplate(64), Count: tc.count, SrcPorts: 8})
			require.NoError(t, err)
			require.NoError(t, ctx.Err(), "the run ended by itself, not by the timeout")
			assert.Equal(t, tc.count, sentPackets(res), "exactly Count frames were sent")
			var injected uint64
			for _, l := range res.Lcores {
				injected += l.Injected
			}
			assert.Equal(t, tc.count, injected)
			assert.Equal(t, tc.count*64, res.Ports[0].LoopTxBytes+res.Ports[1].LoopTxBytes)
			assert.InDelta(t, float64(res.Ports[0].TxPackets), float64(res.Ports[1].TxPackets), float64(tc.count)/10, "both ports take turns")
			assert.Zero(t, res.Ports[0].RxPackets, "a generator polls no rx queue")
			assert.Zero(t, res.Leaked, "the pool is full at the end")
		})
	}
}

// The limiter's arithmetic on a clock of the test's own: however the
// turns fall (short, long, a pause longer than the bucket holds), what
// it lets through up to any moment is at most rate x elapsed plus the
// bucket's depth, and a loop that keeps asking gets the rate.
func TestTokenBucket(t *testing.T) {
	const rate, burst = 200_000, 32
	for _, turns := range [][]int64{
		{1_000},                      // 1 us turns
		{50_000},                     // 50 us turns
		{700, 3_000, 90_000, 15_000}, // uneven
		{1_000, 1_000, 250_000_000},  // a 250 ms pause now and then
	} {
		b := newTokenBucket(rate, burst)
		b.base = time.Unix(1, 0) // started: takeAt is driven below
		depth := b.depth / unitsPerPacket
		var now, sent int64
		for i := 0; now < int64(2*time.Second); i++ {
			now += turns[i%len(turns)]
			n := b.takeAt(burst, now)
			b.spend(n)
			sent += int64(n)
			if bound := rate*now/int64(time.Second) + int64(depth); sent > bound {
				t.Fatalf("turns %v: at %v, %d sent, more than rate x elapsed + the depth (%d)", turns, time.Duration(now), sent, bound)
			}
		}
		pauses := int64(0)
		for _, d := range turns {
			if d > int64(100*time.Millisecond) {
				pauses++
			}
		}
		if pauses == 0 {
			assert.InDelta(t, float64(rate*now/int64(time.Second)), float64(sent), float64(burst+1), "turns %v: the rate, within a burst", turns)
		}
	}
	unlimited := newTokenBucket(0, burst)
	assert.Equal(t, 7, unlimited.take(7))
}

// A rate-limited run on a shared machine: the limiter never lets more
// through than the rate over the run plus the bucket (an upper bound
// that holds however the loop is scheduled); the rate itself is checked
// on a clock of its own, in TestTokenBucket.
func TestGenerateRate(t *testing.T) {
	const rate = 200_000
	cfg := Config{Ports: []PortConfig{{Device: dev("net_null")}}}
	res, err := Generate(context.Background(), cfg, GenConfig{Template: genTemplate(64), Rate: rate, Duration: 500 * time.Millisecond})
	require.NoError(t, err)
	require.Zero(t, res.Leaked)
	sent := sentPackets(res)
	t.Logf("sent %d frames in %v (asked for %d/s)", sent, res.Elapsed, rate)
	assert.NotZero(t, sent)
	assert.LessOrEqual(t, float64(sent), rate*res.Elapsed.Seconds()+rate/10+float64(defaultBurst), "at most the rate over the run, plus the bucket's 100 ms")
	assert.GreaterOrEqual(t, res.Elapsed, 500*time.Millisecond, "Duration ends the run, not before")
}

func TestGenerateFramesDecode(t *testing.T) {
	dir := t.TempDir()
	out, empty := filepath.Join(dir, "out.pcap"), filepath.Join(dir, "empty.pcap")
	require.NoError(t, testpkts.WritePcap(empty, nil))
	const count, flows, size = 300, 7, 200
	cfg := Config{Ports: []PortConfig{{Device: dev("net_pcap") + ",rx_pcap=" + empty + ",tx_pcap=" + out}}}
	res, err := Generate(context.Background(), cfg, GenConfig{Template: genTemplate(size), Count: count, SrcPort: 5000, SrcPorts: flows})
	require.NoError(t, err)
	require.Equal(t, uint64(count), sentPackets(res))

	frames, err := testpkts.ReadPcap(out)
	require.NoError(t, err)
	require.Len(t, frames, count)
	for i, f := range frames {
		require.Len(t, f, size, "frame %d", i)
		p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
		require.Nil(t, p.ErrorLayer(), "frame %d decodes", i)
		eth := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		ip := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		udp := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		require.NotNil(t, udp, "frame %d is UDP", i)
		assert.Equal(t, layers.UDPPort(5000+i%flows), udp.SrcPort, "frame %d: source ports cycle", i)
		assert.Equal(t, layers.UDPPort(9), udp.DstPort)
		assert.Equal(t, "198.18.0.1", ip.SrcIP.String())

		// gopacket recomputes both checksums from scratch: the frame it
		// serializes must be the one the generator built.
		ip2, udp2 := *ip, *udp
		require.NoError(t, udp2.SetNetworkLayerForChecksum(&ip2))
		want, err := testpkts.Serialize(eth, &ip2, &udp2, gopacket.Payload(udp.Payload))
		require.NoError(t, err)
		require.Equal(t, want, f, "frame %d: lengths and checksums as gopacket computes them", i)
		require.NotZero(t, binary.BigEndian.Uint16(f[40:42]), "frame %d: UDP checksum is set", i)
	}
}

func TestGenerateBadConfig(t *testing.T) {
	ports := []PortConfig{{Device: "net_null0"}}
	for _, tc := range []struct {
		name string
		cfg  Config
		gc   GenConfig
		msg  string
	}{
		{"frame too small", Config{Ports: ports}, GenConfig{Template: genTemplate(20)}, "frame size 20"},
		{"frame too big for DataRoom", Config{Ports: ports, DataRoom: 1024}, GenConfig{Template: genTemplate(1500)}, "does not fit DataRoom"},
		{"port out of range", Config{Ports: ports}, GenConfig{Template: genTemplate(64), Ports: []int{2}}, "generator port 2: there are 1 ports"},
		{"no ports", Config{}, GenConfig{Template: genTemplate(64)}, "no ports"},
		{"rate below lcores", Config{Ports: []PortConfig{{Device: dev("net_null")}}, Lcores: []LcoreConfig{{Lcore: 0}, {Lcore: 1}}}, GenConfig{Template: genTemplate(64), Rate: 1}, "too low"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate(context.Background(), tc.cfg, tc.gc)
			require.ErrorIs(t, err, ErrConfig)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestGenerateJumboGrowsDataRoom(t *testing.T) {
	cfg := Config{Ports: []PortConfig{{Device: dev("net_null")}}}
	res, err := Generate(context.Background(), cfg, GenConfig{Template: genTemplate(9000), Count: 1000})
	require.NoError(t, err)
	assert.Equal(t, uint64(1000), sentPackets(res))
	assert.Equal(t, uint64(9000*1000), res.Ports[0].LoopTxBytes)
}

func TestGenerateTurnAllocatesNothing(t *testing.T) {
	for _, rate := range []uint64{0, 50_000_000} {
		cfg := Config{Ports: []PortConfig{{Device: dev("net_null")}, {Device: dev("net_null")}}, Burst: defaultBurst}
		g, err := newGenerator(&cfg, GenConfig{Template: genTemplate(128), SrcPorts: 100})
		require.NoError(t, err)
		cfg.Source = g.source
		cfg.Lcores = []LcoreConfig{{Lcore: eal.Workers()[0]}}
		require.NoError(t, cfg.normalize())
		require.NoError(t, g.setup(cfg.Lcores, 0, rate))
		r := &runner{cfg: cfg}
		require.NoError(t, r.setup())
		c := r.ctxs[0]
		allocs := testing.AllocsPerRun(2000, func() { c.source(c); c.step(nil) })
		c.flush()
		assert.Zero(t, allocs, "rate %d: a generator turn allocates nothing", rate)
		cc := c.counters()
		assert.Positive(t, cc.Injected, "rate %d: frames were made", rate)
		assert.Equal(t, cc.Injected, cc.Ports[0].TxPackets+cc.Ports[1].TxPackets)
		require.NoError(t, r.teardown())
		assert.Zero(t, r.leaked)
		g.close()
	}
}

func TestSourceRunsBesideRx(t *testing.T) {
	// A Source on a loop that also polls: it runs every turn, and what
	// it injects is sent by the same crossings that forward.
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{Ports: []PortConfig{{Device: dev("net_null")}}}
	untilTx(&cfg, 50_000, cancel)
	turns := 0
	cfg.Source = func(c *Ctx) {
		if turns++; turns%2 == 0 && c.TxRoom(0) > 0 {
			if m := c.Pool().Alloc(); m != nil {
				if _, err := m.Append(60); err != nil || !c.Inject(m, 0) {
					m.Free()
				}
			}
		}
	}
	res, err := Run(ctx, cfg, RxOnly)
	require.NoError(t, err)
	require.Len(t, res.Lcores, 1)
	injected := res.Lcores[0].Injected
	assert.Positive(t, injected)
	assert.Equal(t, injected, res.Ports[0].TxPackets, "injected packets were sent")
	assert.Equal(t, res.Ports[0].RxPackets, res.Ports[0].Dropped, "received packets went to the handler")
	assert.Zero(t, res.Leaked)
	assert.Zero(t, (&Ctx{}).TxRoom(3), "TxRoom of no such port")
}

func TestLoopWithoutRxNeedsSource(t *testing.T) {
	cfg := Config{Ports: []PortConfig{{Device: "net_null0"}}, Lcores: []LcoreConfig{{Lcore: 1}}}
	_, err := Run(context.Background(), cfg, RxOnly)
	require.ErrorIs(t, err, ErrConfig)
	assert.Contains(t, err.Error(), "lcore 1 polls no queue and no ring (only a loop with a Source may poll none)")
}

// With a rate limit that runs out within a turn, every turn began at
// port 0, which took most of the frames (69/31 at 1 Mpps over two
// ports). Turns now rotate the first port.
func TestGenerateRateIsFairOverPorts(t *testing.T) {
	// The frames are dealt over the ports one by one, so however the rate
	// limit falls within the turns (a noisy machine gives the loop
	// uneven turns), the ports' counts end within a frame of each other:
	// a count-based check, not a share of a timed run.
	for _, gc := range []GenConfig{
		{Rate: 1_000_000, Duration: 300 * time.Millisecond},
		{Rate: 1_000_000, Count: 100_001},
		{Count: 300_001},
		{Rate: 50_000, Count: 5_001, Ports: []int{1, 0, 2}},
	} {
		gc.Template = genTemplate(64)
		cfg := Config{Ports: []PortConfig{{Device: dev("net_null")}, {Device: dev("net_null")}, {Device: dev("net_null")}}}
		if gc.Ports == nil {
			gc.Ports = []int{0, 1}
		}
		res, err := Generate(context.Background(), cfg, gc)
		require.NoError(t, err)
		require.Zero(t, res.Leaked)
		var sum, lo, hi uint64
		lo = ^uint64(0)
		for _, p := range gc.Ports {
			n := res.Ports[p].TxPackets
			sum += n
			lo, hi = min(lo, n), max(hi, n)
		}
		require.NotZero(t, sum)
		if gc.Count > 0 {
			assert.Equal(t, gc.Count, sum, "%+v: every frame sent", gc)
		}
		t.Logf("rate %d count %d over ports %v: %d frames, fewest %d, most %d", gc.Rate, gc.Count, gc.Ports, sum, lo, hi)
		assert.LessOrEqual(t, hi-lo, uint64(1), "%+v: every port within a frame of the others", gc)
	}
}
