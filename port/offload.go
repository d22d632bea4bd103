package port

import (
	"encoding/binary"

	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/pkt"
)

// PrepareTxChecksum makes the IPv4 header and UDP/TCP checksums of m
// right for transmission on this port, given the packet parsed into pp.
// Where the port was configured with the matching tx offloads
// (Config.TxOffloads with TxOffloadIPv4Cksum, TxOffloadUDPCksum,
// TxOffloadTCPCksum) it leaves the work to the device: it sets the mbuf's
// offload flags and header lengths and writes the pseudo-header checksum
// the device expects. Otherwise it computes the checksums in software.
// It reports whether the device will do (some of) the work.
//
// Packets that are not IPv4 or IPv6 are left alone. No allocation, no
// cgo call.
func (p *Port) PrepareTxChecksum(m *mbuf.Mbuf, pp *pkt.Parsed) (offloaded bool, err error) {
	b := m.Data()
	if pp.L3Proto != pkt.L3IPv4 && pp.L3Proto != pkt.L3IPv6 {
		return false, nil
	}
	off := p.txOffloads.Load()
	var flags uint64
	ip4 := pp.L3Proto == pkt.L3IPv4
	if ip4 {
		hdr := b[pp.L3Offset : pp.L3Offset+pp.L3Len]
		if off&TxOffloadIPv4Cksum != 0 {
			flags |= mbuf.TxIPv4 | mbuf.TxIPCksum
			binary.BigEndian.PutUint16(hdr[10:], 0)
		} else {
			binary.BigEndian.PutUint16(hdr[10:], pkt.IPv4HeaderChecksum(hdr))
		}
	}
	l4 := uint64(0)
	switch {
	case pp.L4Len == 0:
	case pp.L4Proto == pkt.ProtoUDP && off&TxOffloadUDPCksum != 0:
		l4 = mbuf.TxUDPCksum
	case pp.L4Proto == pkt.ProtoTCP && off&TxOffloadTCPCksum != 0:
		l4 = mbuf.TxTCPCksum
	}
	if l4 != 0 {
		if err := pkt.SetPseudoHeaderChecksum(b, pp); err != nil {
			return false, err
		}
		flags |= l4
		if ip4 {
			flags |= mbuf.TxIPv4
		} else {
			flags |= mbuf.TxIPv6
		}
	} else if pp.L4Len > 0 && (pp.L4Proto == pkt.ProtoUDP || pp.L4Proto == pkt.ProtoTCP) {
		if err := pkt.SetL4Checksum(b, pp); err != nil {
			return false, err
		}
	}
	if flags == 0 {
		return false, nil
	}
	if err := m.SetTxOffload(pp.L2Len, pp.L3Len, pp.L4Len); err != nil {
		return false, err
	}
	m.SetOlFlags(m.OlFlags()&^(mbuf.TxL4Mask|mbuf.TxIPCksum|mbuf.TxIPv4|mbuf.TxIPv6) | flags)
	return true, nil
}

// TxOffloads returns the tx offloads the port was configured with.
func (p *Port) TxOffloads() uint64 { return p.txOffloads.Load() }
