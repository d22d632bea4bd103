package pkt

import "encoding/binary"

// L3Proto identifies the network-layer protocol found by Parse.
type L3Proto uint8

// Network-layer protocols reported in Parsed.L3Proto.
const (
	L3None  L3Proto = iota // no network layer: the Ethernet header was not parsed
	L3IPv4                 // IPv4, EtherType 0x0800
	L3IPv6                 // IPv6, EtherType 0x86dd
	L3ARP                  // ARP, EtherType 0x0806
	L3Other                // any other EtherType, including 802.3 length fields
)

// String returns the protocol name.
func (p L3Proto) String() string {
	switch p {
	case L3None:
		return "none"
	case L3IPv4:
		return "IPv4"
	case L3IPv6:
		return "IPv6"
	case L3ARP:
		return "ARP"
	case L3Other:
		return "other"
	}
	return "invalid"
}

// Flags describe properties of a parsed packet.
type Flags uint8

// Flags reported in Parsed.Flags.
const (
	// FlagTruncated: the buffer ends inside a header or before the length
	// announced by a header. Parse returns ErrTruncated.
	FlagTruncated Flags = 1 << iota
	// FlagMalformed: a header has inconsistent fields. Parse returns
	// ErrMalformed.
	FlagMalformed
	// FlagFragment: the packet is an IPv4 fragment (MF set or fragment
	// offset not zero) or an IPv6 fragment (fragment header with M set or
	// offset not zero). The L4 header is parsed only in the first fragment.
	FlagFragment
	// FlagIPOptions: the IPv4 header has options, or the IPv6 header is
	// followed by extension headers.
	FlagIPOptions
)

// Parsed is the result of Parse: where each layer of a packet starts, how
// long its header is and which protocol it carries. Offsets are from the
// start of the buffer given to Parse. Parsed holds no pointers, so it can
// live on the stack.
type Parsed struct {
	// L2Len is the length of the Ethernet header, VLAN tags included:
	// 14, 18 or 22.
	L2Len int
	// VLANs is the number of VLAN tags (0x8100 or 0x88a8) walked through,
	// at most 2.
	VLANs int
	// VLANID holds the 12-bit VLAN identifiers, outermost first.
	VLANID [MaxVLANs]uint16
	// EtherType is the EtherType of the network layer, after VLAN tags. It is
	// EtherTypeVLAN or EtherTypeQinQ if a third tag follows two tags; such a
	// packet has L3Proto L3Other.
	EtherType uint16
	// L3Proto is the network-layer protocol.
	L3Proto L3Proto
	// L3Offset is the offset of the network-layer header (equal to L2Len).
	L3Offset int
	// L3Len is the network-layer header length: the IPv4 header with
	// options, the IPv6 header with all extension headers, or the ARP
	// packet. It is 0 for L3Other and for a header that failed to parse.
	L3Len int
	// L4Proto is the IP protocol number of the upper layer, after IPv6
	// extension headers (for example ProtoUDP, ProtoTCP, ProtoICMP,
	// ProtoICMPv6, ProtoESP or ProtoNoNext). It is valid when L3Len > 0 and
	// L3Proto is L3IPv4 or L3IPv6.
	L4Proto uint8
	// L4Offset is the offset of the upper-layer header. It is 0 when there
	// is no upper-layer header in the packet: no IP, or a fragment other
	// than the first.
	L4Offset int
	// L4Len is the upper-layer header length: 8 for UDP, ICMP and ICMPv6,
	// 20 to 60 for TCP (options included). It is 0 for other protocols and
	// for a header that failed to parse.
	L4Len int
	// PayloadOffset is the offset of the data after the last parsed header.
	// For an unknown upper-layer protocol it equals L4Offset.
	PayloadOffset int
	// PayloadLen is the length of that data. For IP it ends where the IP
	// packet ends, so it excludes Ethernet padding; for ARP it is 0; for
	// other EtherTypes it runs to the end of the buffer.
	PayloadLen int
	// Flags describe the packet.
	Flags Flags
}

// HasL4 reports whether the packet holds a parsed upper-layer header of
// known length (UDP, TCP, ICMP or ICMPv6).
func (p *Parsed) HasL4() bool { return p.L4Len > 0 }

// Parse parses the Ethernet frame b in one pass and fills p with the offset,
// length and protocol of each layer. It reads b only, never past its length,
// does not allocate and does not keep b.
//
// Parse walks up to two VLAN tags, IPv4 (with options), IPv6 (skipping
// hop-by-hop, routing, fragment, destination options and AH extension
// headers, and stopping at ESP, no-next-header and anything else), ARP, and
// the UDP, TCP, ICMP and ICMPv6 headers. Bytes after the end of an IPv4 or
// IPv6 packet, such as Ethernet padding, are ignored.
//
// Parse returns nil, ErrTruncated or ErrMalformed, and sets the matching
// flag. An unknown EtherType or IP protocol is not an error. When Parse
// returns an error, the fields of the layers before the defective one are
// valid; the defective layer has its offset (and for L4 its protocol) set and
// its length 0, and PayloadOffset and PayloadLen are 0; if the Ethernet
// header or a VLAN tag is cut short, p is zero but for its flags. Checks
// made:
//   - Ethernet and VLAN tags must be complete;
//   - IPv4: version 4, header length at least 20, total length at least the
//     header length (else malformed) and at most the bytes present (else
//     truncated);
//   - IPv6: version 6, payload length at most the bytes present, extension
//     headers complete and hop-by-hop only first (a jumbogram, with payload
//     length 0, is reported as truncated);
//   - ARP: the fixed part and the addresses it announces must be present;
//   - UDP: 8 bytes, and (outside fragments) a length field between 8 and the
//     IP payload length; TCP: data offset at least 5, and the header
//     complete; ICMP and ICMPv6: 8 bytes.
//
// A fragment other than the first has FlagFragment, L4Proto set, L4Offset 0,
// and its fragment data as payload.
func Parse(b []byte, p *Parsed) error { return parse(b, len(b), p) }

// ParseLen is Parse for a packet of pktLen bytes whose first len(b) bytes
// are b: the first segment of a chained mbuf (mbuf.Data), with pktLen
// its PktLen. The headers must be in b, as drivers put them in the first
// segment; the lengths the headers announce (IPv4 total length, IPv6
// payload length, UDP length) are checked against pktLen, so a frame
// larger than one segment parses as it would whole. PayloadLen then
// counts the bytes in later segments too. With pktLen <= len(b) it is
// Parse(b[:pktLen], p).
func ParseLen(b []byte, pktLen int, p *Parsed) error {
	if pktLen <= len(b) {
		return parse(b[:max(pktLen, 0)], max(pktLen, 0), p)
	}
	return parse(b, pktLen, p)
}

// parse parses a packet of n >= len(b) bytes whose first bytes are b.
func parse(b []byte, n int, p *Parsed) error {
	*p = Parsed{}
	if len(b) < EthernetLen {
		return p.fail(FlagTruncated)
	}
	et := binary.BigEndian.Uint16(b[12:14])
	off := EthernetLen
	for n := 0; n < MaxVLANs && (et == EtherTypeVLAN || et == EtherTypeQinQ); n++ {
		if len(b) < off+VLANLen {
			*p = Parsed{}
			return p.fail(FlagTruncated)
		}
		tag := b[off : off+VLANLen]
		p.VLANID[n] = binary.BigEndian.Uint16(tag[0:2]) & 0x0fff
		et = binary.BigEndian.Uint16(tag[2:4])
		off += VLANLen
		p.VLANs++
	}
	p.L2Len = off
	p.EtherType = et
	p.L3Offset = off
	switch et {
	case EtherTypeIPv4:
		return parseIPv4(b, n, off, p)
	case EtherTypeIPv6:
		return parseIPv6(b, n, off, p)
	case EtherTypeARP:
		return parseARP(b, off, p)
	}
	p.L3Proto = L3Other
	p.PayloadOffset = off
	p.PayloadLen = n - off
	return nil
}

// fail records flag f and returns the matching error.
func (p *Parsed) fail(f Flags) error {
	p.Flags |= f
	if f == FlagTruncated {
		return ErrTruncated
	}
	return ErrMalformed
}

func parseIPv4(b []byte, n, off int, p *Parsed) error {
	p.L3Proto = L3IPv4
	ip := b[off:]
	if len(ip) < IPv4MinLen {
		return p.fail(FlagTruncated)
	}
	if ip[0]>>4 != 4 {
		return p.fail(FlagMalformed)
	}
	hl := int(ip[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(ip[2:4]))
	switch {
	case hl < IPv4MinLen || total < hl:
		return p.fail(FlagMalformed)
	case total > n-off:
		return p.fail(FlagTruncated)
	}
	if hl > IPv4MinLen {
		p.Flags |= FlagIPOptions
	}
	p.L3Len = hl
	proto := ip[9]
	p.L4Proto = proto
	l4 := off + hl
	end := off + total
	if frag := binary.BigEndian.Uint16(ip[6:8]); frag&ipv4FragMask != 0 {
		p.Flags |= FlagFragment
		if frag&ipv4OffMask != 0 {
			p.PayloadOffset = l4
			p.PayloadLen = end - l4
			return nil
		}
	}
	return parseL4(b[:min(end, len(b))], end, l4, proto, p)
}

func parseIPv6(b []byte, n, off int, p *Parsed) error {
	p.L3Proto = L3IPv6
	ip := b[off:]
	if len(ip) < IPv6Len {
		return p.fail(FlagTruncated)
	}
	if ip[0]>>4 != 6 {
		return p.fail(FlagMalformed)
	}
	end := off + IPv6Len + int(binary.BigEndian.Uint16(ip[4:6]))
	if end > n {
		return p.fail(FlagTruncated)
	}
	proto, cur, frag, fail := walkIPv6(b[:min(end, len(b))], off+IPv6Len, ip[6])
	if fail != 0 {
		return p.fail(fail)
	}
	if cur != off+IPv6Len {
		p.Flags |= FlagIPOptions
	}
	p.L3Len = cur - off
	p.L4Proto = proto
	switch frag {
	case fragFirst:
		p.Flags |= FlagFragment
	case fragLater:
		p.Flags |= FlagFragment
		p.PayloadOffset = cur
		p.PayloadLen = end - cur
		return nil
	}
	return parseL4(b[:min(end, len(b))], end, cur, proto, p)
}

// Fragment kinds reported by walkIPv6.
const (
	fragNone  = iota // no fragment header, or an atomic fragment (RFC 6946)
	fragFirst        // the first fragment: offset 0, M set
	fragLater        // a later fragment: offset not 0
)

// walkIPv6 skips the IPv6 extension headers that start at offset cur of b
// with type next; b ends where the IPv6 packet ends. It returns the
// upper-layer protocol and its offset, the fragment kind, and FlagTruncated
// or FlagMalformed for a defective header. It stops after a fragment header
// of a later fragment, whose next header is in the first fragment.
func walkIPv6(b []byte, cur int, next uint8) (proto uint8, off int, frag int, fail Flags) {
	first := cur
	for {
		var n int
		switch next {
		case ProtoHopOpts, ProtoRouting, ProtoDstOpts:
			if next == ProtoHopOpts && cur != first {
				return 0, 0, 0, FlagMalformed
			}
			if len(b)-cur < ipv6ExtMin {
				return 0, 0, 0, FlagTruncated
			}
			n = (int(b[cur+1]) + 1) * 8
		case ProtoAH:
			if len(b)-cur < ipv6ExtMin {
				return 0, 0, 0, FlagTruncated
			}
			n = (int(b[cur+1]) + 2) * 4
		case ProtoFragment:
			if len(b)-cur < ipv6FragLen {
				return 0, 0, 0, FlagTruncated
			}
			n = ipv6FragLen
			// Fragment offset in the top 13 bits, M in bit 0.
			switch fo := binary.BigEndian.Uint16(b[cur+2 : cur+4]); {
			case fo&0xfff8 != 0:
				return b[cur], cur + n, fragLater, 0
			case fo&1 != 0:
				frag = fragFirst
			}
		default:
			return next, cur, frag, 0
		}
		if len(b)-cur < n {
			return 0, 0, 0, FlagTruncated
		}
		next = b[cur]
		cur += n
	}
}

func parseARP(b []byte, off int, p *Parsed) error {
	p.L3Proto = L3ARP
	a := b[off:]
	if len(a) < 8 {
		return p.fail(FlagTruncated)
	}
	n := 8 + 2*(int(a[4])+int(a[5]))
	if len(a) < n {
		return p.fail(FlagTruncated)
	}
	p.L3Len = n
	p.PayloadOffset = off + n
	return nil
}

// parseL4 parses the upper-layer header at off; the IP packet ends at
// end, and b where it does or where the first segment does.
func parseL4(b []byte, end, off int, proto uint8, p *Parsed) error {
	p.L4Offset = off
	if off > len(b) {
		return p.fail(FlagTruncated) // headers past the first segment
	}
	l4 := b[off:]
	var n int
	switch {
	case proto == ProtoUDP:
		if len(l4) < UDPLen {
			return p.fail(FlagTruncated)
		}
		if p.Flags&FlagFragment == 0 {
			if ul := int(binary.BigEndian.Uint16(l4[4:6])); ul < UDPLen || ul > end-off {
				return p.fail(FlagMalformed)
			}
		}
		n = UDPLen
	case proto == ProtoTCP:
		if len(l4) < TCPMinLen {
			return p.fail(FlagTruncated)
		}
		n = int(l4[12]>>4) * 4
		if n < TCPMinLen {
			return p.fail(FlagMalformed)
		}
		if n > len(l4) {
			return p.fail(FlagTruncated)
		}
	case proto == ProtoICMP && p.L3Proto == L3IPv4,
		proto == ProtoICMPv6 && p.L3Proto == L3IPv6:
		if len(l4) < ICMPLen {
			return p.fail(FlagTruncated)
		}
		n = ICMPLen
	}
	p.L4Len = n
	p.PayloadOffset = off + n
	p.PayloadLen = end - off - n
	return nil
}
