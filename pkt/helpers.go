package pkt

import "encoding/binary"

// SwapMACs exchanges the source and destination MAC addresses of the
// Ethernet frame b in place. It returns ErrTruncated, leaving b unchanged,
// if b is shorter than 12 bytes.
func SwapMACs(b []byte) error {
	if len(b) < 12 {
		return ErrTruncated
	}
	swapMACs((*[12]byte)(b))
	return nil
}

// swapMACs exchanges the two 6-byte halves of a, in two loads and two
// stores: a holds d0..d5 s0..s5 and becomes s0..s5 d0..d5. Little-endian
// loads put byte k at bit 8k, which needs no byte swapping on x86 or
// arm64.
func swapMACs(a *[12]byte) {
	x := binary.LittleEndian.Uint64(a[0:8])  // d0..d5 s0 s1
	y := binary.LittleEndian.Uint32(a[8:12]) // s2..s5
	binary.LittleEndian.PutUint64(a[0:8], x>>48|uint64(y)<<16|x<<48)
	binary.LittleEndian.PutUint32(a[8:12], uint32(x>>16))
}

// SwapFiveTuple turns a packet around in place, like the 5tswap forwarding
// mode of dpdk-testpmd: it swaps the MAC addresses, then the IPv4 or IPv6
// source and destination addresses if the packet is IP, then the UDP or TCP
// ports if it holds a UDP or TCP header. p must come from Parse(b); layers
// that Parse could not parse are left alone, so a packet that Parse rejected
// is turned around only as far as it was parsed, and a fragment other than
// the first keeps its ports (they are in the first fragment).
//
// Swapping source and destination keeps every checksum valid, because a
// ones'-complement sum does not depend on the order of its terms; the one
// exception is the L4 checksum of a source-routed packet, whose
// pseudo-header holds the final destination instead of the destination
// address (see L4Checksum). It returns ErrTruncated, leaving b unchanged, if
// p does not fit b.
func SwapFiveTuple(b []byte, p *Parsed) error {
	l3, l4 := p.L3Offset, p.L4Offset
	ip4 := p.L3Proto == L3IPv4 && p.L3Len >= IPv4MinLen
	ip6 := p.L3Proto == L3IPv6 && p.L3Len >= IPv6Len
	ports := (ip4 || ip6) && p.L4Len > 0 && (p.L4Proto == ProtoUDP || p.L4Proto == ProtoTCP)
	switch {
	case p.L2Len < EthernetLen || len(b) < EthernetLen,
		ip4 && (l3 < 0 || l3 > len(b)-IPv4MinLen),
		ip6 && (l3 < 0 || l3 > len(b)-IPv6Len),
		ports && (l4 < 0 || l4 > len(b)-4):
		return ErrTruncated
	}
	swapMACs((*[12]byte)(b))
	switch {
	case ip4:
		h := (*[IPv4MinLen]byte)(b[l3 : l3+IPv4MinLen])
		swapIPv4Addrs((*[8]byte)(h[ipv4SrcOff:]))
	case ip6:
		h := (*[IPv6Len]byte)(b[l3 : l3+IPv6Len])
		swapIPv6Addrs((*[32]byte)(h[ipv6SrcOff:]))
	}
	if ports {
		swapPorts((*[4]byte)(b[l4 : l4+4]))
	}
	return nil
}

// The swaps below take fixed-size arrays: the caller's conversion is the
// one bound check, which a caller that checked its lengths first does
// not even pay (go build -gcflags=-d=ssa/check_bce shows none in the
// fast path).

// swapIPv4Addrs exchanges an IPv4 header's source and destination, the
// 8 bytes a from the source address on.
func swapIPv4Addrs(a *[8]byte) {
	v := binary.BigEndian.Uint64(a[:])
	binary.BigEndian.PutUint64(a[:], v<<32|v>>32)
}

// swapIPv6Addrs exchanges an IPv6 header's source and destination, the
// 32 bytes a from the source address on.
func swapIPv6Addrs(a *[32]byte) {
	s0, s1 := binary.BigEndian.Uint64(a[0:8]), binary.BigEndian.Uint64(a[8:16])
	d0, d1 := binary.BigEndian.Uint64(a[16:24]), binary.BigEndian.Uint64(a[24:32])
	binary.BigEndian.PutUint64(a[0:8], d0)
	binary.BigEndian.PutUint64(a[8:16], d1)
	binary.BigEndian.PutUint64(a[16:24], s0)
	binary.BigEndian.PutUint64(a[24:32], s1)
}

// swapPorts exchanges the source and destination ports of a UDP or TCP
// header, its first 4 bytes a.
func swapPorts(a *[4]byte) {
	v := binary.BigEndian.Uint32(a[:])
	binary.BigEndian.PutUint32(a[:], v<<16|v>>16)
}

// SwapFiveTupleFast is Parse and SwapFiveTuple in one pass, for the
// packets a forwarder mostly sees: untagged Ethernet, IPv4 (not a
// fragment) or IPv6 without extension headers, carrying UDP or TCP. For
// those it turns the packet around, with exactly the result of
// Parse(b, &p) and SwapFiveTuple(b, &p), and returns true. For any other
// packet, well-formed or not, it returns false and leaves b unchanged:
// the caller then takes the general path, which parses everything and
// says why a packet is malformed.
//
// It reads the headers once and checks every bound once, which makes it
// several times cheaper than the general path (see the benchmarks).
func SwapFiveTupleFast(b []byte) bool {
	if len(b) < EthernetLen+IPv4MinLen {
		return false
	}
	eth := (*[EthernetLen]byte)(b)
	var l4 []byte // the transport header and what follows, to the IP end
	var proto uint8
	var ip4 *[IPv4MinLen]byte // the IP header, one of the two
	var ip6 *[IPv6Len]byte
	switch binary.BigEndian.Uint16(eth[12:14]) {
	case EtherTypeIPv4:
		ip := b[EthernetLen:]
		h := (*[IPv4MinLen]byte)(ip)
		hl := int(h[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(h[2:4]))
		if h[0]>>4 != 4 || hl < IPv4MinLen || total < hl || total > len(ip) ||
			binary.BigEndian.Uint16(h[6:8])&ipv4FragMask != 0 {
			return false
		}
		l4, proto, ip4 = ip[hl:total], h[9], h
	case EtherTypeIPv6:
		if len(b) < EthernetLen+IPv6Len {
			return false
		}
		ip := b[EthernetLen:]
		h := (*[IPv6Len]byte)(ip)
		end := IPv6Len + int(binary.BigEndian.Uint16(h[4:6]))
		if h[0]>>4 != 6 || end > len(ip) {
			return false
		}
		l4, proto, ip6 = ip[IPv6Len:end], h[6], h
	default:
		return false
	}
	// The last checks, each followed by the first write: the ports.
	switch proto {
	case ProtoUDP:
		if len(l4) < UDPLen {
			return false
		}
		if ul := int(binary.BigEndian.Uint16(l4[4:6])); ul < UDPLen || ul > len(l4) {
			return false
		}
		swapPorts((*[4]byte)(l4[:UDPLen]))
	case ProtoTCP:
		if len(l4) < TCPMinLen {
			return false
		}
		if n := int(l4[12]>>4) * 4; n < TCPMinLen || n > len(l4) {
			return false
		}
		swapPorts((*[4]byte)(l4[:TCPMinLen]))
	default:
		return false
	}
	if ip4 != nil {
		swapIPv4Addrs((*[8]byte)(ip4[ipv4SrcOff:]))
	} else {
		swapIPv6Addrs((*[32]byte)(ip6[ipv6SrcOff:]))
	}
	swapMACs((*[12]byte)(eth[:12]))
	return true
}

// DecrementTTL decrements the IPv4 TTL, updating the header checksum
// incrementally (RFC 1624), or the IPv6 hop limit of the parsed packet b, as
// a router does before forwarding. It reports whether the packet may be
// forwarded: it returns false, leaving b unchanged, if the TTL or hop limit
// is 0 or 1 (the router must drop the packet, and may answer with an ICMP
// time exceeded), if the packet is not IP, or if its IP header was not
// parsed. p must come from Parse(b).
func DecrementTTL(b []byte, p *Parsed) bool {
	l3 := p.L3Offset
	switch p.L3Proto {
	case L3IPv4:
		if p.L3Len < IPv4MinLen || l3 < 0 || l3 > len(b)-IPv4MinLen {
			return false
		}
		ip := b[l3 : l3+IPv4MinLen]
		ttl := ip[ipv4TTLOff]
		if ttl <= 1 {
			return false
		}
		ip[ipv4TTLOff] = ttl - 1
		c := binary.BigEndian.Uint16(ip[ipv4CsumOff:])
		binary.BigEndian.PutUint16(ip[ipv4CsumOff:], UpdateChecksum16(c, uint16(ttl)<<8, uint16(ttl-1)<<8))
		return true
	case L3IPv6:
		if p.L3Len < IPv6Len || l3 < 0 || l3 > len(b)-IPv6Len {
			return false
		}
		if b[l3+ipv6HLimOff] <= 1 {
			return false
		}
		b[l3+ipv6HLimOff]--
		return true
	}
	return false
}
