package ring_test

import (
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/internal/ealtest"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/ring"
)

func TestMain(m *testing.M) {
	if err := ealtest.Init(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := eal.Cleanup(); err != nil {
		fmt.Fprintln(os.Stderr, "eal.Cleanup:", err)
		code = 1
	}
	os.Exit(code)
}

var seq atomic.Int64

// uniq returns a ring or pool name no other test uses.
func uniq(prefix string) string { return fmt.Sprintf("%s%d", prefix, seq.Add(1)) }

// newPool creates a pool that the test's cleanup checks for leaks and
// frees. Cleanups run last-in first-out, so create the pool before the
// rings and bursts that hold its mbufs.
func newPool(t testing.TB, count, cache int) *mbuf.Pool {
	t.Helper()
	p, err := mbuf.NewPool(mbuf.PoolConfig{Name: uniq("rp"), Count: count, Cache: cache, Socket: mbuf.SocketAny})
	require.NoError(t, err)
	t.Cleanup(func() {
		assert.True(t, p.Full(), "pool %s leaked %d mbufs", p.Name(), p.InUse())
		assert.NoError(t, p.Free())
	})
	return p
}

// newRing creates a ring that the test's cleanup frees; Free fails, and
// so does the test, if the ring still holds mbufs.
func newRing(t testing.TB, count int, flags ring.Flags) *ring.Ring {
	t.Helper()
	r, err := ring.New(uniq("rr"), count, ring.SocketAny, flags)
	require.NoError(t, err)
	t.Cleanup(func() {
		if err := r.Free(); err != nil {
			t.Errorf("ring cleanup: %v", err)
			r.Drain()
			assert.NoError(t, r.Free())
		}
	})
	return r
}

// newBurst creates a burst that the test's cleanup closes (freeing what
// it still holds).
func newBurst(t testing.TB, capacity int) *mbuf.Burst {
	t.Helper()
	b, err := mbuf.NewBurst(capacity)
	require.NoError(t, err)
	t.Cleanup(b.Close)
	return b
}

// fill allocates n mbufs into b, each holding one byte: first, first+1, ...
func fill(t testing.TB, b *mbuf.Burst, p *mbuf.Pool, n int, first byte) {
	t.Helper()
	start := b.Len()
	require.NoError(t, b.Alloc(p, n))
	for i, m := range b.Pkts()[start:] {
		require.NoError(t, m.SetData([]byte{first + byte(i)}))
	}
}

// firstBytes returns each mbuf's first data byte.
func firstBytes(b *mbuf.Burst) []byte {
	var out []byte
	for _, m := range b.Pkts() {
		out = append(out, m.Data()[0])
	}
	return out
}

func worker(t testing.TB) uint {
	t.Helper()
	w := eal.Workers()
	if len(w) == 0 {
		t.Skip("needs a worker lcore: this machine has one CPU")
	}
	return w[0]
}

// addrs returns the mbufs' addresses. Compare these, not the []*Mbuf:
// assert.Equal compares pointers by what they point to, and every Mbuf
// looks alike to reflect (a zero-size struct), so any two slices of the
// same length would be "equal".
func addrs(ms []*mbuf.Mbuf) []uintptr {
	out := make([]uintptr, len(ms))
	for i, m := range ms {
		out[i] = uintptr(unsafe.Pointer(m))
	}
	return out
}
