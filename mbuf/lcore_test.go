package mbuf_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal"
)

// On a worker lcore, mbufs go through that lcore's cache: freed ones stay
// there, counted as Available but out of reach of other threads. On an
// ordinary goroutine (no lcore id) the cache is bypassed.
func TestWorkerLcoreCache(t *testing.T) {
	w := worker(t)
	p := newPool(t, 63, 32)
	all := newBurst(t, 63)

	// Without an lcore the cache is not used: after a round trip every
	// mbuf is in the shared ring and one bulk get can take them all.
	b := newBurst(t, 10)
	require.NoError(t, b.Alloc(p, 10))
	b.Free()
	require.NoError(t, all.Alloc(p, 63), "from a plain goroutine, all 63 come back at once")
	all.Free()

	err := eal.Run(w, func() error {
		if id, ok := eal.CurrentLcore(); !ok || id != w {
			return fmt.Errorf("not on lcore %d", w)
		}
		if err := b.Alloc(p, 10); err != nil {
			return err
		}
		if p.InUse() != 10 {
			return fmt.Errorf("InUse %d, want 10", p.InUse())
		}
		b.Free()
		return nil
	})
	require.NoError(t, err)
	assert.True(t, p.Full(), "Available counts the worker's cache")
	assert.Equal(t, 0, p.InUse())
	err = all.Alloc(p, 63)
	require.Error(t, err, "some mbufs sit in the worker's cache, out of this thread's reach")
	assert.ErrorContains(t, err, "rte_pktmbuf_alloc_bulk")
	assert.Equal(t, 0, all.Len())

	// The worker reaches its cache and the shared ring: it can take every
	// mbuf, one by one. Freed here, off-lcore, they go back to the ring.
	err = eal.Run(w, func() error {
		for all.Room() > 0 {
			m := p.Alloc()
			if m == nil {
				return fmt.Errorf("pool empty after %d mbufs", all.Len())
			}
			all.Push(m)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 63, p.InUse())
	all.Free()
	require.NoError(t, all.Alloc(p, 63), "every mbuf is back in the shared ring")
	all.Free()
	assert.True(t, p.Full())
}

// Bursts allocated on a worker lcore and freed on the main lcore (the
// pattern of a pipeline): nothing is lost across the two caches.
func TestAllocOnWorkerFreeOnMain(t *testing.T) {
	w := worker(t)
	p := newPool(t, 255, 32)
	b := newBurst(t, 32)
	for round := 0; round < 50; round++ {
		require.NoError(t, eal.Run(w, func() error { return b.Alloc(p, 32) }))
		for i, m := range b.Pkts() {
			require.NoError(t, m.SetData([]byte{byte(round), byte(i)}))
		}
		require.NoError(t, eal.RunOnMain(func() error { b.Free(); return nil }))
	}
	assert.True(t, p.Full())
}
