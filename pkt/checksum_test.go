package pkt_test

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/pkt"
)

// naiveSum is the RFC 1071 reference: 16-bit words, 32-bit accumulator.
func naiveSum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
		s = s&0xffff + s>>16
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

func TestChecksumRFC1071Example(t *testing.T) {
	// RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
	b := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}
	assert.Equal(t, uint16(0xddf2), pkt.Fold(pkt.Sum(b, 0)))
	assert.Equal(t, uint16(^uint16(0xddf2)), pkt.Checksum(b))
	assert.Equal(t, uint16(0xffff), pkt.Checksum(nil))
	assert.Equal(t, uint16(0), pkt.Fold(0))
}

func TestSumMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 2100)
	for i := 0; i < 3000; i++ {
		n := r.IntN(len(buf))
		if i%3 == 0 {
			n = r.IntN(80)
		}
		for j := range buf[:n] {
			buf[j] = byte(r.Uint32())
			if i%5 == 0 {
				buf[j] = 0xff // long carries
			}
		}
		start := r.IntN(8) // unaligned starts
		if start > n {
			start = 0
		}
		b := buf[start:n]
		require.Equal(t, naiveSum(b), pkt.Fold(pkt.Sum(b, 0)), "len %d", len(b))
		// Chaining at an even split gives the same sum.
		k := r.IntN(len(b)/2+1) * 2
		require.Equal(t, naiveSum(b), pkt.Fold(pkt.Sum(b[k:], pkt.Sum(b[:k], 0))))
	}
	// A large accumulator keeps its carries.
	assert.Equal(t, pkt.Fold(^uint64(0)), pkt.Fold(pkt.Sum([]byte{0, 0}, ^uint64(0))))
	assert.Equal(t, uint16(1), pkt.Fold(pkt.Sum([]byte{0, 1}, ^uint64(0))), "0xffff...ff is zero in ones' complement")
}

func TestIPv4HeaderChecksumMatchesGopacket(t *testing.T) {
	for _, s := range samples(t) {
		p := parse(t, s.b)
		if p.L3Proto != pkt.L3IPv4 {
			continue
		}
		hdr := s.b[p.L3Offset : p.L3Offset+p.L3Len]
		ip, err := pkt.NewIPv4(s.b[p.L3Offset:])
		require.NoError(t, err)
		assert.Equal(t, ip.Checksum(), pkt.IPv4HeaderChecksum(hdr), s.name)
		assert.Equal(t, ip.Checksum(), ip.ComputeChecksum(), s.name)
		assert.True(t, ip.ChecksumValid(), s.name)
		assert.Zero(t, pkt.Checksum(hdr), s.name)
		ip.SetChecksum(ip.Checksum() + 1)
		assert.False(t, ip.ChecksumValid(), s.name)
		ip.UpdateChecksum()
		assert.True(t, ip.ChecksumValid(), s.name)
	}
	assert.Zero(t, pkt.IPv4HeaderChecksum(make([]byte, 19)))
}

func TestL4ChecksumMatchesGopacket(t *testing.T) {
	n := 0
	for _, s := range append(samples(t), special(t)...) {
		p := parse(t, s.b)
		c, err := pkt.L4Checksum(s.b, &p)
		if !p.HasL4() || p.Flags&pkt.FlagFragment != 0 {
			require.ErrorIs(t, err, pkt.ErrUnsupported, s.name)
			assert.False(t, pkt.VerifyL4Checksum(s.b, &p))
			continue
		}
		n++
		require.NoError(t, err, s.name)
		wire := binary.BigEndian.Uint16(s.b[p.L4Offset+l4CsumOff(p.L4Proto):])
		assert.Equal(t, wire, c, "%s: gopacket wrote the checksum", s.name)
		assert.True(t, pkt.VerifyL4Checksum(s.b, &p), s.name)

		b := append([]byte(nil), s.b...)
		b[p.PayloadOffset-1] ^= 0x40 // corrupt the last header byte
		assert.False(t, pkt.VerifyL4Checksum(b, &p), s.name)
		require.NoError(t, pkt.SetL4Checksum(b, &p))
		assert.True(t, pkt.VerifyL4Checksum(b, &p), s.name)
		assert.Empty(t, mismatches(t, b), s.name)
	}
	assert.Equal(t, 18, n)
}

func l4CsumOff(proto uint8) int {
	switch proto {
	case pkt.ProtoUDP:
		return 6
	case pkt.ProtoTCP:
		return 16
	}
	return 2
}

// mismatches returns the layers whose checksum gopacket finds wrong.
func mismatches(tb testing.TB, b []byte) []string {
	tb.Helper()
	pk := gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.Default)
	require.Nil(tb, pk.ErrorLayer())
	var nl gopacket.NetworkLayer
	for _, l := range pk.Layers() {
		switch l := l.(type) {
		case *layers.IPv4:
			nl = l
		case *layers.IPv6:
			nl = l
		case *layers.UDP:
			require.NoError(tb, l.SetNetworkLayerForChecksum(nl))
		case *layers.TCP:
			require.NoError(tb, l.SetNetworkLayerForChecksum(nl))
		case *layers.ICMPv6:
			require.NoError(tb, l.SetNetworkLayerForChecksum(nl))
		}
	}
	err, mm := pk.VerifyChecksums()
	require.NoError(tb, err)
	var out []string
	for _, m := range mm {
		out = append(out, m.Layer.LayerType().String())
	}
	return out
}

func TestUDPZeroChecksum(t *testing.T) {
	b := append([]byte(nil), samples(t)[0].b...)
	p := parse(t, b)
	require.Equal(t, pkt.ProtoUDP, p.L4Proto)
	u := pkt.UDP(b[p.L4Offset:])
	u.SetChecksum(0)
	assert.True(t, pkt.VerifyL4Checksum(b, &p), "0 means no checksum over IPv4")

	// Find a payload whose checksum computes to 0: it must be sent as 0xffff.
	for i := 0; i < 1<<16; i++ {
		binary.BigEndian.PutUint16(b[p.PayloadOffset:], uint16(i))
		c, err := pkt.L4Checksum(b, &p)
		require.NoError(t, err)
		if c == 0xffff {
			u.SetChecksum(0)
			if pkt.Fold(pkt.Sum(b[p.L4Offset:], pkt.PseudoSumIPv4([4]byte(ip4A.To4()), [4]byte(ip4B.To4()), pkt.ProtoUDP, len(b)-p.L4Offset))) == 0xffff {
				require.NoError(t, pkt.SetL4Checksum(b, &p))
				assert.Equal(t, uint16(0xffff), u.Checksum())
				assert.True(t, pkt.VerifyL4Checksum(b, &p))
				assert.Empty(t, mismatches(t, b))
				return
			}
		}
	}
	t.Fatal("no payload with checksum 0 found")
}

func TestUDPv6ZeroChecksumRejected(t *testing.T) {
	for _, s := range samples(t) {
		if s.name != "ipv6-udp" {
			continue
		}
		b := append([]byte(nil), s.b...)
		p := parse(t, b)
		pkt.UDP(b[p.L4Offset:]).SetChecksum(0)
		assert.False(t, pkt.VerifyL4Checksum(b, &p))
		return
	}
	t.Fatal("sample missing")
}

func TestPseudoSums(t *testing.T) {
	src, dst := [4]byte{1, 2, 3, 4}, [4]byte{5, 6, 7, 8}
	hdr := []byte{1, 2, 3, 4, 5, 6, 7, 8, 0, 17, 0, 100}
	assert.Equal(t, naiveSum(hdr), pkt.Fold(pkt.PseudoSumIPv4(src, dst, 17, 100)))
	var s6, d6 [16]byte
	copy(s6[:], ip6A)
	copy(d6[:], ip6B)
	h6 := append(append(append([]byte(nil), ip6A...), ip6B...), 0, 1, 0, 1, 0, 0, 0, 58)
	assert.Equal(t, naiveSum(h6), pkt.Fold(pkt.PseudoSumIPv6(s6, d6, 58, 65537)))
}

// TestPseudoHeaderChecksum checks the offload preparation: a NIC that sums
// the L4 message (with the pseudo-header sum in the checksum field) and
// stores the complement produces gopacket's checksum.
func TestPseudoHeaderChecksum(t *testing.T) {
	n := 0
	for _, s := range samples(t) {
		b := append([]byte(nil), s.b...)
		p := parse(t, b)
		err := pkt.SetPseudoHeaderChecksum(b, &p)
		if p.L4Proto != pkt.ProtoUDP && p.L4Proto != pkt.ProtoTCP {
			require.ErrorIs(t, err, pkt.ErrUnsupported)
			continue
		}
		require.NoError(t, err)
		n++
		off := p.L4Offset + l4CsumOff(p.L4Proto)
		end := p.PayloadOffset + p.PayloadLen
		hw := ^pkt.Fold(pkt.Sum(b[p.L4Offset:end], 0))
		if hw == 0 && p.L4Proto == pkt.ProtoUDP {
			hw = 0xffff
		}
		assert.Equal(t, binary.BigEndian.Uint16(s.b[off:]), hw, s.name)

		// TSO: the pseudo-header length is 0.
		require.NoError(t, pkt.SetPseudoHeaderChecksumTSO(b, &p))
		var want uint64
		if p.L3Proto == pkt.L3IPv4 {
			ip := pkt.IPv4(b[p.L3Offset:])
			want = pkt.PseudoSumIPv4(ip.Src(), ip.Dst(), p.L4Proto, 0)
		} else {
			ip := pkt.IPv6(b[p.L3Offset:])
			want = pkt.PseudoSumIPv6(ip.Src(), ip.Dst(), p.L4Proto, 0)
		}
		assert.Equal(t, pkt.Fold(want), binary.BigEndian.Uint16(b[off:]), s.name)
	}
	assert.Equal(t, 14, n)
}

func TestL4ChecksumSourceRouted(t *testing.T) {
	final := [16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 0x99}
	// An IPv6 routing header of type 0 with segments left: the pseudo-header
	// holds the last address; gopacket agrees.
	rt := []byte{pkt.ProtoUDP, 2, 0, 1, 0, 0, 0, 0}
	rt = append(rt, final[:]...)
	v6 := ipv6(layers.IPProtocolIPv6Routing)
	b := serialize(t, eth(layers.EthernetTypeIPv6), v6, gopacket.Payload(rt), udp(v6, 9, 10), payload(20))
	p := parse(t, b)
	require.NoError(t, pkt.SetL4Checksum(b, &p))
	assert.Empty(t, mismatches(t, b))
	ip := pkt.IPv6(b[p.L3Offset:])
	u := pkt.UDP(b[p.L4Offset:])
	ps := pkt.PseudoSumIPv6(ip.Src(), final, pkt.ProtoUDP, len(u))
	assert.Equal(t, uint16(0xffff), pkt.Fold(pkt.Sum(u, ps)))

	// Rewriting the header destination must not touch the L4 checksum.
	c := u.Checksum()
	require.NoError(t, pkt.RewriteIPv6Dst(b, &p, [16]byte{0xfe, 0x80, 15: 1}))
	assert.Equal(t, c, u.Checksum())
	assert.True(t, pkt.VerifyL4Checksum(b, &p))
	require.NoError(t, pkt.RewriteIPv6Src(b, &p, [16]byte{0xfe, 0x80, 15: 2}))
	assert.True(t, pkt.VerifyL4Checksum(b, &p))
	assert.Empty(t, mismatches(t, b))

	// IPv4 loose source route with one address left.
	v4 := ipv4(layers.IPProtocolUDP)
	v4.Options = []layers.IPv4Option{{OptionType: 131, OptionLength: 7, OptionData: []byte{4, 10, 9, 8, 7}},
		{OptionType: 0, OptionLength: 1}}
	b = serialize(t, eth(layers.EthernetTypeIPv4), v4, udp(v4, 9, 10), payload(20))
	p = parse(t, b)
	require.NoError(t, pkt.SetL4Checksum(b, &p))
	assert.Empty(t, mismatches(t, b))
	ip4 := pkt.IPv4(b[p.L3Offset:])
	u = pkt.UDP(b[p.L4Offset:])
	assert.Equal(t, uint16(0xffff), pkt.Fold(pkt.Sum(u, pkt.PseudoSumIPv4(ip4.Src(), [4]byte{10, 9, 8, 7}, pkt.ProtoUDP, len(u)))))
	c = u.Checksum()
	require.NoError(t, pkt.RewriteIPv4Dst(b, &p, [4]byte{1, 1, 1, 1}))
	assert.Equal(t, c, u.Checksum())
	assert.True(t, ip4.ChecksumValid())
	assert.Empty(t, mismatches(t, b))
}

func TestUpdateChecksum(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, 64)
	for i := 0; i < 20000; i++ {
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		if i%7 == 0 {
			clear(b[8:])
		}
		c := pkt.Checksum(b)
		off := r.IntN(len(b)/2-8) * 2
		switch i % 3 {
		case 0:
			old := binary.BigEndian.Uint16(b[off:])
			nw := uint16(r.Uint32())
			binary.BigEndian.PutUint16(b[off:], nw)
			require.Equal(t, pkt.Checksum(b), pkt.UpdateChecksum16(c, old, nw))
		case 1:
			old := binary.BigEndian.Uint32(b[off:])
			nw := r.Uint32()
			binary.BigEndian.PutUint32(b[off:], nw)
			require.Equal(t, pkt.Checksum(b), pkt.UpdateChecksum32(c, old, nw))
		default:
			old := append([]byte(nil), b[off:off+16]...)
			for j := off; j < off+16; j++ {
				b[j] = byte(r.Uint32())
			}
			require.Equal(t, pkt.Checksum(b), pkt.UpdateChecksumBytes(c, old, b[off:off+16]))
		}
	}
	assert.Equal(t, uint16(0x1234), pkt.UpdateChecksumBytes(0x1234, []byte{1, 2}, []byte{1}))
	assert.Equal(t, uint16(0x1234), pkt.UpdateChecksumBytes(0x1234, []byte{1}, []byte{2}))
}

func TestL4ChecksumRejectsInconsistentParsed(t *testing.T) {
	b := samples(t)[0].b
	p := parse(t, b)
	for _, q := range []pkt.Parsed{
		{},
		func() pkt.Parsed { q := p; q.PayloadLen += 1000; return q }(),
		func() pkt.Parsed { q := p; q.L3Proto = pkt.L3ARP; return q }(),
		func() pkt.Parsed { q := p; q.L3Len = 4; return q }(),
		func() pkt.Parsed { q := p; q.L4Offset = 20; return q }(),
		func() pkt.Parsed { q := p; q.Flags |= pkt.FlagTruncated; return q }(),
		func() pkt.Parsed { q := p; q.L4Proto = 47; return q }(),
	} {
		_, err := pkt.L4Checksum(b, &q)
		assert.Error(t, err, "%+v", q)
		assert.Error(t, pkt.SetL4Checksum(b, &q))
		assert.Error(t, pkt.SetPseudoHeaderChecksum(b, &q))
		assert.False(t, pkt.VerifyL4Checksum(b, &q))
	}
	// A UDP length beyond the packet.
	bb := append([]byte(nil), b...)
	pkt.UDP(bb[p.L4Offset:]).SetLength(500)
	_, err := pkt.L4Checksum(bb, &p)
	assert.ErrorIs(t, err, pkt.ErrMalformed)
}
