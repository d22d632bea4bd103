package mbuf_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal"
)

// A 32-mbuf Burst.Alloc + Burst.Free round trip on a worker lcore,
// through its per-lcore cache: two cgo calls per 32 mbufs.
func BenchmarkBurstAllocFree32Lcore(b *testing.B) {
	w := worker(b)
	p := newPool(b, 1023, 256)
	burst := newBurst(b, 32)
	b.ReportAllocs()
	err := eal.Run(w, func() error {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := burst.Alloc(p, 32); err != nil {
				return err
			}
			burst.Free()
		}
		b.StopTimer()
		return nil
	})
	require.NoError(b, err)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/32, "ns/mbuf")
}

// The same round trip from an ordinary goroutine: no lcore id, so no
// cache; every call goes to the pool's shared ring.
func BenchmarkBurstAllocFree32NoCache(b *testing.B) {
	p := newPool(b, 1023, 256)
	burst := newBurst(b, 32)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := burst.Alloc(p, 32); err != nil {
			b.Fatal(err)
		}
		burst.Free()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/32, "ns/mbuf")
}

// One mbuf at a time: Pool.Alloc + Mbuf.Free, two cgo calls per mbuf.
func BenchmarkPoolAllocFreeOneLcore(b *testing.B) {
	w := worker(b)
	p := newPool(b, 1023, 256)
	b.ReportAllocs()
	err := eal.Run(w, func() error {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			p.Alloc().Free()
		}
		b.StopTimer()
		return nil
	})
	require.NoError(b, err)
}

// Data() is two loads and a slice header: no cgo call.
func BenchmarkData(b *testing.B) {
	p := newPool(b, 15, 0)
	m := p.Alloc()
	require.NotNil(b, m)
	defer m.Free()
	require.NoError(b, m.SetData(make([]byte, 64)))
	b.ReportAllocs()
	b.ResetTimer()
	var sum byte
	for i := 0; i < b.N; i++ {
		d := m.Data()
		sum += d[len(d)-1]
	}
	sinkBytes = []byte{sum}
}

// Pool.Available is one cgo call to a cheap C function: the price of a
// cgo call on this machine, to compare the others with.
func BenchmarkPoolAvailable(b *testing.B) {
	p := newPool(b, 15, 0)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		n += p.Available()
	}
	if n != 15*b.N {
		b.Fatal("pool not full")
	}
}
