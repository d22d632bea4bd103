package mbuf_test

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/internal/rte"
	"github.com/zcnic/zcnic/mbuf"
)

func TestNewPoolValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  mbuf.PoolConfig
		msg  string
	}{
		{"empty name", mbuf.PoolConfig{Count: 63}, "Name is empty"},
		{"name too long", mbuf.PoolConfig{Name: strings.Repeat("n", 23), Count: 63}, "longer than 22 bytes"},
		{"zero count", mbuf.PoolConfig{Name: "v0", Count: 0}, "Count 0"},
		{"negative count", mbuf.PoolConfig{Name: "v1", Count: -5}, "Count -5"},
		{"negative cache", mbuf.PoolConfig{Name: "v2", Count: 63, Cache: -1}, "must be 0 to 512"},
		{"cache above MaxCache", mbuf.PoolConfig{Name: "v3", Count: 8191, Cache: mbuf.MaxCache + 1}, "must be 0 to 512"},
		{"cache above Count/1.5", mbuf.PoolConfig{Name: "v4", Count: 63, Cache: 43}, "too large for 63 mbufs"},
		{"data room below headroom", mbuf.PoolConfig{Name: "v5", Count: 63, DataRoom: mbuf.Headroom - 1}, "DataRoom 127"},
		{"negative data room", mbuf.PoolConfig{Name: "v6", Count: 63, DataRoom: -1}, "DataRoom -1"},
		{"data room above 65535", mbuf.PoolConfig{Name: "v7", Count: 63, DataRoom: 65536}, "DataRoom 65536"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := mbuf.NewPool(tc.cfg)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.Contains(t, err.Error(), tc.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "mbuf: PoolConfig."), err.Error())
			var re *rte.Error
			assert.False(t, errors.As(err, &re), "rejected before DPDK was called")
			if tc.cfg.Name != "" {
				_, err := mbuf.LookupPool(tc.cfg.Name)
				assert.Error(t, err, "no pool was created")
			}
		})
	}
}

func TestNewPoolLimitsAccepted(t *testing.T) {
	// The edges of every limit are accepted.
	p := newPoolCfg(t, mbuf.PoolConfig{Name: strings.Repeat("e", 22), Count: 3, Cache: 2, DataRoom: mbuf.Headroom, Socket: mbuf.SocketAny})
	assert.Equal(t, 2, p.Cache(), "cache of exactly Count/1.5")
	assert.Equal(t, mbuf.Headroom, p.DataRoom())
	m := alloc(t, p)
	assert.Equal(t, 0, m.Tailroom(), "a data room of just the headroom leaves no room for data")
	assert.Equal(t, mbuf.Headroom, m.Headroom())
	m.Free()

	p = newPoolCfg(t, mbuf.PoolConfig{Name: poolName(), Count: 1023, Cache: mbuf.MaxCache, DataRoom: 65535, Socket: mbuf.SocketAny})
	assert.Equal(t, mbuf.MaxCache, p.Cache())
	assert.Equal(t, 65535, p.DataRoom())
}

func TestNewPoolDuplicateName(t *testing.T) {
	p := newPool(t, 63, 0)
	dup, err := mbuf.NewPool(mbuf.PoolConfig{Name: p.Name(), Count: 63, Socket: mbuf.SocketAny})
	require.Error(t, err)
	assert.Nil(t, dup)
	var re *rte.Error
	require.True(t, errors.As(err, &re), "got %T: %v", err, err)
	assert.Equal(t, "rte_pktmbuf_pool_create", re.Call)
	assert.ErrorIs(t, err, syscall.EEXIST)
	assert.Contains(t, err.Error(), "rte_pktmbuf_pool_create: File exists")
	assert.Contains(t, err.Error(), p.Name())
	assert.Contains(t, err.Error(), "a pool of that name exists")
	assert.True(t, p.Full(), "the existing pool is untouched")
}

func TestNewPoolDPDKRefusesSocket(t *testing.T) {
	// A socket that does not exist passes Go's checks and is refused by DPDK.
	p, err := mbuf.NewPool(mbuf.PoolConfig{Name: poolName(), Count: 63, Socket: 1000})
	require.Error(t, err)
	assert.Nil(t, p)
	var re *rte.Error
	require.True(t, errors.As(err, &re), "got %T: %v", err, err)
	assert.Equal(t, "rte_pktmbuf_pool_create", re.Call)
	assert.NotZero(t, re.Errno)
}

func TestPoolAccessors(t *testing.T) {
	name := poolName()
	p := newPoolCfg(t, mbuf.PoolConfig{Name: name, Count: 127, Cache: 16, Socket: mbuf.SocketAny})
	assert.Equal(t, name, p.Name())
	assert.Equal(t, 127, p.Count())
	assert.Equal(t, 16, p.Cache())
	assert.Equal(t, mbuf.DefaultDataRoom, p.DataRoom(), "DataRoom 0 means the default")
	assert.Equal(t, 2048+mbuf.Headroom, mbuf.DefaultDataRoom)
	assert.Equal(t, mbuf.SocketAny, p.Socket(), "the socket asked for")
	assert.NotNil(t, p.Ptr())
	assert.Equal(t, 127, p.Available())
	assert.Equal(t, 0, p.InUse())
	assert.True(t, p.Full())

	q := newPoolCfg(t, mbuf.PoolConfig{Name: poolName(), Count: 15, DataRoom: 1000})
	assert.Equal(t, 0, q.Socket(), "the zero Socket is socket 0")
	assert.Equal(t, 1000, q.DataRoom())
	assert.Equal(t, 0, q.Cache())
}

func TestPoolAllocFreeCounts(t *testing.T) {
	p := newPool(t, 7, 0)
	var ms []*mbuf.Mbuf
	for i := 1; i <= 7; i++ {
		m := p.Alloc()
		require.NotNil(t, m, "mbuf %d of 7", i)
		ms = append(ms, m)
		assert.Equal(t, i, p.InUse())
		assert.Equal(t, 7-i, p.Available())
		assert.False(t, p.Full())
	}
	assert.Nil(t, p.Alloc(), "an empty pool gives nil")
	assert.Equal(t, 7, p.InUse(), "a failed Alloc takes nothing")
	for i, m := range ms {
		m.Free()
		assert.Equal(t, 7-i-1, p.InUse())
	}
	assert.True(t, p.Full())
	alloc(t, p).Free() // mbufs come back for reuse
	assert.Equal(t, 7, p.Available())
}

func TestLookupPool(t *testing.T) {
	p := newPool(t, 31, 0)
	q, err := mbuf.LookupPool(p.Name())
	require.NoError(t, err)
	assert.Equal(t, p.Ptr(), q.Ptr(), "the same struct rte_mempool")
	assert.Equal(t, p.Name(), q.Name())
	assert.Equal(t, 31, q.Count())

	m := alloc(t, q)
	assert.Equal(t, 1, p.InUse(), "an mbuf from the looked-up pool counts in the original")
	m.Free()

	err = q.Free()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "was looked up")
	assert.Equal(t, p.Ptr(), q.Ptr(), "the refused Free left the pool alone")
	assert.True(t, p.Full())
}

func TestLookupPoolUnknown(t *testing.T) {
	q, err := mbuf.LookupPool("no-such-pool")
	require.Error(t, err)
	assert.Nil(t, q)
	var re *rte.Error
	require.True(t, errors.As(err, &re), "got %T: %v", err, err)
	assert.Equal(t, "rte_mempool_lookup", re.Call)
	assert.ErrorIs(t, err, syscall.ENOENT)
	assert.Contains(t, err.Error(), `"no-such-pool"`)
}

func TestPoolFree(t *testing.T) {
	name := poolName()
	p, err := mbuf.NewPool(mbuf.PoolConfig{Name: name, Count: 15, Socket: mbuf.SocketAny})
	require.NoError(t, err)

	m := p.Alloc()
	require.NotNil(t, m)
	err = p.Free()
	require.Error(t, err, "Free refuses while an mbuf is out")
	assert.Contains(t, err.Error(), "still has 1 mbufs in use")
	_, err = mbuf.LookupPool(name)
	require.NoError(t, err, "the refused Free left the pool in place")

	m.Free()
	require.NoError(t, p.Free())
	_, err = mbuf.LookupPool(name)
	assert.ErrorIs(t, err, syscall.ENOENT, "the pool is gone")

	err = p.Free()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already freed")

	// The name can be used again.
	p = newPoolCfg(t, mbuf.PoolConfig{Name: name, Count: 15})
	assert.Equal(t, name, p.Name())
}

func TestPoolUseAfterFreePanicsClearly(t *testing.T) {
	p, err := mbuf.NewPool(mbuf.PoolConfig{Name: "uaf", Count: 63})
	require.NoError(t, err)
	require.NoError(t, p.Free())
	assert.PanicsWithValue(t, "mbuf: pool used after Free", func() { p.Count() })
	assert.PanicsWithValue(t, "mbuf: pool used after Free", func() { p.Alloc() })
}
