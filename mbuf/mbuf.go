package mbuf

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/zcnic/zcnic/internal/mbufcheck"
)

// Mbuf is a DPDK packet buffer (struct rte_mbuf). It is only ever used
// through a *Mbuf pointing at DPDK memory: received from a port, taken
// from a Pool, or found in a Burst. Go never allocates one.
//
// Ownership: whoever holds a *Mbuf owns it until it hands it on, by
// transmitting it (a port or ring takes it), or by freeing it. Exactly
// one of those happens, once. After that the *Mbuf, and every slice Data
// returned for it, must not be touched: the memory is back in the pool
// and may already hold another packet.
//
// Unless a method says otherwise, it reads or writes the struct fields
// directly, with no cgo call and no allocation. Methods that describe a
// packet (Data, Headroom, Prepend, Adj) work on the first segment;
// PktLen, Append and Trim cover a chain of segments.
type Mbuf struct {
	_ [0]func() // not comparable, not constructible in a useful way
}

// ErrNoRoom is returned when a buffer lacks the room an operation needs.
var ErrNoRoom = errors.New("mbuf: not enough room")

func (m *Mbuf) ptr(off uintptr) unsafe.Pointer { return unsafe.Add(unsafe.Pointer(m), off) }
func (m *Mbuf) u16(off uintptr) *uint16        { return (*uint16)(m.ptr(off)) }
func (m *Mbuf) u32(off uintptr) *uint32        { return (*uint32)(m.ptr(off)) }
func (m *Mbuf) u64(off uintptr) *uint64        { return (*uint64)(m.ptr(off)) }
func (m *Mbuf) bufAddr() unsafe.Pointer        { return *(*unsafe.Pointer)(m.ptr(offBufAddr)) }

// Data returns the first segment's packet bytes, aliasing mbuf memory: no
// copy, no allocation. Writes to it change the packet. Its capacity is
// its length; grow the packet with Append or Prepend, not append(). The
// slice is valid only while the caller owns m and the length is unchanged.
func (m *Mbuf) Data() []byte {
	return unsafe.Slice((*byte)(unsafe.Add(m.bufAddr(), *m.u16(offDataOff))), *m.u16(offDataLen))
}

// DataLen is the length of the first segment's data.
func (m *Mbuf) DataLen() int { return int(*m.u16(offDataLen)) }

// PktLen is the length of the whole packet, all segments.
func (m *Mbuf) PktLen() int { return int(*m.u32(offPktLen)) }

// NumSegs is the number of segments in the chain.
func (m *Mbuf) NumSegs() int { return int(*m.u16(offNbSegs)) }

// Next is the next segment, or nil.
func (m *Mbuf) Next() *Mbuf { return *(**Mbuf)(m.ptr(offNext)) }

// Refcnt is the reference count; 1 for an mbuf with a single owner.
func (m *Mbuf) Refcnt() int { return int(*m.u16(offRefcnt)) }

// Headroom is the free space before the data in the first segment.
func (m *Mbuf) Headroom() int { return int(*m.u16(offDataOff)) }

// Tailroom is the free space after the data in the last segment.
func (m *Mbuf) Tailroom() int {
	l := m.last()
	return int(*l.u16(offBufLen)) - int(*l.u16(offDataOff)) - int(*l.u16(offDataLen))
}

func (m *Mbuf) last() *Mbuf {
	for n := m.Next(); n != nil; n = n.Next() {
		m = n
	}
	return m
}

// Prepend grows the packet by n bytes at the front, into the headroom,
// and returns the new bytes (uninitialised). It fails with ErrNoRoom if
// the headroom is smaller than n.
func (m *Mbuf) Prepend(n int) ([]byte, error) {
	if n < 0 || n > m.Headroom() {
		return nil, fmt.Errorf("%w: prepend %d bytes with %d of headroom", ErrNoRoom, n, m.Headroom())
	}
	*m.u16(offDataOff) -= uint16(n)
	*m.u16(offDataLen) += uint16(n)
	*m.u32(offPktLen) += uint32(n)
	return m.Data()[:n], nil
}

// Append grows the packet by n bytes at the end of the last segment and
// returns the new bytes (uninitialised). It fails with ErrNoRoom if the
// tailroom is smaller than n.
func (m *Mbuf) Append(n int) ([]byte, error) {
	l := m.last()
	if n < 0 || n > l.Tailroom() {
		return nil, fmt.Errorf("%w: append %d bytes with %d of tailroom", ErrNoRoom, n, l.Tailroom())
	}
	old := *l.u16(offDataLen)
	*l.u16(offDataLen) += uint16(n)
	*m.u32(offPktLen) += uint32(n)
	return l.Data()[old:], nil
}

// Adj removes n bytes from the front of the packet (first segment).
func (m *Mbuf) Adj(n int) error {
	if n < 0 || n > m.DataLen() {
		return fmt.Errorf("%w: adj %d bytes from a %d-byte segment", ErrNoRoom, n, m.DataLen())
	}
	*m.u16(offDataOff) += uint16(n)
	*m.u16(offDataLen) -= uint16(n)
	*m.u32(offPktLen) -= uint32(n)
	return nil
}

// Trim removes n bytes from the end of the packet (last segment).
func (m *Mbuf) Trim(n int) error {
	l := m.last()
	if n < 0 || n > l.DataLen() {
		return fmt.Errorf("%w: trim %d bytes from a %d-byte segment", ErrNoRoom, n, l.DataLen())
	}
	*l.u16(offDataLen) -= uint16(n)
	*m.u32(offPktLen) -= uint32(n)
	return nil
}

// SetData replaces the packet's bytes with b: it empties the first
// segment (which must be the only one), then copies b in. This is a copy,
// meant for building packets; it fails with ErrNoRoom if b does not fit.
func (m *Mbuf) SetData(b []byte) error {
	if m.NumSegs() != 1 {
		return fmt.Errorf("mbuf: SetData on a chain of %d segments", m.NumSegs())
	}
	room := int(*m.u16(offBufLen)) - int(*m.u16(offDataOff))
	if len(b) > room {
		return fmt.Errorf("%w: %d bytes into %d of room", ErrNoRoom, len(b), room)
	}
	*m.u16(offDataLen) = uint16(len(b))
	*m.u32(offPktLen) = uint32(len(b))
	copy(m.Data(), b)
	return nil
}

// Reset returns m to the state of a freshly allocated mbuf: empty, one
// segment, default headroom, no flags (rte_pktmbuf_reset; one cgo call).
func (m *Mbuf) Reset() { cReset(m) }

// Free returns m (and every segment chained to it) to its pool
// (rte_pktmbuf_free; one cgo call). m must not be used afterwards. For
// many mbufs, Burst.Free is one call for all of them.
//
// During a run with app.Config.Debug, a Free that would free m a second
// time, or free a packet its loop still owns, is refused and reported
// by the run instead.
func (m *Mbuf) Free() {
	if c := mbufcheck.Get(); c != nil && !c.Free(unsafe.Pointer(m), "mbuf.Free") {
		return
	}
	cFree(m)
}

// Port is the input port of a received packet, or the port field as set.
func (m *Mbuf) Port() uint16 { return *m.u16(offPort) }

// SetPort sets the port field.
func (m *Mbuf) SetPort(p uint16) { *m.u16(offPort) = p }

// RSSHash is the RSS hash the NIC computed (valid when OlFlags has
// RxRSSHash).
func (m *Mbuf) RSSHash() uint32 { return *m.u32(offHash) }

// SetRSSHash sets the RSS hash field.
func (m *Mbuf) SetRSSHash(h uint32) { *m.u32(offHash) = h }

// Mark is the flow mark a rule wrote into the packet, and whether it
// has one: the flow director id (hash.fdir.hi) where ol_flags has
// RxFdirID, as a NIC writes a rte_flow mark action's id, and as zcnic's
// software rules (package flow) do.
func (m *Mbuf) Mark() (uint32, bool) {
	if *m.u64(offOlFlags)&RxFdirID == 0 {
		return 0, false
	}
	return *m.u32(offFdirHi), true
}

// SetMark writes a flow mark as a NIC does: hash.fdir.hi, with RxFdir
// and RxFdirID in ol_flags.
func (m *Mbuf) SetMark(id uint32) {
	*m.u32(offFdirHi) = id
	*m.u64(offOlFlags) |= RxFdir | RxFdirID
}

// OlFlags are the offload flags (see the Rx... and Tx... constants).
func (m *Mbuf) OlFlags() uint64 { return *m.u64(offOlFlags) }

// SetOlFlags replaces the offload flags.
func (m *Mbuf) SetOlFlags(f uint64) { *m.u64(offOlFlags) = f }

// PacketType is the RTE_PTYPE_* value the driver recognised, 0 if none.
func (m *Mbuf) PacketType() uint32 { return *m.u32(offPtype) }

// SetPacketType sets the packet type field.
func (m *Mbuf) SetPacketType(t uint32) { *m.u32(offPtype) = t }

// VlanTCI is the stripped VLAN tag (valid when OlFlags has RxVLAN).
func (m *Mbuf) VlanTCI() uint16 { return *m.u16(offVlanTCI) }

// TxOffload returns the header lengths set with SetTxOffload.
func (m *Mbuf) TxOffload() (l2, l3, l4 int) {
	v := *m.u64(offTxOffld)
	return int(v & 0x7f), int(v >> 7 & 0x1ff), int(v >> 16 & 0xff)
}

// SetTxOffload records the L2, L3 and L4 header lengths, which a port
// needs for checksum offload (with TxIPCksum, TxUDPCksum, ...). The
// lengths must fit DPDK's bit-fields: l2 < 128, l3 < 512, l4 < 256.
func (m *Mbuf) SetTxOffload(l2, l3, l4 int) error {
	if l2 < 0 || l2 > 0x7f || l3 < 0 || l3 > 0x1ff || l4 < 0 || l4 > 0xff {
		return fmt.Errorf("mbuf: tx offload lengths l2=%d l3=%d l4=%d out of range", l2, l3, l4)
	}
	p := m.u64(offTxOffld)
	*p = *p&^0xffffff | uint64(l2) | uint64(l3)<<7 | uint64(l4)<<16
	return nil
}
