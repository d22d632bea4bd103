package pkt

import "encoding/binary"

// The Rewrite functions change an address or port of a parsed packet in
// place and update the checksums that cover it incrementally (RFC 1624), as
// a NAT does: the IPv4 header checksum for IPv4 addresses, and the UDP, TCP
// or ICMPv6 checksum, whose pseudo-header holds the addresses. A UDP over
// IPv4 checksum of 0 (none) is left at 0. The L4 checksum is updated only
// when the packet holds the L4 header, so not in fragments other than the
// first, and not for a destination address that the pseudo-header does not
// hold because the packet is source-routed (see L4Checksum). Each returns ErrUnsupported, leaving b unchanged, if the packet has
// no such field, and ErrTruncated if p does not fit b. p must come from
// Parse(b).

// RewriteIPv4Src sets the IPv4 source address, updating checksums.
func RewriteIPv4Src(b []byte, p *Parsed, a [4]byte) error {
	return rewriteIPv4(b, p, ipv4SrcOff, a)
}

// RewriteIPv4Dst sets the IPv4 destination address, updating checksums.
func RewriteIPv4Dst(b []byte, p *Parsed, a [4]byte) error {
	return rewriteIPv4(b, p, ipv4SrcOff+4, a)
}

// RewriteIPv6Src sets the IPv6 source address, updating the L4 checksum.
func RewriteIPv6Src(b []byte, p *Parsed, a [16]byte) error {
	return rewriteIPv6(b, p, ipv6SrcOff, &a)
}

// RewriteIPv6Dst sets the IPv6 destination address, updating the L4
// checksum.
func RewriteIPv6Dst(b []byte, p *Parsed, a [16]byte) error {
	return rewriteIPv6(b, p, ipv6SrcOff+16, &a)
}

// RewriteSrcPort sets the UDP or TCP source port, updating the checksum.
func RewriteSrcPort(b []byte, p *Parsed, port uint16) error {
	return rewritePort(b, p, 0, port)
}

// RewriteDstPort sets the UDP or TCP destination port, updating the
// checksum.
func RewriteDstPort(b []byte, p *Parsed, port uint16) error {
	return rewritePort(b, p, 2, port)
}

func rewriteIPv4(b []byte, p *Parsed, off int, a [4]byte) error {
	l3 := p.L3Offset
	if p.L3Proto != L3IPv4 || p.L3Len < IPv4MinLen {
		return ErrUnsupported
	}
	if l3 < 0 || l3 > len(b)-p.L3Len {
		return ErrTruncated
	}
	f := l4CsumField(b, p, true)
	if f == nil && p.L4Len > 0 && pseudoCovered(p) {
		return ErrTruncated
	}
	if f != nil && &finalDst(b, p)[0] != &b[l3+ipv4SrcOff+4] && off != ipv4SrcOff {
		f = nil // a source-routed destination: not in the pseudo-header
	}
	field := b[l3+off : l3+off+4]
	old := binary.BigEndian.Uint32(field)
	to := binary.BigEndian.Uint32(a[:])
	binary.BigEndian.PutUint32(field, to)
	ip := b[l3 : l3+IPv4MinLen]
	binary.BigEndian.PutUint16(ip[ipv4CsumOff:], UpdateChecksum32(binary.BigEndian.Uint16(ip[ipv4CsumOff:]), old, to))
	if f != nil {
		updateL4(f, p, UpdateChecksum32(binary.BigEndian.Uint16(f), old, to))
	}
	return nil
}

func rewriteIPv6(b []byte, p *Parsed, off int, a *[16]byte) error {
	l3 := p.L3Offset
	if p.L3Proto != L3IPv6 || p.L3Len < IPv6Len {
		return ErrUnsupported
	}
	if l3 < 0 || l3 > len(b)-p.L3Len {
		return ErrTruncated
	}
	f := l4CsumField(b, p, true)
	if f == nil && p.L4Len > 0 && pseudoCovered(p) {
		return ErrTruncated
	}
	if f != nil && &finalDst(b, p)[0] != &b[l3+ipv6SrcOff+16] && off != ipv6SrcOff {
		f = nil // a source-routed destination: not in the pseudo-header
	}
	field := b[l3+off : l3+off+16]
	if f != nil {
		updateL4(f, p, UpdateChecksumBytes(binary.BigEndian.Uint16(f), field, a[:]))
	}
	copy(field, a[:])
	return nil
}

func rewritePort(b []byte, p *Parsed, off int, port uint16) error {
	if p.L4Len == 0 || (p.L4Proto != ProtoUDP && p.L4Proto != ProtoTCP) {
		return ErrUnsupported
	}
	f := l4CsumField(b, p, false)
	l4 := p.L4Offset
	if f == nil || l4 < 0 || l4 > len(b)-4 {
		return ErrTruncated
	}
	field := b[l4+off : l4+off+2]
	old := binary.BigEndian.Uint16(field)
	binary.BigEndian.PutUint16(field, port)
	updateL4(f, p, UpdateChecksum16(binary.BigEndian.Uint16(f), old, port))
	return nil
}

// pseudoCovered reports whether the L4 checksum of p covers the IP
// addresses.
func pseudoCovered(p *Parsed) bool {
	switch p.L4Proto {
	case ProtoUDP, ProtoTCP:
		return true
	case ProtoICMPv6:
		return p.L3Proto == L3IPv6
	}
	return false
}

// l4CsumField returns the 2-byte L4 checksum field of p in b, or nil if the
// packet has none, if it does not cover the addresses and addrs is true, or
// if it lies outside b.
func l4CsumField(b []byte, p *Parsed, addrs bool) []byte {
	if p.L4Len == 0 {
		return nil
	}
	var off int
	switch {
	case p.L4Proto == ProtoUDP:
		off = udpCsumOff
	case p.L4Proto == ProtoTCP:
		off = tcpCsumOff
	case addrs && pseudoCovered(p):
		off = icmpCsumOff
	default:
		return nil
	}
	l4 := p.L4Offset
	if l4 <= 0 || l4 > len(b)-off-2 {
		return nil
	}
	return b[l4+off : l4+off+2]
}

// updateL4 stores the updated checksum c in field f, keeping a UDP checksum
// of 0 at 0 (none, over IPv4) and storing a computed UDP 0 as 0xffff.
func updateL4(f []byte, p *Parsed, c uint16) {
	if p.L4Proto == ProtoUDP {
		if f[0] == 0 && f[1] == 0 {
			return
		}
		if c == 0 {
			c = 0xffff
		}
	}
	binary.BigEndian.PutUint16(f, c)
}
