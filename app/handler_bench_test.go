package app

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/bench/cmacswap"
	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/mbuf"
)

// BenchmarkMacSwapHandler runs the macswap handler of `zcnic fwd --mode
// macswap`, unchanged (NewForwarder's), over a ready vector of real
// mbufs of 64-byte frames, beside dpdk-testpmd's macswap loop in C over
// the same mbufs through one cgo call per vector (bench/cmacswap: the
// swap alone, testpmd's scalar loop with its mbuf field writes, and its
// SSE form). No PMD, no rx, no tx: only the handler's loop and the
// memory it touches, on a worker lcore. One op is one vector; ns/pkt is
// the figure to compare.
//
// hot: one vector, again and again (its mbufs and headers stay in L1/L2).
// cold: a new vector each op, cycling over a pool far larger than L2,
// so every mbuf and header comes from L3 or memory, as after a NIC's DMA.
//
//	go test ./app -run '^$' -bench MacSwapHandler -benchtime 2000000x
func BenchmarkMacSwapHandler(b *testing.B) {
	workers := eal.Workers()
	if len(workers) == 0 {
		b.Skip("needs a worker lcore")
	}
	cfg := Config{
		Ports:  []PortConfig{{Device: dev("net_null")}, {Device: dev("net_null")}},
		Lcores: []LcoreConfig{{Lcore: workers[0], Rx: []Queue{{0, 0}, {1, 0}}}},
		Vector: 256,
	}
	require.NoError(b, cfg.normalize())
	fw, err := NewForwarder(len(cfg.Ports), FwdConfig{Mode: MacSwap})
	require.NoError(b, err)
	r := &runner{cfg: cfg}
	require.NoError(b, r.setup())
	defer func() {
		require.NoError(b, r.teardown())
		require.Zero(b, r.leaked)
	}()
	c := r.ctxs[0]
	src := &c.srcs[0]

	const poolSize = 1<<16 - 1 // 64 Ki mbufs: about 12 MiB of mbuf headers and frame heads, far past L2
	pool, err := mbuf.NewPool(mbuf.PoolConfig{Name: fmt.Sprintf("hbench%d", poolSeq.Add(1)), Count: poolSize, Cache: 0, Socket: mbuf.SocketAny})
	require.NoError(b, err)
	defer func() {
		require.True(b, pool.Full(), "every mbuf back in the pool")
		require.NoError(b, pool.Free())
	}()

	impls := []struct {
		name string
		run  func(v *mbuf.Burst)
	}{
		{"go", func(v *mbuf.Burst) {
			pkts := v.Pkts()
			c.cur, c.v = src, src.v[:len(pkts)]
			fw.Handler(c, pkts)
		}},
		{"c-plain", cmacswap.Plain},
		{"c-testpmd", cmacswap.Testpmd},
		{"c-sse", cmacswap.SSE},
	}
	if !cmacswap.HaveSSE() {
		impls = impls[:3]
	}
	for _, n := range []int{32, 128, 256} {
		vectors := vectorsOf(b, pool, n, poolSize-512)
		for _, temp := range []string{"hot", "cold"} {
			vs := vectors
			if temp == "hot" {
				vs = vectors[:1]
			}
			for _, im := range impls {
				b.Run(fmt.Sprintf("%s/n=%d/%s", im.name, n, temp), func(b *testing.B) {
					for _, v := range vs { // one pass first: same start for every impl
						im.run(v)
					}
					var elapsed time.Duration
					b.ReportAllocs()
					b.ResetTimer()
					require.NoError(b, eal.Run(workers[0], func() error {
						start := time.Now()
						for i := 0; i < b.N; i++ {
							im.run(vs[i%len(vs)])
						}
						elapsed = time.Since(start)
						return nil
					}))
					b.StopTimer()
					b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N*n), "ns/pkt")
				})
			}
		}
		for _, v := range vectors {
			v.Free()
			v.Close()
		}
	}
	c.cur, c.v = &noSource, nil
}

// vectorsOf fills as many bursts of n 64-byte frames as total mbufs
// allow from pool, with distinct MACs.
func vectorsOf(b *testing.B, pool *mbuf.Pool, n, total int) []*mbuf.Burst {
	var vs []*mbuf.Burst
	for len(vs)*n+n <= total {
		v, err := mbuf.NewBurst(n)
		require.NoError(b, err)
		require.NoError(b, v.Alloc(pool, n))
		for i, m := range v.Pkts() {
			d, err := m.Append(64)
			require.NoError(b, err)
			clear(d)
			d[0], d[5], d[6], d[11] = 2, byte(i), 2, byte(len(vs))
			d[12], d[13] = 0x08, 0x00
		}
		vs = append(vs, v)
	}
	return vs
}
