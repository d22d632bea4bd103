package pkt_test

import (
	"encoding/binary"
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/pkt"
)

var (
	macA = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}
	macB = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}
	ip4A = net.IP{192, 0, 2, 1}
	ip4B = net.IP{198, 51, 100, 7}
	ip6A = net.ParseIP("2001:db8::1")
	ip6B = net.ParseIP("2001:db8:ffff::abcd")
)

// serialize builds a packet with gopacket, fixing lengths and checksums.
func serialize(tb testing.TB, ls ...gopacket.SerializableLayer) []byte {
	tb.Helper()
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true}, ls...)
	require.NoError(tb, err)
	return append([]byte(nil), buf.Bytes()...)
}

func eth(et layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: et}
}

func dot1q(id uint16, prio uint8, et layers.EthernetType) *layers.Dot1Q {
	return &layers.Dot1Q{VLANIdentifier: id, Priority: prio, Type: et}
}

func ipv4(proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, TTL: 64, Id: 0x1234, Flags: layers.IPv4DontFragment,
		Protocol: proto, SrcIP: ip4A, DstIP: ip4B}
}

func ipv6(next layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, HopLimit: 64, TrafficClass: 0xb8, FlowLabel: 0x12345,
		NextHeader: next, SrcIP: ip6A, DstIP: ip6B}
}

func udp(net gopacket.NetworkLayer, sp, dp uint16) *layers.UDP {
	u := &layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}
	if net != nil {
		if err := u.SetNetworkLayerForChecksum(net); err != nil {
			panic(err)
		}
	}
	return u
}

func tcp(net gopacket.NetworkLayer, sp, dp uint16) *layers.TCP {
	t := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp),
		Seq: 0x01020304, Ack: 0x0a0b0c0d, SYN: true, ACK: true, ECE: true, Window: 64240, Urgent: 0,
		Options: []layers.TCPOption{
			{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}},
			{OptionType: layers.TCPOptionKindNop, OptionLength: 1},
			{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{7}},
			{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
			{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10,
				OptionData: []byte{0, 0, 0, 1, 0, 0, 0, 2}},
		}}
	if net != nil {
		if err := t.SetNetworkLayerForChecksum(net); err != nil {
			panic(err)
		}
	}
	return t
}

func icmp4Echo(id, seq uint16) *layers.ICMPv4 {
	return &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: id, Seq: seq}
}

func icmp6(net gopacket.NetworkLayer, typ, code uint8) *layers.ICMPv6 {
	c := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(typ, code)}
	if err := c.SetNetworkLayerForChecksum(net); err != nil {
		panic(err)
	}
	return c
}

func arpReq() *layers.ARP {
	return &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: layers.ARPRequest,
		SourceHwAddress: macA, SourceProtAddress: ip4A.To4(),
		DstHwAddress: make([]byte, 6), DstProtAddress: ip4B.To4()}
}

func payload(n int) gopacket.Payload {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + 3)
	}
	return p
}

// IPv6 extension headers built by hand (gopacket cannot serialize AH).
func extHopByHop(next uint8) []byte { return []byte{next, 0, 1, 4, 0, 0, 0, 0} }

func extRouting(next uint8) []byte {
	h := []byte{next, 2, 0, 0, 0, 0, 0, 0}
	return append(h, ip6B...)
}

func extFragment(next uint8, off uint16, more bool) []byte {
	h := []byte{next, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef}
	fo := off << 3
	if more {
		fo |= 1
	}
	binary.BigEndian.PutUint16(h[2:4], fo)
	return h
}

func extDstOpts(next uint8) []byte {
	return []byte{next, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
}

func extAH(next uint8) []byte {
	h := make([]byte, 24)
	h[0], h[1] = next, 4
	binary.BigEndian.PutUint32(h[4:8], 0x100)
	binary.BigEndian.PutUint32(h[8:12], 1)
	return h
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// pad extends a frame with zero bytes to the 60-byte Ethernet minimum.
func pad(b []byte) []byte {
	for len(b) < 60 {
		b = append(b, 0)
	}
	return b
}

type sample struct {
	name string
	b    []byte
}

// samples returns valid packets of every kind Parse handles.
func samples(tb testing.TB) []sample {
	tb.Helper()
	var s []sample
	add := func(name string, b []byte) { s = append(s, sample{name, b}) }

	v4 := ipv4(layers.IPProtocolUDP)
	add("ipv4-udp", serialize(tb, eth(layers.EthernetTypeIPv4), v4, udp(v4, 1234, 5678), payload(18)))
	v4 = ipv4(layers.IPProtocolUDP)
	add("ipv4-udp-padded", pad(serialize(tb, eth(layers.EthernetTypeIPv4), v4, udp(v4, 35000, 35001), payload(2))))
	v4 = ipv4(layers.IPProtocolUDP)
	add("ipv4-udp-empty", serialize(tb, eth(layers.EthernetTypeIPv4), v4, udp(v4, 1, 2)))
	v4 = ipv4(layers.IPProtocolTCP)
	add("ipv4-tcp-options", serialize(tb, eth(layers.EthernetTypeIPv4), v4, tcp(v4, 443, 51000), payload(100)))
	v4 = ipv4(layers.IPProtocolUDP)
	v4.Options = []layers.IPv4Option{{OptionType: 148, OptionLength: 4, OptionData: []byte{0, 0}},
		{OptionType: 1, OptionLength: 1}, {OptionType: 0x44, OptionLength: 12, OptionData: make([]byte, 10)}}
	add("ipv4-options-udp", serialize(tb, eth(layers.EthernetTypeIPv4), v4, udp(v4, 7, 9), payload(33)))
	add("ipv4-icmp-echo", serialize(tb, eth(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolICMPv4), icmp4Echo(0x42, 7), payload(56)))
	v4 = ipv4(layers.IPProtocolUDP)
	add("vlan-ipv4-udp", serialize(tb, eth(layers.EthernetTypeDot1Q), dot1q(100, 3, layers.EthernetTypeIPv4), v4, udp(v4, 41000, 41001), payload(64)))
	v4 = ipv4(layers.IPProtocolTCP)
	add("qinq-ipv4-tcp", serialize(tb, eth(layers.EthernetTypeQinQ), dot1q(200, 5, layers.EthernetTypeDot1Q),
		dot1q(4000, 1, layers.EthernetTypeIPv4), v4, tcp(v4, 22, 40000), payload(10)))
	v6 := ipv6(layers.IPProtocolUDP)
	add("qinq-ipv6-udp", serialize(tb, eth(layers.EthernetTypeDot1Q), dot1q(1, 0, layers.EthernetTypeDot1Q),
		dot1q(4095, 7, layers.EthernetTypeIPv6), v6, udp(v6, 34000, 34001), payload(50)))
	add("arp", pad(serialize(tb, eth(layers.EthernetTypeARP), arpReq())))
	add("vlan-arp", pad(serialize(tb, eth(layers.EthernetTypeDot1Q), dot1q(7, 0, layers.EthernetTypeARP), arpReq())))
	v6 = ipv6(layers.IPProtocolUDP)
	add("ipv6-udp", serialize(tb, eth(layers.EthernetTypeIPv6), v6, udp(v6, 33000, 33001), payload(30)))
	v6 = ipv6(layers.IPProtocolTCP)
	add("ipv6-tcp", serialize(tb, eth(layers.EthernetTypeIPv6), v6, tcp(v6, 8080, 1025), payload(200)))
	v6 = ipv6(layers.IPProtocolICMPv6)
	add("ipv6-icmpv6-echo", serialize(tb, eth(layers.EthernetTypeIPv6), v6, icmp6(v6, layers.ICMPv6TypeEchoRequest, 0),
		&layers.ICMPv6Echo{Identifier: 0x99, SeqNumber: 3}, payload(40)))
	v6 = ipv6(layers.IPProtocolIPv6HopByHop)
	add("ipv6-hbh-udp", serialize(tb, eth(layers.EthernetTypeIPv6), v6,
		gopacket.Payload(extHopByHop(pkt.ProtoUDP)), udp(v6, 5000, 6000), payload(8)))
	v6 = ipv6(layers.IPProtocolIPv6Routing)
	add("ipv6-routing-tcp", serialize(tb, eth(layers.EthernetTypeIPv6), v6,
		gopacket.Payload(extRouting(pkt.ProtoTCP)), tcp(v6, 179, 179), payload(19)))
	v6 = ipv6(layers.IPProtocolIPv6Destination)
	add("ipv6-dstopts-icmpv6", serialize(tb, eth(layers.EthernetTypeIPv6), v6,
		gopacket.Payload(extDstOpts(pkt.ProtoICMPv6)), icmp6(v6, layers.ICMPv6TypeEchoReply, 0),
		&layers.ICMPv6Echo{Identifier: 1, SeqNumber: 2}))
	v6 = ipv6(layers.IPProtocolAH)
	add("ipv6-ah-udp", serialize(tb, eth(layers.EthernetTypeIPv6), v6,
		gopacket.Payload(extAH(pkt.ProtoUDP)), udp(v6, 500, 4500), payload(12)))
	v6 = ipv6(layers.IPProtocolUDP)
	add("vlan-ipv6-udp", serialize(tb, eth(layers.EthernetTypeDot1Q), dot1q(42, 2, layers.EthernetTypeIPv6),
		v6, udp(v6, 40000, 40001), payload(3)))
	return s
}

// special returns valid packets whose upper layer gopacket decodes
// differently from Parse: fragments (gopacket does not look behind an IPv6
// fragment header, even of an atomic fragment), ESP, no next header, unknown
// protocols.
func special(tb testing.TB) []sample {
	tb.Helper()
	var s []sample
	add := func(name string, b []byte) { s = append(s, sample{name, b}) }
	v4 := ipv4(layers.IPProtocolUDP)
	v4.Flags = layers.IPv4MoreFragments
	add("ipv4-frag-first", serialize(tb, eth(layers.EthernetTypeIPv4), v4, udp(v4, 1, 2), payload(64)))
	v4 = ipv4(layers.IPProtocolUDP)
	v4.Flags, v4.FragOffset = 0, 9
	add("ipv4-frag-last", serialize(tb, eth(layers.EthernetTypeIPv4), v4, payload(28)))
	v6 := ipv6(layers.IPProtocolIPv6Fragment)
	add("ipv6-frag-first", serialize(tb, eth(layers.EthernetTypeIPv6), v6,
		gopacket.Payload(extFragment(pkt.ProtoUDP, 0, true)), udp(v6, 3, 4), payload(64)))
	v6 = ipv6(layers.IPProtocolIPv6HopByHop)
	add("ipv6-frag-later", serialize(tb, eth(layers.EthernetTypeIPv6), v6,
		gopacket.Payload(cat(extHopByHop(pkt.ProtoFragment), extFragment(pkt.ProtoUDP, 9, false))), payload(40)))
	v6 = ipv6(layers.IPProtocolIPv6HopByHop)
	add("ipv6-hbh-rt-frag0-dst-udp", serialize(tb, eth(layers.EthernetTypeIPv6), v6,
		gopacket.Payload(cat(extHopByHop(pkt.ProtoRouting), extRouting(pkt.ProtoFragment),
			extFragment(pkt.ProtoDstOpts, 0, false), extDstOpts(pkt.ProtoUDP))),
		udp(v6, 1, 65535), payload(77)))
	v6 = ipv6(layers.IPProtocolESP)
	add("ipv6-esp", serialize(tb, eth(layers.EthernetTypeIPv6), v6, payload(48)))
	v6 = ipv6(layers.IPProtocolIPv6Destination)
	add("ipv6-dst-nonext", serialize(tb, eth(layers.EthernetTypeIPv6), v6,
		gopacket.Payload(extDstOpts(pkt.ProtoNoNext)), payload(8)))
	add("ipv4-gre", serialize(tb, eth(layers.EthernetTypeIPv4), ipv4(layers.IPProtocolGRE), payload(24)))
	add("ipv6-icmpv4-proto", serialize(tb, eth(layers.EthernetTypeIPv6), ipv6(layers.IPProtocolICMPv4), payload(8)))
	add("lldp", pad(serialize(tb, eth(layers.EthernetTypeLinkLayerDiscovery), payload(20))))
	add("three-tags", serialize(tb, eth(layers.EthernetTypeDot1Q), dot1q(1, 0, layers.EthernetTypeDot1Q),
		dot1q(2, 0, layers.EthernetTypeDot1Q), dot1q(3, 0, layers.EthernetTypeIPv4), ipv4(layers.IPProtocolUDP), payload(8)))
	return s
}

// want is what Parse should find, derived from a gopacket decoding.
type want struct {
	L2Len, VLANs  int
	VLANID        [2]uint16
	EtherType     uint16
	L3Proto       pkt.L3Proto
	L3Len         int
	L4Proto       uint8
	L4Offset      int
	L4Len         int
	PayloadOffset int
	PayloadLen    int
}

// oracle decodes b with gopacket and derives the fields Parse should fill.
// ok is false if gopacket met an error.
func oracle(b []byte) (w want, pk gopacket.Packet, ok bool) {
	pk = gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.DecodeOptions{NoCopy: true})
	off := 0
	for _, l := range pk.Layers() {
		n := len(l.LayerContents())
		switch l := l.(type) {
		case *layers.Ethernet:
			w.EtherType = uint16(l.EthernetType)
			w.L2Len = n
		case *layers.Dot1Q:
			if w.VLANs < 2 {
				w.VLANID[w.VLANs] = l.VLANIdentifier
				w.EtherType = uint16(l.Type)
				w.L2Len += n
			}
			w.VLANs++
		case *layers.IPv4:
			w.L3Proto, w.L3Len, w.L4Proto = pkt.L3IPv4, n, uint8(l.Protocol)
		case *layers.IPv6:
			w.L3Proto, w.L3Len, w.L4Proto = pkt.L3IPv6, n, uint8(l.NextHeader)
		case *layers.IPv6HopByHop:
			w.L3Len, w.L4Proto = w.L3Len+n, uint8(l.NextHeader)
		case *layers.IPv6Routing:
			w.L3Len, w.L4Proto = w.L3Len+n, uint8(l.NextHeader)
		case *layers.IPv6Fragment:
			w.L3Len, w.L4Proto = w.L3Len+n, uint8(l.NextHeader)
		case *layers.IPv6Destination:
			w.L3Len, w.L4Proto = w.L3Len+n, uint8(l.NextHeader)
		case *layers.IPSecAH:
			w.L3Len, w.L4Proto = w.L3Len+n, uint8(l.NextHeader)
		case *layers.ARP:
			w.L3Proto, w.L3Len = pkt.L3ARP, n
			w.PayloadOffset = off + n
		case *layers.UDP, *layers.TCP, *layers.ICMPv4:
			w.L4Offset, w.L4Len = off, n
			w.PayloadOffset, w.PayloadLen = off+n, len(l.LayerPayload())
		case *layers.ICMPv6:
			w.L4Offset, w.L4Len = off, pkt.ICMPLen
			w.PayloadOffset, w.PayloadLen = off+pkt.ICMPLen, len(l.LayerPayload())-4
		}
		off += n
	}
	return w, pk, pk.ErrorLayer() == nil
}

// got extracts the oracle-comparable fields of p.
func got(p *pkt.Parsed) want {
	return want{L2Len: p.L2Len, VLANs: p.VLANs, VLANID: p.VLANID, EtherType: p.EtherType,
		L3Proto: p.L3Proto, L3Len: p.L3Len, L4Proto: p.L4Proto, L4Offset: p.L4Offset, L4Len: p.L4Len,
		PayloadOffset: p.PayloadOffset, PayloadLen: p.PayloadLen}
}

// parse parses b and requires success.
func parse(tb testing.TB, b []byte) pkt.Parsed {
	tb.Helper()
	var p pkt.Parsed
	require.NoError(tb, pkt.Parse(b, &p))
	return p
}
