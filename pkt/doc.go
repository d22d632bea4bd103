// Package pkt reads and rewrites packet headers in place, without copying
// and without allocating, for forwarders that run at line rate.
//
// The package works on plain byte slices, such as the data of a DPDK mbuf,
// and never keeps them. It has three parts:
//
//   - Parse finds, in one pass, the offset, length and protocol of the
//     Ethernet (with up to two VLAN tags), ARP, IPv4, IPv6 (extension
//     headers skipped), UDP, TCP, ICMP and ICMPv6 headers of a frame, into a
//     Parsed value that can live on the stack. It checks every length against
//     the buffer and against the other headers, so a hostile packet yields
//     ErrTruncated or ErrMalformed, never a panic or an out-of-range read.
//   - Views (Ethernet, VLAN, ARP, IPv4, IPv6, UDP, TCP, ICMP) are byte-slice
//     types whose getters and setters read and write header fields in place,
//     in network byte order. Build them with NewEthernet, NewIPv4 and so on,
//     which check the length once, or convert a slice at an offset that
//     Parse validated, such as pkt.UDP(b[p.L4Offset:]).
//   - Checksums and helpers: Sum, Checksum and Fold compute Internet
//     checksums; L4Checksum, SetL4Checksum and VerifyL4Checksum handle
//     UDP, TCP, ICMPv4 and ICMPv6 with their pseudo-headers;
//     UpdateChecksum16 and UpdateChecksum32 update a checksum incrementally
//     (RFC 1624); SetPseudoHeaderChecksum prepares transmit checksum offload.
//     SwapMACs, SwapFiveTuple, DecrementTTL, the Rewrite functions and
//     Template implement what forwarding modes and generators need.
//
// # A receive loop
//
// A forwarder that answers each packet to its sender, like dpdk-testpmd's
// 5tswap mode, and routes it like a router:
//
//	for _, m := range burst {
//		b := m.Data()
//		var p pkt.Parsed
//		if err := pkt.Parse(b, &p); err != nil {
//			drop(m) // truncated or malformed: never trust the wire
//			continue
//		}
//		if !pkt.DecrementTTL(b, &p) {
//			drop(m) // TTL or hop limit expired, or not IP
//			continue
//		}
//		pkt.SwapFiveTuple(b, &p) // checksums stay valid
//		if p.HasL4() && p.L4Proto == pkt.ProtoUDP {
//			u := pkt.UDP(b[p.L4Offset:]) // in bounds: Parse checked it
//			if u.DstPort() == 53 {
//				pkt.RewriteDstPort(b, &p, 5353) // updates the UDP checksum
//			}
//		}
//		send(m)
//	}
//
// Parsed.L2Len, L3Len and L4Len are the lengths DPDK's transmit offload
// wants; SetPseudoHeaderChecksum writes the pseudo-header sum it expects in
// the L4 checksum field.
package pkt
