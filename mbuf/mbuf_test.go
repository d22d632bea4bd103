package mbuf_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/mbuf"
)

// portInvalid is RTE_MBUF_PORT_INVALID, the port of a fresh mbuf.
const portInvalid = 0xffff

func TestFreshMbuf(t *testing.T) {
	p := newPool(t, 15, 0)
	m := alloc(t, p)
	defer m.Free()
	assert.Equal(t, 0, m.DataLen())
	assert.Equal(t, 0, m.PktLen())
	assert.Empty(t, m.Data())
	assert.Equal(t, mbuf.Headroom, m.Headroom())
	assert.Equal(t, p.DataRoom()-mbuf.Headroom, m.Tailroom())
	assert.Equal(t, 2048, m.Tailroom())
	assert.Equal(t, 1, m.NumSegs())
	assert.Nil(t, m.Next())
	assert.Equal(t, 1, m.Refcnt())
	assert.Equal(t, uint16(portInvalid), m.Port())
	assert.Zero(t, m.OlFlags())
	assert.Zero(t, m.PacketType())
	assert.Zero(t, m.VlanTCI())
	l2, l3, l4 := m.TxOffload()
	assert.Equal(t, [3]int{0, 0, 0}, [3]int{l2, l3, l4})
}

func TestDataAliasesMbufMemory(t *testing.T) {
	p := newPool(t, 15, 0)
	m := alloc(t, p)
	defer m.Free()
	_, err := m.Append(8)
	require.NoError(t, err)

	d := m.Data()
	assert.Len(t, d, 8)
	assert.Equal(t, 8, cap(d), "cap is len: append() cannot run past the packet")
	copy(d, "zerocopy")
	assert.Equal(t, []byte("zerocopy"), m.Data(), "a second Data sees the writes")
	d2 := m.Data()
	d2[0] = 'Z'
	assert.Equal(t, byte('Z'), d[0], "both slices are the same memory")

	require.NoError(t, m.Adj(4))
	assert.Equal(t, []byte("copy"), m.Data(), "Adj moves the view; the bytes stay in place")
	assert.Same(t, &d[4], &m.Data()[0])
}

func TestSetDataCopies(t *testing.T) {
	p := newPoolCfg(t, mbuf.PoolConfig{Name: poolName(), Count: 15, DataRoom: mbuf.Headroom + 100})
	m := alloc(t, p)
	defer m.Free()

	src := []byte("hello, mbuf")
	require.NoError(t, m.SetData(src))
	assert.Equal(t, src, m.Data())
	assert.Equal(t, len(src), m.DataLen())
	assert.Equal(t, len(src), m.PktLen())
	src[0] = 'J'
	assert.Equal(t, byte('h'), m.Data()[0], "SetData copied; the source is not aliased")

	require.NoError(t, m.SetData([]byte("ab")), "replacing shrinks the packet")
	assert.Equal(t, []byte("ab"), m.Data())
	assert.Equal(t, 2, m.PktLen())

	require.NoError(t, m.SetData(nil))
	assert.Equal(t, 0, m.DataLen())

	full := bytes.Repeat([]byte{7}, 100)
	require.NoError(t, m.SetData(full), "exactly the room after the headroom")
	assert.Equal(t, 0, m.Tailroom())
	err := m.SetData(append(full, 8))
	assert.ErrorIs(t, err, mbuf.ErrNoRoom)
	assert.ErrorContains(t, err, "101 bytes into 100 of room")
	assert.Equal(t, full, m.Data(), "a refused SetData leaves the packet alone")
}

func TestPrepend(t *testing.T) {
	p := newPool(t, 15, 0)
	m := alloc(t, p)
	defer m.Free()
	require.NoError(t, m.SetData([]byte("payload")))

	hdr, err := m.Prepend(4)
	require.NoError(t, err)
	assert.Len(t, hdr, 4)
	copy(hdr, "HDR:")
	assert.Equal(t, []byte("HDR:payload"), m.Data(), "the new bytes come first, the old ones follow")
	assert.Equal(t, mbuf.Headroom-4, m.Headroom())
	assert.Equal(t, 11, m.DataLen())
	assert.Equal(t, 11, m.PktLen())

	_, err = m.Prepend(mbuf.Headroom - 4)
	require.NoError(t, err, "all the headroom")
	assert.Equal(t, 0, m.Headroom())

	_, err = m.Prepend(1)
	assert.ErrorIs(t, err, mbuf.ErrNoRoom)
	assert.ErrorContains(t, err, "prepend 1 bytes with 0 of headroom")
	_, err = m.Prepend(-1)
	assert.ErrorIs(t, err, mbuf.ErrNoRoom)
	assert.Equal(t, mbuf.Headroom+7, m.PktLen(), "refused calls change nothing")
	assert.Equal(t, []byte("HDR:payload"), m.Data()[mbuf.Headroom-4:])

	_, err = m.Prepend(0)
	assert.NoError(t, err)
}

func TestAppend(t *testing.T) {
	p := newPoolCfg(t, mbuf.PoolConfig{Name: poolName(), Count: 15, DataRoom: mbuf.Headroom + 64})
	m := alloc(t, p)
	defer m.Free()
	require.NoError(t, m.SetData([]byte("abc")))

	tail, err := m.Append(3)
	require.NoError(t, err)
	copy(tail, "def")
	assert.Equal(t, []byte("abcdef"), m.Data())
	assert.Equal(t, 6, m.PktLen())
	assert.Equal(t, 58, m.Tailroom())

	_, err = m.Append(58)
	require.NoError(t, err)
	assert.Equal(t, 0, m.Tailroom())
	assert.Equal(t, 64, m.DataLen())

	_, err = m.Append(1)
	assert.ErrorIs(t, err, mbuf.ErrNoRoom)
	assert.ErrorContains(t, err, "append 1 bytes with 0 of tailroom")
	_, err = m.Append(-1)
	assert.ErrorIs(t, err, mbuf.ErrNoRoom)
	assert.Equal(t, 64, m.PktLen())
}

func TestAdjTrim(t *testing.T) {
	p := newPool(t, 15, 0)
	m := alloc(t, p)
	defer m.Free()
	require.NoError(t, m.SetData([]byte("0123456789")))

	require.NoError(t, m.Adj(3))
	assert.Equal(t, []byte("3456789"), m.Data())
	assert.Equal(t, mbuf.Headroom+3, m.Headroom(), "removed bytes become headroom")
	assert.Equal(t, 7, m.PktLen())

	tailBefore := m.Tailroom()
	require.NoError(t, m.Trim(2))
	assert.Equal(t, []byte("34567"), m.Data())
	assert.Equal(t, tailBefore+2, m.Tailroom(), "trimmed bytes become tailroom")
	assert.Equal(t, 5, m.PktLen())
	assert.Equal(t, 5, m.DataLen())

	err := m.Adj(6)
	assert.ErrorIs(t, err, mbuf.ErrNoRoom)
	assert.ErrorContains(t, err, "adj 6 bytes from a 5-byte segment")
	err = m.Trim(6)
	assert.ErrorIs(t, err, mbuf.ErrNoRoom)
	assert.ErrorContains(t, err, "trim 6 bytes from a 5-byte segment")
	assert.ErrorIs(t, m.Adj(-1), mbuf.ErrNoRoom)
	assert.ErrorIs(t, m.Trim(-1), mbuf.ErrNoRoom)
	assert.Equal(t, []byte("34567"), m.Data(), "refused calls change nothing")

	require.NoError(t, m.Adj(2))
	require.NoError(t, m.Trim(3))
	assert.Empty(t, m.Data())
	assert.Equal(t, 0, m.PktLen())
}

func TestReset(t *testing.T) {
	p := newPool(t, 15, 0)
	m := alloc(t, p)
	defer m.Free()
	require.NoError(t, m.SetData([]byte("data")))
	_, err := m.Prepend(14)
	require.NoError(t, err)
	m.SetPort(3)
	m.SetOlFlags(mbuf.TxIPv4 | mbuf.TxIPCksum)
	m.SetPacketType(0x11)
	require.NoError(t, m.SetTxOffload(14, 20, 8))

	m.Reset()
	assert.Equal(t, 0, m.DataLen())
	assert.Equal(t, 0, m.PktLen())
	assert.Equal(t, mbuf.Headroom, m.Headroom())
	assert.Equal(t, uint16(portInvalid), m.Port())
	assert.Zero(t, m.OlFlags())
	assert.Zero(t, m.PacketType())
	l2, l3, l4 := m.TxOffload()
	assert.Equal(t, [3]int{0, 0, 0}, [3]int{l2, l3, l4})
	assert.Equal(t, 1, p.InUse(), "Reset does not free")
}

func TestMetadataFields(t *testing.T) {
	p := newPool(t, 15, 0)
	m := alloc(t, p)
	defer m.Free()

	m.SetPort(7)
	assert.Equal(t, uint16(7), m.Port())
	m.SetRSSHash(0xdeadbeef)
	assert.Equal(t, uint32(0xdeadbeef), m.RSSHash())
	m.SetOlFlags(mbuf.RxRSSHash | mbuf.RxVLAN)
	assert.Equal(t, mbuf.RxRSSHash|mbuf.RxVLAN, m.OlFlags())
	m.SetPacketType(0x0291) // RTE_PTYPE_L2_ETHER | L3_IPV4_EXT_UNKNOWN | L4_UDP
	assert.Equal(t, uint32(0x0291), m.PacketType())

	// Each setter writes its own field only.
	assert.Zero(t, m.VlanTCI())
	assert.Equal(t, uint16(7), m.Port())
	assert.Equal(t, uint32(0xdeadbeef), m.RSSHash())
	assert.Equal(t, 0, m.DataLen())
	assert.Equal(t, mbuf.Headroom, m.Headroom())
	assert.Equal(t, 1, m.Refcnt())
	assert.Equal(t, 1, m.NumSegs())
	assert.Nil(t, m.Next())
}

func TestOffloadFlagValues(t *testing.T) {
	// The values DPDK 22.11 gives these flags (rte_mbuf_core.h).
	assert.Equal(t, uint64(1)<<0, mbuf.RxVLAN)
	assert.Equal(t, uint64(1)<<1, mbuf.RxRSSHash)
	assert.Equal(t, uint64(1)<<4, mbuf.RxIPCksumBad)
	assert.Equal(t, uint64(1)<<7, mbuf.RxIPCksumGood)
	assert.Equal(t, uint64(1)<<3, mbuf.RxL4CksumBad)
	assert.Equal(t, uint64(1)<<8, mbuf.RxL4CksumGood)
	assert.Equal(t, uint64(1)<<55, mbuf.TxIPv4)
	assert.Equal(t, uint64(1)<<56, mbuf.TxIPv6)
	assert.Equal(t, uint64(1)<<54, mbuf.TxIPCksum)
	assert.Equal(t, uint64(3)<<52, mbuf.TxUDPCksum)
	assert.Equal(t, uint64(1)<<52, mbuf.TxTCPCksum)
	assert.Equal(t, uint64(3)<<52, mbuf.TxL4Mask)
}

func TestTxOffloadRoundTrip(t *testing.T) {
	p := newPool(t, 15, 0)
	m := alloc(t, p)
	defer m.Free()
	for _, c := range [][3]int{{14, 20, 8}, {18, 40, 20}, {0, 0, 0}, {127, 511, 255}, {1, 1, 1}, {127, 0, 255}} {
		require.NoError(t, m.SetTxOffload(c[0], c[1], c[2]))
		l2, l3, l4 := m.TxOffload()
		assert.Equal(t, c, [3]int{l2, l3, l4})
	}
}

func TestTxOffloadRange(t *testing.T) {
	p := newPool(t, 15, 0)
	m := alloc(t, p)
	defer m.Free()
	require.NoError(t, m.SetTxOffload(14, 20, 8))
	for _, c := range [][3]int{{128, 0, 0}, {0, 512, 0}, {0, 0, 256}, {-1, 0, 0}, {0, -1, 0}, {0, 0, -1}} {
		err := m.SetTxOffload(c[0], c[1], c[2])
		require.Error(t, err, "%v", c)
		assert.ErrorContains(t, err, "out of range")
		assert.False(t, errors.Is(err, mbuf.ErrNoRoom))
		l2, l3, l4 := m.TxOffload()
		assert.Equal(t, [3]int{14, 20, 8}, [3]int{l2, l3, l4}, "a refused call keeps the old lengths")
	}
}

func TestFreeReturnsToPool(t *testing.T) {
	p := newPool(t, 15, 0)
	m := alloc(t, p)
	require.NoError(t, m.SetData([]byte("x")))
	assert.Equal(t, 1, p.InUse())
	m.Free()
	assert.True(t, p.Full())
	var nilMbuf *mbuf.Mbuf
	nilMbuf.Free() // rte_pktmbuf_free(NULL) does nothing
	assert.True(t, p.Full())
}

// A mark sits where a NIC writes rte_flow's mark (hash.fdir.hi, with
// the FDIR flags), apart from the RSS hash, and Reset clears it.
func TestMark(t *testing.T) {
	p := newPool(t, 15, 0)
	m := alloc(t, p)
	defer m.Free()
	_, ok := m.Mark()
	assert.False(t, ok, "a fresh mbuf has no mark")
	m.SetRSSHash(0x11111111)
	m.SetMark(0xcafe0001)
	id, ok := m.Mark()
	assert.True(t, ok)
	assert.Equal(t, uint32(0xcafe0001), id)
	assert.Equal(t, uint32(0x11111111), m.RSSHash(), "the mark is hash.fdir.hi, not the RSS hash")
	assert.Equal(t, mbuf.RxFdir|mbuf.RxFdirID, m.OlFlags())
	assert.Equal(t, uint64(1)<<2, mbuf.RxFdir)
	assert.Equal(t, uint64(1)<<13, mbuf.RxFdirID)
	m.Reset()
	_, ok = m.Mark()
	assert.False(t, ok)
}
