package mbuf_test

import (
	"errors"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/internal/rte"
	"github.com/zcnic/zcnic/mbuf"
)

func TestNewBurstBounds(t *testing.T) {
	for _, c := range []int{-1, 0, mbuf.MaxBurst + 1} {
		b, err := mbuf.NewBurst(c)
		assert.Nil(t, b)
		assert.ErrorContains(t, err, "must be 1 to 4096", "capacity %d", c)
	}
	for _, c := range []int{1, 32, mbuf.MaxBurst} {
		b := newBurst(t, c)
		assert.Equal(t, c, b.Cap())
		assert.Equal(t, 0, b.Len())
		assert.Equal(t, c, b.Room())
		assert.Empty(t, b.Pkts())
		assert.NotNil(t, b.Array())
		assert.Equal(t, b.Array(), b.Tail(), "an empty burst's tail is its start")
	}
}

func TestBurstPushUntilFull(t *testing.T) {
	p := newPool(t, 15, 0)
	b := newBurst(t, 4)
	var want []*mbuf.Mbuf
	for i := 0; i < 4; i++ {
		m := alloc(t, p)
		require.True(t, b.Push(m))
		want = append(want, m)
		assert.Equal(t, i+1, b.Len())
		assert.Equal(t, 3-i, b.Room())
		assert.Equal(t, unsafe.Add(b.Array(), (i+1)*8), b.Tail())
	}
	extra := alloc(t, p)
	assert.False(t, b.Push(extra), "a full burst refuses")
	assert.Equal(t, 4, b.Len())
	assert.Equal(t, addrs(want), addrs(b.Pkts()), "in push order")
	// The array is C memory holding the same pointers.
	arr := unsafe.Slice((**mbuf.Mbuf)(b.Array()), 4)
	assert.Equal(t, addrs(want), addrs(arr))

	extra.Free() // the refused mbuf stayed the caller's
	assert.Equal(t, 4, p.InUse())
	b.Free()
	assert.Equal(t, 0, b.Len())
	assert.Equal(t, 4, b.Room())
	assert.True(t, p.Full(), "Free returned all four")
	b.Free() // an empty burst: nothing to do
	assert.True(t, p.Full())
}

func TestBurstAlloc(t *testing.T) {
	p := newPool(t, 63, 0)
	b := newBurst(t, 32)
	require.NoError(t, b.Alloc(p, 10))
	require.NoError(t, b.Alloc(p, 0), "allocating none is fine")
	require.NoError(t, b.Alloc(p, 22))
	assert.Equal(t, 32, b.Len())
	assert.Equal(t, 32, p.InUse())
	seen := map[*mbuf.Mbuf]bool{}
	for _, m := range b.Pkts() {
		require.NotNil(t, m)
		assert.False(t, seen[m], "each mbuf once")
		seen[m] = true
		assert.Equal(t, 0, m.DataLen(), "fresh mbufs are empty")
		assert.Equal(t, mbuf.Headroom, m.Headroom())
	}
	err := b.Alloc(p, 1)
	assert.ErrorContains(t, err, "room for 0")
	b.Free()
	assert.True(t, p.Full())

	assert.ErrorContains(t, b.Alloc(p, -1), "alloc -1")
	assert.ErrorContains(t, b.Alloc(p, 33), "alloc 33 into a burst with room for 32")
	assert.True(t, p.Full(), "rejected requests take nothing")
}

func TestBurstAllocAllOrNothing(t *testing.T) {
	p := newPool(t, 15, 0)
	b := newBurst(t, 32)
	require.NoError(t, b.Alloc(p, 10))
	first := append([]*mbuf.Mbuf(nil), b.Pkts()...)

	err := b.Alloc(p, 6) // 5 left
	require.Error(t, err)
	var re *rte.Error
	require.True(t, errors.As(err, &re), "got %T: %v", err, err)
	assert.Equal(t, "rte_pktmbuf_alloc_bulk", re.Call)
	assert.True(t, errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOENT),
		"the mempool driver's errno (ENOBUFS from the ring driver): %v", err)
	assert.Contains(t, err.Error(), p.Name())
	assert.Contains(t, err.Error(), "fewer than 6 mbufs")
	assert.Equal(t, addrs(first), addrs(b.Pkts()), "the burst is unchanged")
	assert.Equal(t, 10, p.InUse(), "the pool is unchanged")
	assert.Equal(t, 5, p.Available())

	require.NoError(t, b.Alloc(p, 5), "exactly what is left")
	assert.Equal(t, 0, p.Available())
	b.Free()
	assert.True(t, p.Full())
}

func TestBurstConsumeKeepsOrder(t *testing.T) {
	p := newPool(t, 15, 0)
	b := newBurst(t, 8)
	require.NoError(t, b.Alloc(p, 6))
	all := append([]*mbuf.Mbuf(nil), b.Pkts()...)

	b.Consume(0)
	assert.Equal(t, addrs(all), addrs(b.Pkts()), "consuming none changes nothing")

	// Pretend the first two were handed on: free them as their new owner would.
	all[0].Free()
	all[1].Free()
	b.Consume(2)
	assert.Equal(t, addrs(all[2:]), addrs(b.Pkts()), "the rest moved to the front, in order")
	assert.Same(t, all[2], *(**mbuf.Mbuf)(b.Array()), "in the C array too")
	assert.Equal(t, 4, p.InUse())

	for _, m := range b.Pkts() {
		m.Free()
	}
	b.Consume(4)
	assert.Equal(t, 0, b.Len())
	assert.True(t, p.Full())
}

func TestBurstGrowSetLenClear(t *testing.T) {
	p := newPool(t, 15, 0)
	b := newBurst(t, 8)
	require.NoError(t, b.Alloc(p, 2))
	// Write a pointer at Tail, as C code would, then Grow.
	m := alloc(t, p)
	*(**mbuf.Mbuf)(b.Tail()) = m
	b.Grow(1)
	assert.Equal(t, 3, b.Len())
	assert.Same(t, m, b.Pkts()[2])

	kept := append([]*mbuf.Mbuf(nil), b.Pkts()...)
	b.SetLen(1)
	assert.Equal(t, addrs(kept[:1]), addrs(b.Pkts()))
	kept[1].Free()
	kept[2].Free()
	assert.Panics(t, func() { b.SetLen(9) }, "beyond the capacity")

	held := b.Pkts()[0]
	b.Clear()
	assert.Equal(t, 0, b.Len())
	assert.Equal(t, 1, p.InUse(), "Clear does not free")
	held.Free()
}

func TestBurstClose(t *testing.T) {
	p := newPool(t, 15, 0)
	b, err := mbuf.NewBurst(8)
	require.NoError(t, err)
	require.NoError(t, b.Alloc(p, 5))
	b.Close()
	assert.True(t, p.Full(), "Close frees what the burst held")
	assert.Nil(t, b.Array())
	assert.Equal(t, 0, b.Len())
	assert.Equal(t, 0, b.Cap())
	b.Close() // a second Close does nothing
	assert.ErrorContains(t, b.Alloc(p, 1), "room for 0", "a closed burst takes nothing")
	assert.False(t, b.Push(nil))
	b.Free()
}
