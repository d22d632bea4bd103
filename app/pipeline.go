package app

import (
	"encoding/binary"

	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/pkt"
)

// Spread returns the handler of a two-stage pipeline. Bursts received
// from rx queues are spread over rings (indexes in Config.Rings) by
// FlowHash, so that every packet of a flow goes to the same ring, and
// stays in order; bursts that come from a ring are handed to work,
// which runs on the ring's lcore.
//
// A typical configuration: one rx lcore polls the ports and fills one
// ring per worker lcore; each worker polls its ring and transmits:
//
//	cfg.Lcores = []app.LcoreConfig{{Lcore: 1, Rx: []app.Queue{{Port: 0}}}, {Lcore: 2}, {Lcore: 3}}
//	cfg.Rings = []app.RingConfig{{From: []uint{1}, To: 2}, {From: []uint{1}, To: 3}}
//	app.Run(ctx, cfg, app.Spread([]int{0, 1}, work))
func Spread(rings []int, work Handler) Handler {
	n := uint32(len(rings))
	return func(c *Ctx, pkts []*mbuf.Mbuf) {
		if c.FromRing() >= 0 {
			work(c, pkts)
			return
		}
		if n == 0 {
			return // no verdicts: counted as DropUnhandled
		}
		for i, m := range pkts {
			c.ToRing(i, rings[FlowHash(m)%n])
		}
	}
}

// FlowHash is a hash of m's flow: the NIC's RSS hash when the NIC gave
// one, else a hash of the IP addresses and UDP/TCP ports (the same for
// both directions of a flow), or 0 for a packet that is not IP.
func FlowHash(m *mbuf.Mbuf) uint32 {
	if m.OlFlags()&mbuf.RxRSSHash != 0 {
		return m.RSSHash()
	}
	var p pkt.Parsed
	b := m.Data()
	_ = pkt.ParseLen(b, m.PktLen(), &p) // what parsed is enough to hash
	if p.L3Len == 0 {
		return 0
	}
	var h uint32
	switch p.L3Proto {
	case pkt.L3IPv4:
		ip := b[p.L3Offset:]
		h = binary.BigEndian.Uint32(ip[12:16]) ^ binary.BigEndian.Uint32(ip[16:20])
	case pkt.L3IPv6:
		ip := b[p.L3Offset:]
		for i := 8; i < 24; i += 4 {
			h ^= binary.BigEndian.Uint32(ip[i:i+4]) ^ binary.BigEndian.Uint32(ip[i+16:i+20])
		}
	default:
		return 0
	}
	if p.L4Len > 0 && (p.L4Proto == pkt.ProtoUDP || p.L4Proto == pkt.ProtoTCP) {
		l4 := b[p.L4Offset:]
		h ^= uint32(binary.BigEndian.Uint16(l4[0:2]) ^ binary.BigEndian.Uint16(l4[2:4]))
		h ^= uint32(p.L4Proto) << 24
	}
	// Mix (murmur3's finaliser), so that a modulo spreads well.
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}
