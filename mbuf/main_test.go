package mbuf_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal/ealtest"
	"github.com/zcnic/zcnic/mbuf"
)

func TestMain(m *testing.M) { ealtest.Main(m, ealtest.Config()) }

// poolName returns a pool name no other test uses.
func poolName() string { return ealtest.Name("mbt") }

// Shared helpers: leak-checked pools, bursts, a worker lcore, addresses.
var (
	newPool  = ealtest.Pool
	newBurst = ealtest.Burst
	worker   = ealtest.Worker
	addrs    = ealtest.Addrs
)

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

// alloc takes one mbuf, failing the test if the pool is empty. The test
// frees it; the pool's cleanup reports a leak otherwise.
func alloc(t testing.TB, p *mbuf.Pool) *mbuf.Mbuf {
	t.Helper()
	m := p.Alloc()
	require.NotNil(t, m, "pool %s is empty", p.Name())
	return m
}
