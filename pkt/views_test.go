package pkt_test

import (
	"net"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/pkt"
)

func decode(tb testing.TB, b []byte) gopacket.Packet {
	tb.Helper()
	pk := gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.Default)
	require.Nil(tb, pk.ErrorLayer())
	return pk
}

func sampleByName(tb testing.TB, name string) []byte {
	tb.Helper()
	for _, s := range append(samples(tb), special(tb)...) {
		if s.name == name {
			return append([]byte(nil), s.b...)
		}
	}
	tb.Fatalf("no sample %q", name)
	return nil
}

func TestViewsMatchGopacket(t *testing.T) {
	for _, s := range samples(t) {
		t.Run(s.name, func(t *testing.T) {
			p := parse(t, s.b)
			pk := decode(t, s.b)
			e, err := pkt.NewEthernet(s.b)
			require.NoError(t, err)
			ge := pk.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
			assert.Equal(t, net.HardwareAddr(ge.DstMAC), hw(e.Dst()))
			assert.Equal(t, net.HardwareAddr(ge.SrcMAC), hw(e.Src()))
			assert.Equal(t, uint16(ge.EthernetType), e.EtherType())
			assert.Len(t, e.Payload(), len(s.b)-14)

			vi := 0
			for _, l := range pk.Layers() {
				q, ok := l.(*layers.Dot1Q)
				if !ok {
					continue
				}
				v, err := pkt.NewVLAN(s.b[14+4*vi:])
				require.NoError(t, err)
				assert.Equal(t, q.VLANIdentifier, v.ID())
				assert.Equal(t, q.Priority, v.PCP())
				assert.Equal(t, q.DropEligible, v.DEI())
				assert.Equal(t, uint16(q.Type), v.EtherType())
				assert.Equal(t, q.VLANIdentifier, p.VLANID[vi])
				vi++
			}
			assert.Equal(t, vi, p.VLANs)

			l3 := s.b[p.L3Offset:]
			switch l := pk.NetworkLayer().(type) {
			case *layers.IPv4:
				ip, err := pkt.NewIPv4(l3)
				require.NoError(t, err)
				assert.Equal(t, l.Version, ip.Version())
				assert.Equal(t, l.IHL, ip.IHL())
				assert.Equal(t, int(l.IHL)*4, ip.HeaderLen())
				assert.Equal(t, l.TOS, ip.TOS())
				assert.Equal(t, l.Length, ip.TotalLen())
				assert.Equal(t, l.Id, ip.ID())
				assert.Equal(t, uint8(l.Flags), ip.Flags())
				assert.Equal(t, l.FragOffset, ip.FragmentOffset())
				assert.False(t, ip.IsFragment())
				assert.Equal(t, l.TTL, ip.TTL())
				assert.Equal(t, uint8(l.Protocol), ip.Protocol())
				assert.Equal(t, l.Checksum, ip.Checksum())
				assert.Equal(t, l.SrcIP.To4(), net.IP(ip.SrcAddr().AsSlice()))
				assert.Equal(t, l.DstIP.To4(), net.IP(ip.DstAddr().AsSlice()))
				assert.Equal(t, [4]byte(l.SrcIP.To4()), ip.Src())
				assert.Equal(t, [4]byte(l.DstIP.To4()), ip.Dst())
				assert.Equal(t, l.Contents[20:], ip.Options())
				assert.Equal(t, l.Payload, ip.Payload())
				for _, o := range l.Options {
					if o.OptionType > 1 {
						d, ok := ip.Option(o.OptionType)
						assert.True(t, ok)
						assert.Equal(t, o.OptionData, d)
					}
				}
				_, ok := ip.Option(99)
				assert.False(t, ok)
			case *layers.IPv6:
				ip, err := pkt.NewIPv6(l3)
				require.NoError(t, err)
				assert.Equal(t, l.Version, ip.Version())
				assert.Equal(t, l.TrafficClass, ip.TrafficClass())
				assert.Equal(t, l.FlowLabel, ip.FlowLabel())
				assert.Equal(t, l.Length, ip.PayloadLen())
				assert.Equal(t, uint8(l.NextHeader), ip.NextHeader())
				assert.Equal(t, l.HopLimit, ip.HopLimit())
				assert.Equal(t, l.SrcIP, net.IP(ip.SrcAddr().AsSlice()))
				assert.Equal(t, l.DstIP, net.IP(ip.DstAddr().AsSlice()))
				assert.Equal(t, [16]byte(l.SrcIP), ip.Src())
				assert.Equal(t, [16]byte(l.DstIP), ip.Dst())
				assert.Len(t, ip.Payload(), int(l.Length))
				proto, off, err := ip.UpperLayer()
				require.NoError(t, err)
				assert.Equal(t, p.L4Proto, proto)
				assert.Equal(t, p.L4Offset-p.L3Offset, off)
			case nil:
				ga, ok := pk.Layer(layers.LayerTypeARP).(*layers.ARP)
				require.True(t, ok)
				a, err := pkt.NewARP(l3)
				require.NoError(t, err)
				assert.True(t, a.IsEthernetIPv4())
				assert.Equal(t, uint16(ga.AddrType), a.HardwareType())
				assert.Equal(t, uint16(ga.Protocol), a.ProtocolType())
				assert.Equal(t, ga.HwAddressSize, a.HardwareLen())
				assert.Equal(t, ga.ProtAddressSize, a.ProtocolLen())
				assert.Equal(t, ga.Operation, a.Operation())
				assert.Equal(t, ga.SourceHwAddress, a.SenderHardwareAddr())
				assert.Equal(t, ga.SourceProtAddress, a.SenderProtocolAddr())
				assert.Equal(t, ga.DstHwAddress, a.TargetHardwareAddr())
				assert.Equal(t, ga.DstProtAddress, a.TargetProtocolAddr())
				return
			}

			l4 := s.b[p.L4Offset : p.PayloadOffset+p.PayloadLen]
			switch l := pk.TransportLayer().(type) {
			case *layers.UDP:
				u, err := pkt.NewUDP(l4)
				require.NoError(t, err)
				assert.Equal(t, uint16(l.SrcPort), u.SrcPort())
				assert.Equal(t, uint16(l.DstPort), u.DstPort())
				assert.Equal(t, l.Length, u.Length())
				assert.Equal(t, l.Checksum, u.Checksum())
				assert.Equal(t, l.Payload, u.Payload())
			case *layers.TCP:
				c, err := pkt.NewTCP(l4)
				require.NoError(t, err)
				assert.Equal(t, uint16(l.SrcPort), c.SrcPort())
				assert.Equal(t, uint16(l.DstPort), c.DstPort())
				assert.Equal(t, l.Seq, c.Seq())
				assert.Equal(t, l.Ack, c.Ack())
				assert.Equal(t, l.DataOffset, c.DataOffset())
				assert.Equal(t, int(l.DataOffset)*4, c.HeaderLen())
				assert.Equal(t, gpTCPFlags(l), c.Flags())
				assert.Equal(t, l.Window, c.Window())
				assert.Equal(t, l.Checksum, c.Checksum())
				assert.Equal(t, l.Urgent, c.Urgent())
				assert.Equal(t, l.Contents[20:], c.Options())
				assert.Equal(t, l.Payload, c.Payload())
				for _, o := range l.Options {
					if o.OptionType > 1 {
						d, ok := c.Option(uint8(o.OptionType))
						assert.True(t, ok, o.String())
						assert.Equal(t, o.OptionData, d, o.String())
					}
				}
				mss, ok := c.Option(pkt.TCPOptionMSS)
				assert.True(t, ok)
				assert.Equal(t, []byte{0x05, 0xb4}, mss)
			case nil:
				if l, ok := pk.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); ok {
					c, err := pkt.NewICMP(l4)
					require.NoError(t, err)
					assert.Equal(t, l.TypeCode.Type(), c.Type())
					assert.Equal(t, l.TypeCode.Code(), c.Code())
					assert.Equal(t, l.Checksum, c.Checksum())
					assert.Equal(t, l.Id, c.ID())
					assert.Equal(t, l.Seq, c.Seq())
					assert.Equal(t, l.Payload, c.Payload())
					assert.Equal(t, l.Checksum, c.ComputeChecksum())
					return
				}
				g6, ok := pk.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
				require.True(t, ok)
				c, err := pkt.NewICMP(l4)
				require.NoError(t, err)
				assert.Equal(t, g6.TypeCode.Type(), c.Type())
				assert.Equal(t, g6.TypeCode.Code(), c.Code())
				assert.Equal(t, g6.Checksum, c.Checksum())
				echo := pk.Layer(layers.LayerTypeICMPv6Echo).(*layers.ICMPv6Echo)
				assert.Equal(t, echo.Identifier, c.ID())
				assert.Equal(t, echo.SeqNumber, c.Seq())
				assert.Equal(t, echo.Payload, c.Payload())
			default:
				t.Fatalf("unexpected transport layer %T", l)
			}
		})
	}
}

func hw(a [6]byte) net.HardwareAddr { return net.HardwareAddr(a[:]) }

func gpTCPFlags(l *layers.TCP) uint16 {
	var f uint16
	for i, b := range []bool{l.FIN, l.SYN, l.RST, l.PSH, l.ACK, l.URG, l.ECE, l.CWR, l.NS} {
		if b {
			f |= 1 << i
		}
	}
	return f
}

func TestViewSettersDecodeInGopacket(t *testing.T) {
	b := sampleByName(t, "vlan-ipv4-udp")
	p := parse(t, b)
	e, _ := pkt.NewEthernet(b)
	e.SetDst([6]byte{0xaa, 1, 2, 3, 4, 5})
	e.SetSrc([6]byte{0xbb, 1, 2, 3, 4, 5})
	v, _ := pkt.NewVLAN(b[14:])
	v.SetID(0xabc)
	v.SetPCP(6)
	ip, _ := pkt.NewIPv4(b[p.L3Offset:])
	ip.SetTOS(0x2e << 2)
	ip.SetID(0xbeef)
	ip.SetTTL(3)
	ip.SetSrc([4]byte{10, 1, 2, 3})
	ip.SetDst([4]byte{10, 4, 5, 6})
	ip.SetFragment(pkt.IPv4DontFragment, 0)
	ip.UpdateChecksum()
	u, _ := pkt.NewUDP(b[p.L4Offset:])
	u.SetSrcPort(40001)
	u.SetDstPort(40002)
	require.NoError(t, pkt.SetL4Checksum(b, &p))

	pk := decode(t, b)
	assert.Empty(t, mismatches(t, b))
	ge := pk.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	assert.Equal(t, net.HardwareAddr{0xaa, 1, 2, 3, 4, 5}, ge.DstMAC)
	assert.Equal(t, net.HardwareAddr{0xbb, 1, 2, 3, 4, 5}, ge.SrcMAC)
	q := pk.Layer(layers.LayerTypeDot1Q).(*layers.Dot1Q)
	assert.Equal(t, uint16(0xabc), q.VLANIdentifier)
	assert.Equal(t, uint8(6), q.Priority)
	g4 := pk.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	assert.Equal(t, uint8(0x2e<<2), g4.TOS)
	assert.Equal(t, uint16(0xbeef), g4.Id)
	assert.Equal(t, uint8(3), g4.TTL)
	assert.Equal(t, layers.IPv4DontFragment, g4.Flags)
	assert.Equal(t, "10.1.2.3", g4.SrcIP.String())
	assert.Equal(t, "10.4.5.6", g4.DstIP.String())
	gu := pk.Layer(layers.LayerTypeUDP).(*layers.UDP)
	assert.Equal(t, layers.UDPPort(40001), gu.SrcPort)
	assert.Equal(t, layers.UDPPort(40002), gu.DstPort)

	// IPv6 and TCP setters.
	b = sampleByName(t, "ipv6-tcp")
	p = parse(t, b)
	ip6, _ := pkt.NewIPv6(b[p.L3Offset:])
	ip6.SetTrafficClass(0x5a)
	ip6.SetFlowLabel(0xfedcb)
	ip6.SetHopLimit(9)
	src := netip.MustParseAddr("fd00::1").As16()
	dst := netip.MustParseAddr("fd00::2").As16()
	ip6.SetSrc(src)
	ip6.SetDst(dst)
	c, _ := pkt.NewTCP(b[p.L4Offset:])
	c.SetSeq(11)
	c.SetAck(22)
	c.SetFlags(pkt.TCPFlagFIN | pkt.TCPFlagPSH | pkt.TCPFlagURG | pkt.TCPFlagCWR)
	c.SetWindow(512)
	c.SetUrgent(3)
	require.NoError(t, pkt.SetL4Checksum(b, &p))
	pk = decode(t, b)
	assert.Empty(t, mismatches(t, b))
	g6 := pk.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
	assert.Equal(t, uint8(0x5a), g6.TrafficClass)
	assert.Equal(t, uint32(0xfedcb), g6.FlowLabel)
	assert.Equal(t, uint8(9), g6.HopLimit)
	assert.Equal(t, "fd00::1", g6.SrcIP.String())
	assert.Equal(t, "fd00::2", g6.DstIP.String())
	gt := pk.Layer(layers.LayerTypeTCP).(*layers.TCP)
	assert.Equal(t, uint32(11), gt.Seq)
	assert.Equal(t, uint32(22), gt.Ack)
	assert.True(t, gt.FIN && gt.PSH && gt.URG && gt.CWR)
	assert.False(t, gt.SYN || gt.ACK || gt.RST || gt.ECE || gt.NS)
	assert.Equal(t, uint16(512), gt.Window)
	assert.Equal(t, uint16(3), gt.Urgent)
	assert.Equal(t, uint8(10), gt.DataOffset, "SetFlags keeps the data offset")

	// ICMP setters: an echo request turned into a reply.
	b = sampleByName(t, "ipv4-icmp-echo")
	p = parse(t, b)
	ic, _ := pkt.NewICMP(b[p.L4Offset : p.PayloadOffset+p.PayloadLen])
	ic.SetType(pkt.ICMPv4EchoReply)
	ic.SetCode(0)
	ic.SetID(77)
	ic.SetSeq(88)
	ic.SetChecksum(ic.ComputeChecksum())
	pk = decode(t, b)
	assert.Empty(t, mismatches(t, b))
	gi := pk.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
	assert.Equal(t, uint8(layers.ICMPv4TypeEchoReply), gi.TypeCode.Type())
	assert.Equal(t, uint16(77), gi.Id)
	assert.Equal(t, uint16(88), gi.Seq)
	ic.SetRestOfHeader(0x01020304)
	assert.Equal(t, uint32(0x01020304), ic.RestOfHeader())

	// ARP setters: a request turned into a reply.
	b = sampleByName(t, "arp")
	a, err := pkt.NewARP(b[14:])
	require.NoError(t, err)
	a.SetOperation(pkt.ARPReply)
	copy(a.TargetHardwareAddr(), macA)
	pk = decode(t, b)
	ga := pk.Layer(layers.LayerTypeARP).(*layers.ARP)
	assert.Equal(t, uint16(layers.ARPReply), ga.Operation)
	assert.Equal(t, []byte(macA), ga.DstHwAddress)
}

func TestViewSmallSetters(t *testing.T) {
	b := sampleByName(t, "ipv4-udp")
	p := parse(t, b)
	e := pkt.Ethernet(b)
	e.SetEtherType(0x1234)
	assert.Equal(t, uint16(0x1234), e.EtherType())
	v := pkt.VLAN(make([]byte, 4))
	v.SetTCI(0xffff)
	assert.True(t, v.DEI())
	v.SetEtherType(pkt.EtherTypeIPv6)
	assert.Equal(t, pkt.EtherTypeIPv6, v.EtherType())
	v.SetID(0)
	assert.Equal(t, uint16(0xf000), v.TCI())
	v.SetPCP(0)
	assert.Equal(t, uint16(0x1000), v.TCI())

	ip := pkt.IPv4(b[p.L3Offset:])
	ip.SetTotalLen(30)
	assert.Len(t, ip.Payload(), 10)
	ip.SetTotalLen(3)
	assert.Empty(t, ip.Payload())
	ip.SetProtocol(6)
	assert.Equal(t, uint8(6), ip.Protocol())
	ip.SetFragment(pkt.IPv4MoreFragments, 0x1fff)
	assert.True(t, ip.IsFragment())
	assert.Equal(t, pkt.IPv4MoreFragments, ip.Flags())
	assert.Equal(t, uint16(0x1fff), ip.FragmentOffset())

	u := pkt.UDP(b[p.L4Offset:])
	u.SetLength(3)
	assert.Empty(t, u.Payload())
	u.SetLength(10)
	assert.Len(t, u.Payload(), 2)

	ip6 := pkt.IPv6(make([]byte, 40))
	ip6[0] = 0x60
	ip6.SetPayloadLen(100)
	assert.Empty(t, ip6.Payload(), "payload is clipped to the view")
	ip6.SetNextHeader(pkt.ProtoNoNext)
	assert.Equal(t, pkt.ProtoNoNext, ip6.NextHeader())
	ip6.SetPayloadLen(0)
	proto, off, err := ip6.UpperLayer()
	require.NoError(t, err)
	assert.Equal(t, pkt.ProtoNoNext, proto)
	assert.Equal(t, 40, off)
}

func TestIPv6UpperLayerFragments(t *testing.T) {
	b := sampleByName(t, "ipv6-frag-later")
	p := parse(t, b)
	proto, _, err := pkt.IPv6(b[p.L3Offset:]).UpperLayer()
	assert.ErrorIs(t, err, pkt.ErrUnsupported)
	assert.Equal(t, pkt.ProtoUDP, proto)
	b = sampleByName(t, "ipv6-routing-tcp")
	b[14+40+1] = 100
	_, _, err = pkt.IPv6(b[14:]).UpperLayer()
	assert.ErrorIs(t, err, pkt.ErrTruncated)
	b = sampleByName(t, "ipv6-hbh-rt-frag0-dst-udp")
	b[14+40] = pkt.ProtoHopOpts
	_, _, err = pkt.IPv6(b[14:]).UpperLayer()
	assert.ErrorIs(t, err, pkt.ErrMalformed)
}

func TestViewConstructorsRejectShortInput(t *testing.T) {
	_, err := pkt.NewEthernet(make([]byte, 13))
	assert.ErrorIs(t, err, pkt.ErrTruncated)
	_, err = pkt.NewVLAN(make([]byte, 3))
	assert.ErrorIs(t, err, pkt.ErrTruncated)
	_, err = pkt.NewARP(make([]byte, 7))
	assert.ErrorIs(t, err, pkt.ErrTruncated)
	_, err = pkt.NewARP([]byte{0, 1, 8, 0, 6, 4, 0, 1, 27: 0}[:27])
	assert.ErrorIs(t, err, pkt.ErrTruncated)
	_, err = pkt.NewIPv4(make([]byte, 19))
	assert.ErrorIs(t, err, pkt.ErrTruncated)
	_, err = pkt.NewIPv4(append([]byte{0x46}, make([]byte, 22)...))
	assert.ErrorIs(t, err, pkt.ErrTruncated)
	_, err = pkt.NewIPv4(append([]byte{0x44}, make([]byte, 22)...))
	assert.ErrorIs(t, err, pkt.ErrMalformed)
	_, err = pkt.NewIPv4(append([]byte{0x65}, make([]byte, 22)...))
	assert.ErrorIs(t, err, pkt.ErrMalformed)
	_, err = pkt.NewIPv6(make([]byte, 39))
	assert.ErrorIs(t, err, pkt.ErrTruncated)
	_, err = pkt.NewIPv6(make([]byte, 40))
	assert.ErrorIs(t, err, pkt.ErrMalformed)
	_, err = pkt.NewUDP(make([]byte, 7))
	assert.ErrorIs(t, err, pkt.ErrTruncated)
	_, err = pkt.NewTCP(make([]byte, 19))
	assert.ErrorIs(t, err, pkt.ErrTruncated)
	tcp := make([]byte, 23)
	tcp[12] = 0x60
	_, err = pkt.NewTCP(tcp)
	assert.ErrorIs(t, err, pkt.ErrTruncated)
	tcp[12] = 0x40
	_, err = pkt.NewTCP(tcp)
	assert.ErrorIs(t, err, pkt.ErrMalformed)
	_, err = pkt.NewICMP(make([]byte, 7))
	assert.ErrorIs(t, err, pkt.ErrTruncated)
}

func TestOptionWalkStopsSafely(t *testing.T) {
	tcp := make([]byte, 32)
	tcp[12] = 0x80
	copy(tcp[20:], []byte{1, 1, 2, 4, 5, 0xb4, 8, 0xff, 0, 0, 0, 0}) // NOP NOP MSS, bad length
	d, ok := pkt.TCP(tcp).Option(pkt.TCPOptionMSS)
	assert.True(t, ok)
	assert.Equal(t, []byte{5, 0xb4}, d)
	_, ok = pkt.TCP(tcp).Option(pkt.TCPOptionTimestamp)
	assert.False(t, ok, "length beyond the options")
	_, ok = pkt.TCP(tcp).Option(1)
	assert.False(t, ok)
	copy(tcp[20:], []byte{0, 2, 4, 5, 0xb4})
	_, ok = pkt.TCP(tcp).Option(pkt.TCPOptionMSS)
	assert.False(t, ok, "end of list")
	copy(tcp[20:], []byte{3, 1, 2, 4, 5, 0xb4})
	_, ok = pkt.TCP(tcp).Option(pkt.TCPOptionMSS)
	assert.False(t, ok, "length below 2")
}

// MAC and ParseMAC give SetDst what net.ParseMAC and port.Info.MAC give.
func TestMACFromHardwareAddr(t *testing.T) {
	hw, err := net.ParseMAC("02:00:00:00:00:2a")
	require.NoError(t, err)
	a, err := pkt.MAC(hw)
	require.NoError(t, err)
	b, err := pkt.ParseMAC("02:00:00:00:00:2a")
	require.NoError(t, err)
	assert.Equal(t, a, b)
	e := pkt.Ethernet(make([]byte, pkt.EthernetLen))
	e.SetDst(a)
	assert.Equal(t, []byte(hw), []byte(e[:6]))
	_, err = pkt.MAC(net.HardwareAddr{1, 2, 3})
	assert.Error(t, err)
	_, err = pkt.ParseMAC("00:00:5e:00:53:01:02:03") // EUI-64
	assert.Error(t, err)
	_, err = pkt.ParseMAC("nonsense")
	assert.Error(t, err)
}
