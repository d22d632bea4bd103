package pkt

import (
	"encoding/binary"
	"net/netip"
)

// IPv4 is a view of an IPv4 header (RFC 791) and what follows it. Its
// methods read and write the packet in place; setters do not update the
// header checksum (see UpdateChecksum and the rewrite helpers). A value made
// by NewIPv4 holds at least the whole header, options included.
type IPv4 []byte

// IPv4 flags, as returned by IPv4.Flags.
const (
	IPv4DontFragment  uint8 = 0x2 // DF
	IPv4MoreFragments uint8 = 0x1 // MF
)

// NewIPv4 returns an IPv4 view of b. It returns ErrTruncated if b is shorter
// than 20 bytes or than the header length, and ErrMalformed if the version
// is not 4 or the header length is below 20 bytes.
func NewIPv4(b []byte) (IPv4, error) {
	if len(b) < IPv4MinLen {
		return nil, ErrTruncated
	}
	if b[0]>>4 != 4 || b[0]&0x0f < 5 {
		return nil, ErrMalformed
	}
	if len(b) < int(b[0]&0x0f)*4 {
		return nil, ErrTruncated
	}
	return IPv4(b), nil
}

// Version returns the version field (4).
func (ip IPv4) Version() uint8 { return ip[0] >> 4 }

// IHL returns the header length in 32-bit words.
func (ip IPv4) IHL() uint8 { return ip[0] & 0x0f }

// HeaderLen returns the header length in bytes, options included.
func (ip IPv4) HeaderLen() int { return int(ip[0]&0x0f) * 4 }

// TOS returns the type-of-service byte (DSCP and ECN).
func (ip IPv4) TOS() uint8 { return ip[1] }

// SetTOS sets the type-of-service byte.
func (ip IPv4) SetTOS(tos uint8) { ip[1] = tos }

// TotalLen returns the total length field: header and payload in bytes.
func (ip IPv4) TotalLen() uint16 { return binary.BigEndian.Uint16(ip[2:4]) }

// SetTotalLen sets the total length field.
func (ip IPv4) SetTotalLen(n uint16) { binary.BigEndian.PutUint16(ip[2:4], n) }

// ID returns the identification field.
func (ip IPv4) ID() uint16 { return binary.BigEndian.Uint16(ip[4:6]) }

// SetID sets the identification field.
func (ip IPv4) SetID(id uint16) { binary.BigEndian.PutUint16(ip[4:6], id) }

// Flags returns the 3 flag bits (IPv4DontFragment, IPv4MoreFragments).
func (ip IPv4) Flags() uint8 { return ip[6] >> 5 }

// FragmentOffset returns the fragment offset in units of 8 bytes.
func (ip IPv4) FragmentOffset() uint16 { return binary.BigEndian.Uint16(ip[6:8]) & ipv4OffMask }

// SetFragment sets the flags (low 3 bits of flags) and the fragment offset
// (low 13 bits of off, in units of 8 bytes).
func (ip IPv4) SetFragment(flags uint8, off uint16) {
	binary.BigEndian.PutUint16(ip[6:8], uint16(flags&7)<<13|off&ipv4OffMask)
}

// IsFragment reports whether the packet is a fragment: MF set or fragment
// offset not zero.
func (ip IPv4) IsFragment() bool { return binary.BigEndian.Uint16(ip[6:8])&ipv4FragMask != 0 }

// TTL returns the time to live.
func (ip IPv4) TTL() uint8 { return ip[8] }

// SetTTL sets the time to live.
func (ip IPv4) SetTTL(ttl uint8) { ip[8] = ttl }

// Protocol returns the protocol of the payload, such as ProtoUDP.
func (ip IPv4) Protocol() uint8 { return ip[9] }

// SetProtocol sets the protocol field.
func (ip IPv4) SetProtocol(p uint8) { ip[9] = p }

// Checksum returns the header checksum field.
func (ip IPv4) Checksum() uint16 { return binary.BigEndian.Uint16(ip[10:12]) }

// SetChecksum sets the header checksum field.
func (ip IPv4) SetChecksum(c uint16) { binary.BigEndian.PutUint16(ip[10:12], c) }

// Src returns the source address.
func (ip IPv4) Src() [4]byte { return [4]byte(ip[12:16]) }

// Dst returns the destination address.
func (ip IPv4) Dst() [4]byte { return [4]byte(ip[16:20]) }

// SetSrc sets the source address.
func (ip IPv4) SetSrc(a [4]byte) { copy(ip[12:16], a[:]) }

// SetDst sets the destination address.
func (ip IPv4) SetDst(a [4]byte) { copy(ip[16:20], a[:]) }

// SrcAddr returns the source address as a netip.Addr.
func (ip IPv4) SrcAddr() netip.Addr { return netip.AddrFrom4(ip.Src()) }

// DstAddr returns the destination address as a netip.Addr.
func (ip IPv4) DstAddr() netip.Addr { return netip.AddrFrom4(ip.Dst()) }

// Options returns the options bytes, aliasing the packet (empty if IHL is 5).
func (ip IPv4) Options() []byte { return ip[IPv4MinLen:ip.HeaderLen()] }

// Option returns the data of the first option of the given type (without
// its type and length bytes) and whether it was found. It stops at the
// end-of-list option and at a malformed option; types 0 (end of list) and 1
// (no-op) are never found.
func (ip IPv4) Option(typ uint8) ([]byte, bool) { return findOption(ip.Options(), typ) }

// Payload returns the bytes after the header, up to the total length or the
// end of the view, whichever comes first.
func (ip IPv4) Payload() []byte {
	end := min(int(ip.TotalLen()), len(ip))
	hl := ip.HeaderLen()
	if end < hl {
		return ip[hl:hl]
	}
	return ip[hl:end]
}

// ComputeChecksum returns the header checksum computed with the checksum
// field taken as zero.
func (ip IPv4) ComputeChecksum() uint16 { return IPv4HeaderChecksum(ip[:ip.HeaderLen()]) }

// UpdateChecksum computes the header checksum and stores it.
func (ip IPv4) UpdateChecksum() { ip.SetChecksum(ip.ComputeChecksum()) }

// ChecksumValid reports whether the header checksum is correct.
func (ip IPv4) ChecksumValid() bool { return Checksum(ip[:ip.HeaderLen()]) == 0 }

// IPv6 is a view of an IPv6 header (RFC 8200) and what follows it. A value
// made by NewIPv6 holds at least the 40-byte fixed header.
type IPv6 []byte

// NewIPv6 returns an IPv6 view of b. It returns ErrTruncated if b is shorter
// than 40 bytes and ErrMalformed if the version is not 6.
func NewIPv6(b []byte) (IPv6, error) {
	if len(b) < IPv6Len {
		return nil, ErrTruncated
	}
	if b[0]>>4 != 6 {
		return nil, ErrMalformed
	}
	return IPv6(b), nil
}

// Version returns the version field (6).
func (ip IPv6) Version() uint8 { return ip[0] >> 4 }

// TrafficClass returns the traffic class (DSCP and ECN).
func (ip IPv6) TrafficClass() uint8 { return uint8(binary.BigEndian.Uint16(ip[0:2]) >> 4) }

// SetTrafficClass sets the traffic class.
func (ip IPv6) SetTrafficClass(tc uint8) {
	ip[0] = ip[0]&0xf0 | tc>>4
	ip[1] = ip[1]&0x0f | tc<<4
}

// FlowLabel returns the 20-bit flow label.
func (ip IPv6) FlowLabel() uint32 { return binary.BigEndian.Uint32(ip[0:4]) & 0x000fffff }

// SetFlowLabel sets the flow label to the low 20 bits of fl.
func (ip IPv6) SetFlowLabel(fl uint32) {
	binary.BigEndian.PutUint32(ip[0:4], binary.BigEndian.Uint32(ip[0:4])&0xfff00000|fl&0x000fffff)
}

// PayloadLen returns the payload length field: the bytes after the fixed
// header, extension headers included.
func (ip IPv6) PayloadLen() uint16 { return binary.BigEndian.Uint16(ip[4:6]) }

// SetPayloadLen sets the payload length field.
func (ip IPv6) SetPayloadLen(n uint16) { binary.BigEndian.PutUint16(ip[4:6], n) }

// NextHeader returns the next header field of the fixed header.
func (ip IPv6) NextHeader() uint8 { return ip[6] }

// SetNextHeader sets the next header field.
func (ip IPv6) SetNextHeader(p uint8) { ip[6] = p }

// HopLimit returns the hop limit.
func (ip IPv6) HopLimit() uint8 { return ip[7] }

// SetHopLimit sets the hop limit.
func (ip IPv6) SetHopLimit(h uint8) { ip[7] = h }

// Src returns the source address.
func (ip IPv6) Src() [16]byte { return [16]byte(ip[8:24]) }

// Dst returns the destination address.
func (ip IPv6) Dst() [16]byte { return [16]byte(ip[24:40]) }

// SetSrc sets the source address.
func (ip IPv6) SetSrc(a [16]byte) { copy(ip[8:24], a[:]) }

// SetDst sets the destination address.
func (ip IPv6) SetDst(a [16]byte) { copy(ip[24:40], a[:]) }

// SrcAddr returns the source address as a netip.Addr.
func (ip IPv6) SrcAddr() netip.Addr { return netip.AddrFrom16(ip.Src()) }

// DstAddr returns the destination address as a netip.Addr.
func (ip IPv6) DstAddr() netip.Addr { return netip.AddrFrom16(ip.Dst()) }

// Payload returns the bytes after the fixed header, up to the payload
// length or the end of the view, whichever comes first. Extension headers
// are part of it.
func (ip IPv6) Payload() []byte {
	return ip[IPv6Len:min(IPv6Len+int(ip.PayloadLen()), len(ip))]
}

// UpperLayer skips the extension headers as Parse does and returns the
// upper-layer protocol and the offset of its header from the start of the
// view. It returns ErrTruncated or ErrMalformed for defective extension
// headers, and ErrUnsupported for a fragment other than the first, whose
// upper-layer header is in another packet.
func (ip IPv6) UpperLayer() (proto uint8, off int, err error) {
	end := min(IPv6Len+int(ip.PayloadLen()), len(ip))
	proto, off, frag, fail := walkIPv6(ip[:end], IPv6Len, ip.NextHeader())
	switch {
	case fail == FlagTruncated:
		return 0, 0, ErrTruncated
	case fail == FlagMalformed:
		return 0, 0, ErrMalformed
	case frag == fragLater:
		return proto, off, ErrUnsupported
	}
	return proto, off, nil
}

// findOption walks IPv4 or TCP options (type, length, data; 0 ends the
// list, 1 is a one-byte no-op) and returns the data of the first option of
// type typ.
func findOption(opts []byte, typ uint8) ([]byte, bool) {
	for len(opts) > 0 {
		t := opts[0]
		if t == 0 {
			return nil, false
		}
		if t == 1 {
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || opts[1] < 2 || int(opts[1]) > len(opts) {
			return nil, false
		}
		if t == typ {
			return opts[2:opts[1]], true
		}
		opts = opts[opts[1]:]
	}
	return nil, false
}
