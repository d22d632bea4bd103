package ring_test

import (
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/ring"
)

// Enqueue then Dequeue a 32-mbuf burst on one goroutine: two cgo calls
// per 32 mbufs, and the ring's own cost.
func benchEnqDeq(b *testing.B, flags ring.Flags) {
	p := newPool(b, 127, 0)
	r := newRing(b, 64, flags)
	in := newBurst(b, 32)
	out := newBurst(b, 32)
	require.NoError(b, in.Alloc(p, 32))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r.Enqueue(in) != 32 || r.Dequeue(out) != 32 {
			b.Fatal("short burst")
		}
		in, out = out, in
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/32, "ns/mbuf")
	in.Free()
}

func BenchmarkEnqueueDequeue32SPSC(b *testing.B) {
	benchEnqDeq(b, ring.SingleProducer|ring.SingleConsumer)
}

func BenchmarkEnqueueDequeue32MPMC(b *testing.B) { benchEnqDeq(b, 0) }

// The pipeline of the tests at full speed: a worker lcore allocates and
// enqueues bursts of 32, the benchmark goroutine dequeues and frees them.
// One op is one mbuf through the ring.
func BenchmarkPipelineAcrossLcores(b *testing.B) {
	w := worker(b)
	p := newPool(b, 4095, 256)
	r := newRing(b, 1024, ring.SingleProducer|ring.SingleConsumer)
	out := newBurst(b, 32)
	var stop atomic.Bool
	b.ReportAllocs()
	b.ResetTimer()
	job, err := eal.Launch(w, func() error { return produce(p, r, 1, uint64(b.N), &stop) })
	require.NoError(b, err)
	for got := 0; got < b.N; {
		got += r.Dequeue(out)
		out.Free()
	}
	b.StopTimer()
	require.NoError(b, job.Wait())
}

// The same with the consumer on the main lcore (eal.RunOnMain), so that
// its frees go through the main lcore's mempool cache.
func BenchmarkPipelineLcoreToMainLcore(b *testing.B) {
	w := worker(b)
	p := newPool(b, 4095, 256)
	r := newRing(b, 1024, ring.SingleProducer|ring.SingleConsumer)
	out := newBurst(b, 32)
	var stop atomic.Bool
	b.ReportAllocs()
	b.ResetTimer()
	job, err := eal.Launch(w, func() error { return produce(p, r, 1, uint64(b.N), &stop) })
	require.NoError(b, err)
	require.NoError(b, eal.RunOnMain(func() error {
		for got := 0; got < b.N; {
			got += r.Dequeue(out)
			out.Free()
		}
		return nil
	}))
	b.StopTimer()
	require.NoError(b, job.Wait())
}
