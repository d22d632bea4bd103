package mbuf

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/mbuf/mbufc"
)

// testPool creates a small pool for the internal tests; the caller's
// cleanup checks it is full and frees it.
func testPool(t *testing.T, name string) *Pool {
	t.Helper()
	p, err := NewPool(PoolConfig{Name: name, Count: 15, Socket: SocketAny})
	require.NoError(t, err)
	t.Cleanup(func() {
		assert.True(t, p.Full(), "leaked %d mbufs", p.InUse())
		assert.NoError(t, p.Free())
	})
	return p
}

func TestTxOffloadMatchesCompilerPacking(t *testing.T) {
	p := testPool(t, "int-txoff")
	m := p.Alloc()
	require.NotNil(t, m)
	defer m.Free()
	cases := [][3]int{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {14, 20, 8}, {18, 40, 32}, {127, 511, 255}, {0x55, 0x155, 0xaa}}
	for _, c := range cases {
		require.NoError(t, m.SetTxOffload(c[0], c[1], c[2]))
		want := mbufc.PackTxOffload(uint64(c[0]), uint64(c[1]), uint64(c[2]))
		assert.Equal(t, want, *m.u64(offTxOffld), "l2=%d l3=%d l4=%d packed as the C compiler does", c[0], c[1], c[2])
	}
	// Each length in its own bits: the maxima do not overlap.
	assert.Equal(t, uint64(0x7f), mbufc.PackTxOffload(0x7f, 0, 0))
	assert.Equal(t, uint64(0x1ff)<<7, mbufc.PackTxOffload(0, 0x1ff, 0))
	assert.Equal(t, uint64(0xff)<<16, mbufc.PackTxOffload(0, 0, 0xff))
}

func TestSetTxOffloadKeepsOtherFields(t *testing.T) {
	p := testPool(t, "int-txkeep")
	m := p.Alloc()
	require.NotNil(t, m)
	defer m.Free()
	// tso_segsz, outer_l3_len and outer_l2_len share the word above bit 24.
	const upper = uint64(0xffffffffff000000)
	*m.u64(offTxOffld) = upper | 0xffffff
	require.NoError(t, m.SetTxOffload(14, 20, 8))
	assert.Equal(t, upper|mbufc.PackTxOffload(14, 20, 8), *m.u64(offTxOffld))
	l2, l3, l4 := m.TxOffload()
	assert.Equal(t, [3]int{14, 20, 8}, [3]int{l2, l3, l4})
}

func TestDataPointsIntoTheBuffer(t *testing.T) {
	p := testPool(t, "int-data")
	m := p.Alloc()
	require.NotNil(t, m)
	defer m.Free()
	require.NoError(t, m.SetData([]byte("abc")))
	d := m.Data()
	assert.Equal(t, unsafe.Add(m.bufAddr(), Headroom), unsafe.Pointer(&d[0]), "buf_addr + data_off")
	assert.Equal(t, uint16(p.DataRoom()), *m.u16(offBufLen))
}

func TestPoolNameLimit(t *testing.T) {
	name := make([]byte, maxPoolName)
	for i := range name {
		name[i] = 'a' + byte(i%26)
	}
	testPool(t, string(name))
	_, err := NewPool(PoolConfig{Name: string(name) + "x", Count: 15})
	assert.ErrorContains(t, err, "longer than")
}

// chain links seg after m by hand, as a driver receiving a jumbo frame
// would: next pointer, segment count and packet length.
func chain(m, seg *Mbuf) {
	*(*unsafe.Pointer)(m.ptr(offNext)) = unsafe.Pointer(seg)
	*m.u16(offNbSegs) += 1
	*m.u32(offPktLen) += uint32(seg.DataLen())
}

func TestChainOfTwoSegments(t *testing.T) {
	p := testPool(t, "int-chain")
	m, seg := p.Alloc(), p.Alloc()
	require.NotNil(t, m)
	require.NotNil(t, seg)
	require.NoError(t, m.SetData([]byte("first-")))
	require.NoError(t, seg.SetData([]byte("second")))
	chain(m, seg)

	assert.Equal(t, 2, m.NumSegs())
	assert.Same(t, seg, m.Next())
	assert.Nil(t, seg.Next())
	assert.Equal(t, 12, m.PktLen())
	assert.Equal(t, 6, m.DataLen(), "DataLen is the first segment's")
	assert.Equal(t, []byte("first-"), m.Data(), "Data is the first segment's")
	assert.Equal(t, seg.Tailroom(), m.Tailroom(), "Tailroom is the last segment's")

	// Append and Trim work on the last segment, PktLen on the whole chain.
	b, err := m.Append(2)
	require.NoError(t, err)
	copy(b, "!!")
	assert.Equal(t, []byte("second!!"), seg.Data())
	assert.Equal(t, []byte("first-"), m.Data())
	assert.Equal(t, 14, m.PktLen())
	require.NoError(t, m.Trim(8))
	assert.Equal(t, 0, seg.DataLen())
	assert.Equal(t, 6, m.PktLen())
	assert.ErrorIs(t, m.Trim(1), ErrNoRoom, "Trim does not reach back into the first segment")

	// Prepend and Adj work on the first segment.
	require.NoError(t, m.Adj(6))
	assert.Equal(t, 0, m.PktLen())
	_, err = m.Prepend(1)
	require.NoError(t, err)
	assert.Equal(t, 1, m.PktLen())

	err = m.SetData([]byte("x"))
	assert.ErrorContains(t, err, "chain of 2 segments")

	assert.Equal(t, 2, p.InUse())
	m.Free() // frees both segments
	assert.True(t, p.Full())
}

func TestBurstFreeFreesChains(t *testing.T) {
	p := testPool(t, "int-chainburst")
	b, err := NewBurst(4)
	require.NoError(t, err)
	defer b.Close()
	require.NoError(t, b.Alloc(p, 4))
	for _, m := range b.Pkts() {
		seg := p.Alloc()
		require.NotNil(t, seg)
		chain(m, seg)
	}
	assert.Equal(t, 8, p.InUse())
	b.Free()
	assert.True(t, p.Full(), "rte_pktmbuf_free_bulk frees every segment")
}
