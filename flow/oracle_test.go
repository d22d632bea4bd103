package flow_test

import (
	"context"
	"math/rand"
	"net"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/app"
	"github.com/zcnic/zcnic/eal/ealtest"
	"github.com/zcnic/zcnic/flow"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/pkt/testpkts"
)

// oracleRules cover every field and action software runs, with
// priorities and overlaps.
var oracleRules = []string{
	"priority 1 pattern eth / ipv4 / udp dst is 53 / end actions drop / end",
	"priority 0 pattern eth / ipv4 src spec 10.1.0.0 src prefix 16 / udp / end actions mark id 100 / end",
	"pattern eth / ipv4 / tcp dst spec 8000 dst last 8100 / end actions mark id 200 / count / end",
	"pattern eth / vlan vid is 10 / ipv4 / end actions drop / end",
	"pattern eth / vlan vid spec 20 vid mask 0xff0 / end actions mark id 300 / end",
	"priority 2 pattern eth / ipv6 dst spec 2001:db8:1:: dst prefix 48 / end actions mark id 400 / end",
	"pattern eth / ipv6 / tcp src spec 1024 src last 65535 / end actions count / end",
	"pattern eth / ipv4 / icmp type is 8 / end actions mark id 500 / end",
	"pattern eth / ipv4 / icmp type is 3 code is 1 / end actions drop / end",
	"pattern eth type is 0x0806 / end actions mark id 600 / end",
	"pattern eth src is 02:00:00:00:00:07 / end actions count / end",
	"pattern eth dst spec 02:00:00:aa:00:00 dst mask ff:ff:ff:ff:00:00 / ipv4 / end actions mark id 700 / end",
	"priority 3 pattern ipv4 proto is 17 / end actions count / end",
	"pattern ipv4 dst spec 192.168.0.0 dst prefix 24 / udp src spec 5000 src last 5999 dst spec 6000 dst last 6999 / end actions drop / end",
	"priority 0 pattern ipv4 src spec 10.1.2.0 src prefix 24 / end actions drop / end",
	"priority 5 pattern eth / end actions mark id 999 / end",
}

// view is what the oracle knows of a packet, from gopacket's decoding:
// the layers in the order rte_flow stacks them, and nothing after a
// second VLAN tag (zcnic looks at the outer tag only).
type view struct {
	eth  *layers.Ethernet
	vlan *layers.Dot1Q
	ip4  *layers.IPv4
	ip6  *layers.IPv6
	udp  *layers.UDP
	tcp  *layers.TCP
	icmp *layers.ICMPv4
}

func viewOf(b []byte) view {
	// gopacket's DecodingLayerParser lists the layers it decoded whole,
	// up to the first it could not (cut short, or of no type here).
	var (
		eth  layers.Ethernet
		d1q  layers.Dot1Q
		ip4  layers.IPv4
		ip6  layers.IPv6
		udp  layers.UDP
		tcp  layers.TCP
		icmp layers.ICMPv4
	)
	p := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &d1q, &ip4, &ip6, &udp, &tcp, &icmp)
	p.IgnoreUnsupported = true
	var ls []gopacket.LayerType
	p.DecodeLayers(b, &ls) //nolint:errcheck // a failure ends the list, which is what is used
	var v view
	i := 0
	next := func() gopacket.LayerType {
		if i < len(ls) {
			i++
			return ls[i-1]
		}
		return gopacket.LayerTypeZero
	}
	if next() != layers.LayerTypeEthernet {
		return v
	}
	v.eth = &eth
	l := next()
	if l == layers.LayerTypeDot1Q {
		// The parser decodes a second tag into the same Dot1Q: take the
		// outer one from a packet decoding.
		v.vlan = gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.Default).Layer(layers.LayerTypeDot1Q).(*layers.Dot1Q)
		l = next()
	}
	switch l {
	case layers.LayerTypeIPv4:
		v.ip4 = &ip4
	case layers.LayerTypeIPv6:
		v.ip6 = &ip6
	default:
		return v
	}
	switch next() {
	case layers.LayerTypeUDP:
		v.udp = &udp
	case layers.LayerTypeTCP:
		v.tcp = &tcp
	case layers.LayerTypeICMPv4:
		v.icmp = &icmp
	}
	return v
}

func macIs(a net.HardwareAddr, want, mask flow.MAC) bool {
	for i := range want {
		if a[i]&mask[i] != want[i]&mask[i] {
			return false
		}
	}
	return true
}

func inPrefix(p netip.Prefix, ip net.IP) bool {
	if !p.IsValid() {
		return true
	}
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return false
	}
	if p.Addr().Is4() {
		a = a.Unmap()
	}
	return p.Contains(a)
}

func inRange(r *flow.PortRange, port uint16) bool {
	return r == nil || port >= r.Lo && port <= r.Hi
}

// matches is the oracle: rte_flow's meaning of r's pattern on v.
func matches(r *flow.Rule, v view) bool {
	p := &r.Pattern
	above := p.VLAN != nil || p.IPv4 != nil || p.IPv6 != nil || p.UDP != nil || p.TCP != nil || p.ICMP != nil
	if (p.Eth != nil || above) && v.eth == nil {
		return false
	}
	if e := p.Eth; e != nil {
		if !macIs(v.eth.SrcMAC, e.Src, e.SrcMask) || !macIs(v.eth.DstMAC, e.Dst, e.DstMask) {
			return false
		}
		if uint16(v.eth.EthernetType)&e.TypeMask != e.Type&e.TypeMask {
			return false
		}
	}
	if p.VLAN != nil && v.vlan == nil {
		return false
	}
	if p.VLAN != nil && v.vlan.VLANIdentifier&p.VLAN.VIDMask != p.VLAN.VID&p.VLAN.VIDMask {
		return false
	}
	if ip := p.IPv4; ip != nil {
		if v.ip4 == nil || !inPrefix(ip.Src, v.ip4.SrcIP) || !inPrefix(ip.Dst, v.ip4.DstIP) || uint8(v.ip4.Protocol)&ip.ProtoMask != ip.Proto&ip.ProtoMask {
			return false
		}
	}
	if ip := p.IPv6; ip != nil {
		if v.ip6 == nil || !inPrefix(ip.Src, v.ip6.SrcIP) || !inPrefix(ip.Dst, v.ip6.DstIP) || uint8(v.ip6.NextHeader)&ip.ProtoMask != ip.Proto&ip.ProtoMask {
			return false
		}
	}
	if l := p.UDP; l != nil && (v.udp == nil || !inRange(l.Src, uint16(v.udp.SrcPort)) || !inRange(l.Dst, uint16(v.udp.DstPort))) {
		return false
	}
	if l := p.TCP; l != nil && (v.tcp == nil || !inRange(l.Src, uint16(v.tcp.SrcPort)) || !inRange(l.Dst, uint16(v.tcp.DstPort))) {
		return false
	}
	if c := p.ICMP; c != nil {
		if v.icmp == nil || v.icmp.TypeCode.Type()&c.TypeMask != c.Type&c.TypeMask || v.icmp.TypeCode.Code()&c.CodeMask != c.Code&c.CodeMask {
			return false
		}
	}
	return true
}

// winner is the rule rte_flow applies: the lowest priority number, then
// the first; -1 for none.
func winner(rules []flow.Rule, v view) int {
	w := -1
	for i := range rules {
		if matches(&rules[i], v) && (w < 0 || rules[i].Priority < rules[w].Priority) {
			w = i
		}
	}
	return w
}

// mix is a known traffic mix: every layout the classifier tells apart,
// with addresses and ports drawn so that each rule has hits.
func mix(t *testing.T, n int) [][]byte {
	rng := rand.New(rand.NewSource(12))
	pick := func(xs ...string) net.IP { return net.ParseIP(xs[rng.Intn(len(xs))]) }
	macs := []net.HardwareAddr{{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 7}, {2, 0, 0, 0xaa, 3, 4}, {2, 0, 0, 0xab, 0, 0}}
	var out [][]byte
	for len(out) < n {
		eth := &layers.Ethernet{SrcMAC: macs[rng.Intn(len(macs))], DstMAC: macs[rng.Intn(len(macs))], EthernetType: layers.EthernetTypeIPv4}
		var ls []gopacket.SerializableLayer
		src4 := pick("10.1.2.3", "10.1.9.9", "10.2.0.1", "172.16.0.1")
		dst4 := pick("192.168.0.10", "192.168.1.10", "8.8.8.8")
		ip4 := &layers.IPv4{Version: 4, TTL: 64, SrcIP: src4.To4(), DstIP: dst4.To4(), Protocol: layers.IPProtocolUDP}
		ports := []uint16{53, 80, 1000, 5000, 5500, 6000, 6999, 7000, 8000, 8050, 8100, 8101, 40000}
		sp, dp := ports[rng.Intn(len(ports))], ports[rng.Intn(len(ports))]
		udp := &layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}
		tcp := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), SYN: true, Window: 1000}
		payload := gopacket.Payload(make([]byte, rng.Intn(200)))
		switch k := rng.Intn(12); k {
		case 0, 1: // IPv4 UDP
			udp.SetNetworkLayerForChecksum(ip4)
			ls = []gopacket.SerializableLayer{eth, ip4, udp, payload}
		case 2, 3: // IPv4 TCP
			ip4.Protocol = layers.IPProtocolTCP
			tcp.SetNetworkLayerForChecksum(ip4)
			ls = []gopacket.SerializableLayer{eth, ip4, tcp, payload}
		case 4: // ICMP
			ip4.Protocol = layers.IPProtocolICMPv4
			tc := []layers.ICMPv4TypeCode{layers.CreateICMPv4TypeCode(8, 0), layers.CreateICMPv4TypeCode(3, 1), layers.CreateICMPv4TypeCode(3, 3), layers.CreateICMPv4TypeCode(0, 0)}
			ls = []gopacket.SerializableLayer{eth, ip4, &layers.ICMPv4{TypeCode: tc[rng.Intn(len(tc))]}, payload}
		case 5: // IPv6 UDP or TCP
			eth.EthernetType = layers.EthernetTypeIPv6
			ip6 := &layers.IPv6{Version: 6, HopLimit: 64, SrcIP: pick("2001:db8:1::1", "2001:db8:2::1"), DstIP: pick("2001:db8:1::2", "2001:db8:1:5::2", "2001:db8:9::2"), NextHeader: layers.IPProtocolUDP}
			if rng.Intn(2) == 0 {
				udp.SetNetworkLayerForChecksum(ip6)
				ls = []gopacket.SerializableLayer{eth, ip6, udp, payload}
			} else {
				ip6.NextHeader = layers.IPProtocolTCP
				tcp.SetNetworkLayerForChecksum(ip6)
				ls = []gopacket.SerializableLayer{eth, ip6, tcp, payload}
			}
		case 6, 7: // VLAN-tagged IPv4 UDP or TCP (one tag; sometimes two)
			eth.EthernetType = layers.EthernetTypeDot1Q
			vids := []uint16{10, 16, 20, 31, 32, 100}
			d := &layers.Dot1Q{VLANIdentifier: vids[rng.Intn(len(vids))], Priority: uint8(rng.Intn(8)), Type: layers.EthernetTypeIPv4}
			udp.SetNetworkLayerForChecksum(ip4)
			if rng.Intn(4) == 0 {
				d.Type = layers.EthernetTypeDot1Q
				ls = []gopacket.SerializableLayer{eth, d, &layers.Dot1Q{VLANIdentifier: 10, Type: layers.EthernetTypeIPv4}, ip4, udp, payload}
			} else {
				ls = []gopacket.SerializableLayer{eth, d, ip4, udp, payload}
			}
		case 8: // ARP
			eth.EthernetType = layers.EthernetTypeARP
			ls = []gopacket.SerializableLayer{eth, &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
				Operation: 1, SourceHwAddress: eth.SrcMAC, SourceProtAddress: src4.To4(), DstHwAddress: make([]byte, 6), DstProtAddress: dst4.To4()}}
		case 9: // IPv4 with options (IHL 6), or a fragment
			udp.SetNetworkLayerForChecksum(ip4)
			if rng.Intn(2) == 0 {
				ip4.Options = []layers.IPv4Option{{OptionType: 1}, {OptionType: 1}, {OptionType: 1}, {OptionType: 0}}
			} else if rng.Intn(2) == 0 {
				ip4.Flags = layers.IPv4MoreFragments
			} else {
				ip4.FragOffset = 100
			}
			ls = []gopacket.SerializableLayer{eth, ip4, udp, payload}
		default: // cut short: at any byte of a UDP or TCP frame
			if rng.Intn(2) == 0 {
				ip4.Protocol = layers.IPProtocolTCP
				tcp.SetNetworkLayerForChecksum(ip4)
				ls = []gopacket.SerializableLayer{eth, ip4, tcp}
			} else {
				udp.SetNetworkLayerForChecksum(ip4)
				ls = []gopacket.SerializableLayer{eth, ip4, udp}
			}
			b, err := testpkts.Serialize(ls...)
			require.NoError(t, err)
			out = append(out, b[:1+rng.Intn(len(b)-1)])
			continue
		}
		b, err := testpkts.Serialize(ls...)
		require.NoError(t, err)
		out = append(out, b)
	}
	return out
}

func parseAll(t *testing.T, texts []string) []flow.Rule {
	var rules []flow.Rule
	for _, s := range texts {
		r, err := flow.Parse(s)
		require.NoError(t, err, s)
		rules = append(rules, r)
	}
	return rules
}

type seen struct {
	len  int
	mark uint32
	ok   bool
}

// A pcap with a known mix through a rule set in software gives exactly
// the drops, marks and counts an independent matcher (gopacket's
// decoding, rte_flow's rule meaning) computes.
func TestSoftwareMatchesOracle(t *testing.T) {
	pkts := mix(t, 3000)
	t.Run("all", func(t *testing.T) { oracleRun(t, pkts, oracleRules) })
	// Sets that look at a few of the key's fields (the trie is built
	// over those only).
	t.Run("5-tuple", func(t *testing.T) {
		oracleRun(t, pkts, []string{oracleRules[0], oracleRules[2], oracleRules[13], oracleRules[14]})
	})
	t.Run("l2", func(t *testing.T) {
		oracleRun(t, pkts, []string{oracleRules[3], oracleRules[4], oracleRules[9], oracleRules[10], oracleRules[11]})
	})
	t.Run("ipv6-icmp", func(t *testing.T) {
		oracleRun(t, pkts, []string{oracleRules[5], oracleRules[6], oracleRules[7], oracleRules[8]})
	})
}

func oracleRun(t *testing.T, pkts [][]byte, texts []string) {
	rules := parseAll(t, texts)

	// The oracle.
	hits := make([]uint64, len(rules))
	bytes := make([]uint64, len(rules))
	var drops uint64
	var want []seen
	for _, b := range pkts {
		w := winner(rules, viewOf(b))
		s := seen{len: len(b)}
		if w >= 0 {
			hits[w]++
			bytes[w] += uint64(len(b))
			a := rules[w].Actions
			if a.Drop {
				drops++
				continue
			}
			s.mark, s.ok = a.Mark, a.HasMark
		}
		want = append(want, s)
	}
	for i := range rules {
		require.NotZero(t, hits[i], "the mix gives rule %d (%s) no hit: the test would not test it", i+1, texts[i])
	}

	// zcnic: the same pcap and rules, in software, in the runner.
	tb, err := flow.NewTable(flow.Software, rules)
	require.NoError(t, err)
	in := filepath.Join(t.TempDir(), "mix.pcap")
	require.NoError(t, testpkts.WritePcap(in, pkts))
	got := make([]seen, 0, len(pkts))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg := app.Config{
		Ports:         []app.PortConfig{{Device: ealtest.Name("net_pcap") + ",rx_pcap=" + in, Rules: tb}},
		StatsInterval: 5 * time.Millisecond,
		OnStats: func(s app.Snapshot) {
			if s.Ports[0].RxPackets >= uint64(len(pkts)) {
				cancel()
			}
		},
	}
	res, err := app.Run(ctx, cfg, func(c *app.Ctx, ms []*mbuf.Mbuf) {
		for _, m := range ms {
			id, ok := m.Mark()
			got = append(got, seen{len: m.PktLen(), mark: id, ok: ok})
		}
		c.DropAll(app.DropFiltered)
	})
	require.NoError(t, err)
	require.NotErrorIs(t, ctx.Err(), context.DeadlineExceeded, "the run timed out")
	assert.Zero(t, res.Leaked)
	assert.Equal(t, uint64(len(pkts)), res.Ports[0].RxPackets)
	assert.Equal(t, drops, res.Drops()[app.DropRule], "dropped by rules")
	assert.Equal(t, uint64(len(want)), res.Drops()[app.DropFiltered], "seen by the handler")
	assert.Equal(t, len(want), len(got), "packets the handler saw")
	for i := 0; i < len(want) && i < len(got); i++ {
		if !assert.Equal(t, want[i], got[i], "surviving packet %d", i) {
			break
		}
	}
	require.Len(t, res.Rules, 1)
	for _, st := range [][]flow.RuleStats{res.Rules[0], tb.Stats()} {
		require.Len(t, st, len(rules))
		for i, s := range st {
			assert.Equal(t, flow.Software, s.Placement)
			assert.True(t, s.Counted)
			assert.Equal(t, hits[i], s.Hits, "rule %d (%s) hits", i+1, texts[i])
			assert.Equal(t, bytes[i], s.Bytes, "rule %d (%s) bytes", i+1, texts[i])
		}
	}
	cls := tb.Classify()
	assert.Equal(t, uint64(len(pkts)), cls.Packets, "every packet classified once")
	assert.NotZero(t, cls.Cycles)
	t.Logf("classification: %.1f ns a packet over %d packets, %d rules", cls.NsPerPacket(), cls.Packets, len(rules))
}
