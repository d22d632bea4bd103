package ealtest

import (
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/mbuf"
)

// Main is a test binary's TestMain: it starts the EAL with cfg (see
// Config), runs the tests, cleans the EAL up, removes the runtime
// directory of cfg.FilePrefix if it had one, and exits. A failed start
// or cleanup fails the binary.
func Main(m *testing.M, cfg eal.Config) {
	if err := eal.Init(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "ealtest:", err)
		os.Exit(1)
	}
	code := m.Run()
	if err := eal.Cleanup(); err != nil {
		fmt.Fprintln(os.Stderr, "ealtest: eal.Cleanup:", err)
		code = 1
	}
	if cfg.FilePrefix != "" {
		os.RemoveAll("/var/run/dpdk/" + cfg.FilePrefix)
	}
	os.Exit(code)
}

var seq atomic.Int64

// Name returns prefix followed by a number no other call in this process
// returned: for pools, rings and devices, whose names DPDK keeps global.
func Name(prefix string) string { return fmt.Sprintf("%s%d", prefix, seq.Add(1)) }

// Pool creates a pool whose cleanup checks that every mbuf came back
// (the leak check) and frees it. Cleanups run last-in first-out: create
// the pool before the ports, rings and bursts that hold its mbufs.
func Pool(t testing.TB, count, cache int) *mbuf.Pool {
	t.Helper()
	p, err := mbuf.NewPool(mbuf.PoolConfig{Name: Name("tp"), Count: count, Cache: cache, Socket: mbuf.SocketAny})
	require.NoError(t, err)
	t.Cleanup(func() {
		assert.True(t, p.Full(), "pool %s leaked: %d of %d mbufs in use", p.Name(), p.InUse(), p.Count())
		assert.NoError(t, p.Free())
	})
	return p
}

// Burst creates a burst that the test's cleanup closes (freeing what it
// still holds).
func Burst(t testing.TB, capacity int) *mbuf.Burst {
	t.Helper()
	b, err := mbuf.NewBurst(capacity)
	require.NoError(t, err)
	t.Cleanup(b.Close)
	return b
}

// Worker returns a worker lcore id, skipping the test on a one-CPU
// machine.
func Worker(t testing.TB) uint {
	t.Helper()
	w := eal.Workers()
	if len(w) == 0 {
		t.Skip("needs a worker lcore: this machine has one CPU")
	}
	return w[0]
}

// Addrs returns the mbufs' addresses. Compare these, not the []*Mbuf:
// testify compares pointers by what they point to, and every Mbuf looks
// alike to reflect (a zero-size struct), so any two slices of the same
// length would be "equal".
func Addrs(ms []*mbuf.Mbuf) []uintptr {
	out := make([]uintptr, len(ms))
	for i, m := range ms {
		out[i] = uintptr(unsafe.Pointer(m))
	}
	return out
}
