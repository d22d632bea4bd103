package mbuf_test

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

var poolSeq atomic.Int64

// poolName returns a pool name no other test uses.
func poolName() string { return fmt.Sprintf("mbt%d", poolSeq.Add(1)) }

// newPool creates a pool that the test's cleanup checks for leaks (every
// mbuf back: Full) and then frees.
func newPool(t testing.TB, count, cache int) *mbuf.Pool {
	t.Helper()
	return newPoolCfg(t, mbuf.PoolConfig{Name: poolName(), Count: count, Cache: cache, Socket: mbuf.SocketAny})
}

func newPoolCfg(t testing.TB, cfg mbuf.PoolConfig) *mbuf.Pool {
	t.Helper()
	p, err := mbuf.NewPool(cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		assert.True(t, p.Full(), "pool %s leaked: %d of %d mbufs in use", cfg.Name, p.InUse(), p.Count())
		assert.NoError(t, p.Free())
	})
	return p
}

// newBurst creates a burst that the test's cleanup closes.
func newBurst(t testing.TB, capacity int) *mbuf.Burst {
	t.Helper()
	b, err := mbuf.NewBurst(capacity)
	require.NoError(t, err)
	t.Cleanup(b.Close)
	return b
}

// alloc takes one mbuf, failing the test if the pool is empty. The test
// frees it; the pool's cleanup reports a leak otherwise.
func alloc(t testing.TB, p *mbuf.Pool) *mbuf.Mbuf {
	t.Helper()
	m := p.Alloc()
	require.NotNil(t, m, "pool %s is empty", p.Name())
	return m
}

// worker returns a worker lcore id, skipping the test on a one-CPU
// machine.
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
