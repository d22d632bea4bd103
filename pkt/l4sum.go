package pkt

import "encoding/binary"

// l4Span locates the upper-layer message of a parsed packet for checksum
// work. It returns the message (header and payload, up to the end of the IP
// packet, or up to the UDP length for UDP), the offset of the checksum field
// in it, and the pseudo-header sum for the message length (0 for ICMPv4).
// withPseudoLen false puts 0 as length in the pseudo-header, as TSO wants.
// It checks p against b so that a Parsed that does not describe b cannot
// cause an out-of-range access.
func l4Span(b []byte, p *Parsed, withPseudoLen bool) (msg []byte, csumOff int, pseudo uint64, err error) {
	if p.L4Len == 0 || p.Flags&(FlagFragment|FlagTruncated|FlagMalformed) != 0 {
		return nil, 0, 0, ErrUnsupported
	}
	l3, l4, end := p.L3Offset, p.L4Offset, p.PayloadOffset+p.PayloadLen
	var minL3 int
	switch p.L3Proto {
	case L3IPv4:
		minL3 = IPv4MinLen
	case L3IPv6:
		minL3 = IPv6Len
	default:
		return nil, 0, 0, ErrUnsupported
	}
	if l3 < 0 || p.L3Len < minL3 || l4 < l3+p.L3Len || end < l4+p.L4Len || end > len(b) || p.L4Len < UDPLen {
		return nil, 0, 0, ErrTruncated
	}
	msg = b[l4:end]
	proto := p.L4Proto
	switch {
	case proto == ProtoUDP:
		ul := int(binary.BigEndian.Uint16(msg[4:6]))
		if ul < UDPLen || ul > len(msg) {
			return nil, 0, 0, ErrMalformed
		}
		msg = msg[:ul]
		csumOff = udpCsumOff
	case proto == ProtoTCP && p.L4Len >= TCPMinLen:
		csumOff = tcpCsumOff
	case proto == ProtoICMP && p.L3Proto == L3IPv4:
		return msg, icmpCsumOff, 0, nil
	case proto == ProtoICMPv6 && p.L3Proto == L3IPv6:
		csumOff = icmpCsumOff
	default:
		return nil, 0, 0, ErrUnsupported
	}
	n := uint32(len(msg))
	if !withPseudoLen {
		n = 0
	}
	dst := finalDst(b, p)
	if p.L3Proto == L3IPv4 {
		pseudo = uint64(binary.BigEndian.Uint32(b[l3+ipv4SrcOff:])) + uint64(binary.BigEndian.Uint32(dst)) +
			uint64(proto) + uint64(uint16(n))
	} else {
		pseudo = pseudoSum6(b[l3+ipv6SrcOff:l3+ipv6SrcOff+16], dst, proto, n)
	}
	return msg, csumOff, pseudo, nil
}

// IPv4 options that carry a source route.
const (
	ipv4OptLSRR = 131
	ipv4OptSSRR = 137
)

// finalDst returns the destination address that the upper-layer
// pseudo-header uses: the last address of an IPv4 loose or strict source
// route (RFC 791) that is not used up, the final address of an IPv6 routing
// header of type 0, 2 or 4 with segments left (RFC 8200 section 8.1), or
// else the destination address of the header. The caller has checked that
// the IP header of p, L3Len included, lies within b.
func finalDst(b []byte, p *Parsed) []byte {
	l3 := p.L3Offset
	if p.L3Proto == L3IPv4 {
		dst := b[l3+ipv4SrcOff+4 : l3+ipv4SrcOff+8]
		for opts := b[l3+IPv4MinLen : l3+p.L3Len]; len(opts) > 0; {
			t := opts[0]
			if t == 0 {
				break
			}
			if t == 1 {
				opts = opts[1:]
				continue
			}
			if len(opts) < 2 || opts[1] < 2 || int(opts[1]) > len(opts) {
				break
			}
			if data := opts[2:opts[1]]; t == ipv4OptLSRR || t == ipv4OptSSRR {
				// data[0] is the pointer, counted from the option type; it
				// exceeds the option length once the route is used up.
				if n := len(data); n >= 5 && int(data[0]) <= n+2 {
					return data[n-4:]
				}
			}
			opts = opts[opts[1]:]
		}
		return dst
	}
	dst := b[l3+ipv6SrcOff+16 : l3+ipv6SrcOff+32]
	next, cur, end := b[l3+6], l3+IPv6Len, l3+p.L3Len
	for end-cur >= ipv6ExtMin && (next == ProtoHopOpts || next == ProtoDstOpts || next == ProtoRouting) {
		n := (int(b[cur+1]) + 1) * 8
		if end-cur < n {
			break
		}
		if next == ProtoRouting && b[cur+3] > 0 {
			addrs := (n - 8) / 16
			if addrs == 0 {
				break
			}
			switch b[cur+2] {
			case 0, 2: // source route (deprecated), type 2 (mobile IPv6): last address
				a := cur + 8 + (addrs-1)*16
				return b[a : a+16]
			case 4: // segment routing: segment list[0] is the final one
				return b[cur+8 : cur+24]
			}
			break
		}
		next = b[cur]
		cur += n
	}
	return dst
}

// L4Checksum computes the checksum of the UDP, TCP, ICMPv4 or ICMPv6
// message of the parsed packet b, with the checksum field taken as zero and,
// except for ICMPv4, the IPv4 or IPv6 pseudo-header included. A computed UDP
// checksum of 0 is returned as 0xffff (RFC 768). p must come from Parse(b).
//
// The message runs to the end of the IP packet, or to the UDP length for
// UDP. It returns ErrUnsupported for other protocols, for fragments (whose
// checksum covers data in other packets) and for packets that failed to
// parse. The pseudo-header holds the final destination of a source-routed
// packet (IPv4 LSRR or SSRR option, IPv6 routing header with segments left),
// as RFC 791 and RFC 8200 require.
func L4Checksum(b []byte, p *Parsed) (uint16, error) {
	msg, off, s, err := l4Span(b, p, true)
	if err != nil {
		return 0, err
	}
	s = Sum(msg[:off], s)
	s = Sum(msg[off+2:], s)
	c := ^Fold(s)
	if c == 0 && p.L4Proto == ProtoUDP {
		c = 0xffff
	}
	return c, nil
}

// SetL4Checksum computes the L4 checksum as L4Checksum does and stores it in
// the packet.
func SetL4Checksum(b []byte, p *Parsed) error {
	c, err := L4Checksum(b, p)
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint16(b[p.L4Offset+l4CsumOff(p.L4Proto):], c)
	return nil
}

// VerifyL4Checksum reports whether the L4 checksum of the parsed packet b is
// correct. A UDP checksum of 0 (no checksum) is accepted over IPv4 and
// rejected over IPv6. It returns false for packets L4Checksum does not support.
func VerifyL4Checksum(b []byte, p *Parsed) bool {
	msg, off, s, err := l4Span(b, p, true)
	if err != nil {
		return false
	}
	if p.L4Proto == ProtoUDP && msg[off] == 0 && msg[off+1] == 0 {
		// No checksum: allowed over IPv4, forbidden over IPv6 (RFC 8200).
		return p.L3Proto == L3IPv4
	}
	return Fold(Sum(msg, s)) == 0xffff
}

// l4CsumOff returns the offset of the checksum field in the L4 header of a
// protocol that l4Span accepted.
func l4CsumOff(proto uint8) int {
	switch proto {
	case ProtoUDP:
		return udpCsumOff
	case ProtoTCP:
		return tcpCsumOff
	}
	return icmpCsumOff
}

// SetPseudoHeaderChecksum prepares a UDP or TCP packet for transmit
// checksum offload: it stores in the L4 checksum field the folded,
// uncomplemented sum of the IPv4 or IPv6 pseudo-header, as DPDK's
// rte_ipv4_phdr_cksum and rte_ipv6_phdr_cksum compute it when no TSO is
// requested. The NIC then adds the L4 message and stores the complement.
// The lengths it needs are Parsed.L2Len, L3Len and L4Len. It returns
// ErrUnsupported for other protocols and for fragments.
func SetPseudoHeaderChecksum(b []byte, p *Parsed) error {
	return setPseudo(b, p, true)
}

// SetPseudoHeaderChecksumTSO is SetPseudoHeaderChecksum for TCP
// segmentation offload: the pseudo-header length is taken as 0, as DPDK
// requires when RTE_MBUF_F_TX_TCP_SEG is set.
func SetPseudoHeaderChecksumTSO(b []byte, p *Parsed) error {
	return setPseudo(b, p, false)
}

func setPseudo(b []byte, p *Parsed, withLen bool) error {
	if p.L4Proto != ProtoUDP && p.L4Proto != ProtoTCP {
		return ErrUnsupported
	}
	msg, off, s, err := l4Span(b, p, withLen)
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint16(msg[off:], Fold(s))
	return nil
}
