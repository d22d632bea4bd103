package ring_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal/ealtest"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/ring"
)

func TestMain(m *testing.M) { ealtest.Main(m, ealtest.Config()) }

// Shared helpers: names, leak-checked pools, bursts, a worker lcore,
// addresses.
var (
	uniq     = ealtest.Name
	newPool  = ealtest.Pool
	newBurst = ealtest.Burst
	worker   = ealtest.Worker
	addrs    = ealtest.Addrs
)

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
