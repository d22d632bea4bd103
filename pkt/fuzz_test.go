package pkt_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/pkt"
)

// seedPackets adds every sample, special packet, some prefixes and some
// corrupted variants to the corpus of a fuzz target taking one []byte.
func seedPackets(f *testing.F) {
	for _, b := range seedList(f) {
		f.Add(b)
	}
}

func seedList(tb testing.TB) [][]byte {
	var out [][]byte
	for _, s := range append(samples(tb), special(tb)...) {
		out = append(out, s.b)
		for _, n := range []int{13, 14, 17, 20, 33, 37, 41, 53, 57, 61, 70} {
			if n < len(s.b) {
				out = append(out, s.b[:n])
			}
		}
		for _, off := range []int{12, 14, 15, 16, 20, 23, 46, 54, 55} {
			if off < len(s.b) {
				c := bytes.Clone(s.b)
				c[off] ^= 0xff
				out = append(out, c)
			}
		}
	}
	return out
}

// layerOffset returns the offset of a gopacket layer decoded with NoCopy
// from b.
func layerOffset(b []byte, l gopacket.Layer) int {
	return cap(b) - cap(l.LayerContents())
}

func FuzzParse(f *testing.F) {
	seedPackets(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		b = b[:len(b):len(b)]
		var p pkt.Parsed
		err := pkt.Parse(b, &p)
		var again pkt.Parsed
		require.Equal(t, err, pkt.Parse(b, &again))
		require.Equal(t, p, again, "deterministic")
		switch {
		case err == nil:
			require.Zero(t, p.Flags&(pkt.FlagTruncated|pkt.FlagMalformed))
		case errors.Is(err, pkt.ErrTruncated):
			require.Equal(t, pkt.FlagTruncated, p.Flags&(pkt.FlagTruncated|pkt.FlagMalformed))
			require.Zero(t, p.PayloadOffset+p.PayloadLen)
			return
		case errors.Is(err, pkt.ErrMalformed):
			require.Equal(t, pkt.FlagMalformed, p.Flags&(pkt.FlagTruncated|pkt.FlagMalformed))
			require.Zero(t, p.PayloadOffset+p.PayloadLen)
			return
		default:
			t.Fatalf("unexpected error %v", err)
		}

		// Structural invariants of a successful parse.
		require.Contains(t, []int{14, 18, 22}, p.L2Len)
		require.Equal(t, (p.L2Len-14)/4, p.VLANs)
		require.Equal(t, p.L2Len, p.L3Offset)
		require.NotEqual(t, pkt.L3None, p.L3Proto)
		require.LessOrEqual(t, p.PayloadOffset+p.PayloadLen, len(b))
		require.GreaterOrEqual(t, p.PayloadLen, 0)
		l3 := b[p.L3Offset:]
		switch p.L3Proto {
		case pkt.L3IPv4:
			ip, err := pkt.NewIPv4(l3)
			require.NoError(t, err)
			require.Equal(t, ip.HeaderLen(), p.L3Len)
			require.Equal(t, p.L3Offset+int(ip.TotalLen()), p.PayloadOffset+p.PayloadLen)
			require.Equal(t, ip.Protocol(), p.L4Proto)
			require.Equal(t, ip.IsFragment(), p.Flags&pkt.FlagFragment != 0)
		case pkt.L3IPv6:
			ip, err := pkt.NewIPv6(l3)
			require.NoError(t, err)
			require.GreaterOrEqual(t, p.L3Len, 40)
			require.Equal(t, p.L3Offset+40+int(ip.PayloadLen()), p.PayloadOffset+p.PayloadLen)
			proto, off, err := ip.UpperLayer()
			if p.L4Offset == 0 {
				require.ErrorIs(t, err, pkt.ErrUnsupported)
			} else {
				require.NoError(t, err)
				require.Equal(t, p.L4Offset-p.L3Offset, off)
			}
			require.Equal(t, p.L4Proto, proto)
		case pkt.L3ARP:
			_, err := pkt.NewARP(l3)
			require.NoError(t, err)
			require.Zero(t, p.PayloadLen)
		case pkt.L3Other:
			require.Zero(t, p.L3Len)
			require.NotContains(t, []uint16{pkt.EtherTypeIPv4, pkt.EtherTypeIPv6, pkt.EtherTypeARP}, p.EtherType)
		}
		if p.L3Proto == pkt.L3IPv4 || p.L3Proto == pkt.L3IPv6 {
			if p.L4Offset == 0 {
				require.NotZero(t, p.Flags&pkt.FlagFragment)
				require.Equal(t, p.L3Offset+p.L3Len, p.PayloadOffset)
			} else {
				require.Equal(t, p.L3Offset+p.L3Len, p.L4Offset)
				require.Equal(t, p.L4Offset+p.L4Len, p.PayloadOffset)
			}
		} else {
			require.Zero(t, p.L4Offset)
		}
		l4 := b[p.L4Offset : p.PayloadOffset+p.PayloadLen]
		switch {
		case !p.HasL4():
			require.Zero(t, p.L4Len)
		case p.L4Proto == pkt.ProtoUDP:
			_, err := pkt.NewUDP(l4)
			require.NoError(t, err)
		case p.L4Proto == pkt.ProtoTCP:
			c, err := pkt.NewTCP(l4)
			require.NoError(t, err)
			require.Equal(t, c.HeaderLen(), p.L4Len)
		default:
			_, err := pkt.NewICMP(l4)
			require.NoError(t, err)
		}

		if p.L3Proto != pkt.L3Other {
			crossCheckGopacket(t, b, &p)
		}
	})
}

// crossCheckGopacket compares p with the layers gopacket decodes from b. It
// only asserts what is well defined: gopacket is more lenient in places, so
// layers it does not produce are not compared. gopacket sees the headers
// only: its application-layer decoders are slow on some inputs.
func crossCheckGopacket(t *testing.T, b []byte, p *pkt.Parsed) {
	hdrs := b[:p.PayloadOffset]
	pk := trustedLayers(gopacket.NewPacket(hdrs, layers.LayerTypeEthernet, gopacket.DecodeOptions{NoCopy: true}))
	ge, ok := pk.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	if !ok {
		return
	}
	e := pkt.Ethernet(b)
	require.Equal(t, hw(e.Dst()), ge.DstMAC)
	require.Equal(t, hw(e.Src()), ge.SrcMAC)
	if e.EtherType() >= 0x0600 { // below, gopacket reads an 802.3 length
		require.Equal(t, e.EtherType(), uint16(ge.EthernetType))
	}
	vi := 0
	for _, l := range pk.Layers() {
		if q, ok := l.(*layers.Dot1Q); ok && vi < p.VLANs {
			require.Equal(t, q.VLANIdentifier, p.VLANID[vi])
			require.Equal(t, 14+4*vi, layerOffset(b, q))
			vi++
		}
	}
	if vi < p.VLANs {
		return // gopacket stopped early
	}
	switch p.L3Proto {
	case pkt.L3IPv4:
		g, ok := pk.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if !ok {
			return // gopacket rejects some options Parse does not look at
		}
		require.Equal(t, p.L3Offset, layerOffset(b, g))
		ip := pkt.IPv4(b[p.L3Offset:])
		require.Equal(t, g.IHL, ip.IHL())
		require.Equal(t, g.Length, ip.TotalLen())
		require.Equal(t, g.TTL, ip.TTL())
		require.Equal(t, uint8(g.Protocol), p.L4Proto)
		require.Equal(t, uint8(g.Flags), ip.Flags())
		require.Equal(t, g.FragOffset, ip.FragmentOffset())
		require.Equal(t, [4]byte(g.SrcIP.To4()), ip.Src())
		require.Equal(t, [4]byte(g.DstIP.To4()), ip.Dst())
	case pkt.L3IPv6:
		g, ok := pk.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
		if !ok {
			return // gopacket rejects some extension headers Parse skips
		}
		require.Equal(t, p.L3Offset, layerOffset(b, g))
		ip := pkt.IPv6(b[p.L3Offset:])
		require.Equal(t, g.HopLimit, ip.HopLimit())
		require.Equal(t, g.Length, ip.PayloadLen())
		require.Equal(t, [16]byte(g.SrcIP), ip.Src())
		require.Equal(t, [16]byte(g.DstIP), ip.Dst())
	case pkt.L3ARP:
		g, ok := pk.Layer(layers.LayerTypeARP).(*layers.ARP)
		if !ok {
			return
		}
		a := pkt.ARP(b[p.L3Offset:])
		require.Equal(t, g.Operation, a.Operation())
		require.Equal(t, []byte(g.SourceHwAddress), a.SenderHardwareAddr())
		require.Equal(t, []byte(g.DstProtAddress), a.TargetProtocolAddr())
		return
	default:
		return
	}
	if !p.HasL4() || p.Flags&pkt.FlagFragment != 0 {
		return
	}
	switch p.L4Proto {
	case pkt.ProtoUDP:
		if g, ok := pk.Layer(layers.LayerTypeUDP).(*layers.UDP); ok && layerOffset(b, g) == p.L4Offset {
			u := pkt.UDP(b[p.L4Offset:])
			require.Equal(t, uint16(g.SrcPort), u.SrcPort())
			require.Equal(t, uint16(g.DstPort), u.DstPort())
		} else if ok {
			t.Fatalf("gopacket found UDP at %d, Parse at %d", layerOffset(b, g), p.L4Offset)
		}
	case pkt.ProtoTCP:
		if g, ok := pk.Layer(layers.LayerTypeTCP).(*layers.TCP); ok {
			require.Equal(t, p.L4Offset, layerOffset(b, g))
			c := pkt.TCP(b[p.L4Offset:])
			require.Equal(t, uint16(g.SrcPort), c.SrcPort())
			require.Equal(t, uint16(g.DstPort), c.DstPort())
			require.Equal(t, int(g.DataOffset)*4, p.L4Len)
			require.Equal(t, gpTCPFlags(g), c.Flags())
		}
	case pkt.ProtoICMP:
		if g, ok := pk.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); ok {
			require.Equal(t, p.L4Offset, layerOffset(b, g))
			require.Equal(t, g.TypeCode.Type(), pkt.ICMP(b[p.L4Offset:]).Type())
			require.Equal(t, g.TypeCode.Code(), pkt.ICMP(b[p.L4Offset:]).Code())
		}
	case pkt.ProtoICMPv6:
		if g, ok := pk.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6); ok {
			require.Equal(t, p.L4Offset, layerOffset(b, g))
			require.Equal(t, g.TypeCode.Type(), pkt.ICMP(b[p.L4Offset:]).Type())
		}
	}
}

// decoded holds the layers gopacket decoded completely.
type decoded []gopacket.Layer

// trustedLayers drops from the layers of pk the one whose decoding failed:
// gopacket adds it, partly filled, before the DecodeFailure layer.
func trustedLayers(pk gopacket.Packet) decoded {
	ls := pk.Layers()
	if pk.ErrorLayer() != nil {
		ls = ls[:max(0, len(ls)-2)]
	}
	return ls
}

// Layer returns the first layer of type lt, or nil.
func (d decoded) Layer(lt gopacket.LayerType) gopacket.Layer {
	for _, l := range d {
		if l.LayerType() == lt {
			return l
		}
	}
	return nil
}

// Layers returns the layers.
func (d decoded) Layers() []gopacket.Layer { return d }

func FuzzSwapFiveTuple(f *testing.F) {
	seedPackets(f)
	f.Fuzz(func(t *testing.T, orig []byte) {
		b := bytes.Clone(orig)
		var p pkt.Parsed
		perr := pkt.Parse(b, &p)
		ipValid := p.L3Proto == pkt.L3IPv4 && p.L3Len > 0 && pkt.IPv4(b[p.L3Offset:]).ChecksumValid()
		l4Valid := pkt.VerifyL4Checksum(b, &p)
		err := pkt.SwapFiveTuple(b, &p)
		if p.L2Len == 0 { // Parse failed in the Ethernet header
			require.ErrorIs(t, err, pkt.ErrTruncated)
			require.Equal(t, orig, b)
			return
		}
		require.NoError(t, err)
		if perr == nil {
			var q pkt.Parsed
			require.NoError(t, pkt.Parse(b, &q))
			require.Equal(t, p, q, "a swap changes no structure")
		}
		if ipValid {
			require.True(t, pkt.IPv4(b[p.L3Offset:]).ChecksumValid())
		}
		if l4Valid && !sourceRouted(b, &p) {
			require.True(t, pkt.VerifyL4Checksum(b, &p))
		}
		require.Equal(t, orig[:6], b[6:12])
		require.NoError(t, pkt.SwapFiveTuple(b, &p))
		require.Equal(t, orig, b, "swapping twice restores the packet")
	})
}

// SwapFiveTupleFast either does exactly what Parse and SwapFiveTuple do
// (and Parse accepts the packet), or nothing.
func FuzzSwapFiveTupleFast(f *testing.F) {
	seedPackets(f)
	f.Fuzz(func(t *testing.T, orig []byte) {
		fast := bytes.Clone(orig)
		if !pkt.SwapFiveTupleFast(fast) {
			require.Equal(t, orig, fast, "declined: b unchanged")
			return
		}
		slow := bytes.Clone(orig)
		var p pkt.Parsed
		require.NoError(t, pkt.Parse(slow, &p), "taken only for packets Parse accepts")
		require.NoError(t, pkt.SwapFiveTuple(slow, &p))
		require.Equal(t, slow, fast)
		require.True(t, p.L4Len > 0 && (p.L4Proto == pkt.ProtoUDP || p.L4Proto == pkt.ProtoTCP))
	})
}

// sourceRouted reports whether the pseudo-header of p uses a final
// destination other than the IP destination address.
func sourceRouted(b []byte, p *pkt.Parsed) bool {
	if p.Flags&pkt.FlagIPOptions == 0 {
		return false
	}
	c := bytes.Clone(b)
	switch p.L3Proto {
	case pkt.L3IPv4:
		c[p.L3Offset+16] ^= 0xff
	case pkt.L3IPv6:
		c[p.L3Offset+24] ^= 0xff
	}
	c1, err1 := pkt.L4Checksum(b, p)
	c2, err2 := pkt.L4Checksum(c, p)
	return err1 == nil && err2 == nil && c1 == c2
}

func FuzzDecrementTTL(f *testing.F) {
	seedPackets(f)
	f.Fuzz(func(t *testing.T, orig []byte) {
		b := bytes.Clone(orig)
		var p pkt.Parsed
		_ = pkt.Parse(b, &p)
		ipValid := p.L3Proto == pkt.L3IPv4 && p.L3Len > 0 && pkt.IPv4(b[p.L3Offset:]).ChecksumValid()
		ok := pkt.DecrementTTL(b, &p)
		if !ok {
			require.Equal(t, orig, b)
			if p.L3Len > 0 {
				switch p.L3Proto {
				case pkt.L3IPv4:
					require.LessOrEqual(t, orig[p.L3Offset+8], uint8(1))
				case pkt.L3IPv6:
					require.LessOrEqual(t, orig[p.L3Offset+7], uint8(1))
				}
			}
			return
		}
		require.Contains(t, []pkt.L3Proto{pkt.L3IPv4, pkt.L3IPv6}, p.L3Proto)
		off := p.L3Offset + 7
		if p.L3Proto == pkt.L3IPv4 {
			off = p.L3Offset + 8
			ip := pkt.IPv4(b[p.L3Offset:])
			if ipValid {
				require.True(t, ip.ChecksumValid())
				require.Equal(t, ip.ComputeChecksum(), ip.Checksum())
			}
			copy(b[p.L3Offset+10:p.L3Offset+12], orig[p.L3Offset+10:])
		}
		require.Equal(t, orig[off]-1, b[off])
		b[off]++
		require.Equal(t, orig, b, "only the TTL and the checksum change")
	})
}

func FuzzChecksum(f *testing.F) {
	f.Add([]byte{}, uint16(0), uint16(0), uint16(0))
	f.Add([]byte{0xff}, uint16(1), uint16(0xffff), uint16(0))
	f.Add([]byte{0, 1, 0xf2, 3, 0xf4, 0xf5, 0xf6, 0xf7}, uint16(4), uint16(0x1234), uint16(0xffff))
	f.Add(bytes.Repeat([]byte{0xff}, 77), uint16(40), uint16(0), uint16(0xffff))
	f.Add(bytes.Repeat([]byte{0}, 64), uint16(2), uint16(0), uint16(1))
	for _, s := range samples(f) {
		f.Add(s.b, uint16(len(s.b)/2), uint16(0xabcd), uint16(7))
	}
	f.Fuzz(func(t *testing.T, b []byte, at, v16, w16 uint16) {
		require.Equal(t, naiveSum(b), pkt.Fold(pkt.Sum(b, 0)))
		k := int(at) % (len(b) + 1) &^ 1
		require.Equal(t, naiveSum(b), pkt.Fold(pkt.Sum(b[k:], pkt.Sum(b[:k], 0))))
		require.Equal(t, ^naiveSum(b), pkt.Checksum(b))
		if len(b) < 4 {
			return
		}
		// Incremental updates agree with recomputation (0 and 0xffff are
		// both zero in ones' complement; they differ only for all-zero data).
		k = int(at) % (len(b) - 3) &^ 1
		c := pkt.Checksum(b)
		old16 := binary.BigEndian.Uint16(b[k:])
		binary.BigEndian.PutUint16(b[k:], v16)
		requireSameOnes(t, pkt.Checksum(b), pkt.UpdateChecksum16(c, old16, v16))
		c = pkt.Checksum(b)
		old32 := binary.BigEndian.Uint32(b[k:])
		nw := uint32(v16)<<16 | uint32(w16)
		binary.BigEndian.PutUint32(b[k:], nw)
		requireSameOnes(t, pkt.Checksum(b), pkt.UpdateChecksum32(c, old32, nw))
		c = pkt.Checksum(b)
		oldB := bytes.Clone(b[k : k+4])
		binary.BigEndian.PutUint32(b[k:], ^nw)
		requireSameOnes(t, pkt.Checksum(b), pkt.UpdateChecksumBytes(c, oldB, b[k:k+4]))
	})
}

func requireSameOnes(t *testing.T, want, got uint16) {
	t.Helper()
	if want != got && !(want|got == 0xffff && want&got == 0) {
		t.Fatalf("checksum %#04x, want %#04x", got, want)
	}
}

func FuzzL4Checksum(f *testing.F) {
	seedPackets(f)
	f.Fuzz(func(t *testing.T, orig []byte) {
		b := bytes.Clone(orig)
		var p pkt.Parsed
		_ = pkt.Parse(b, &p)
		c, err := pkt.L4Checksum(b, &p)
		if err != nil {
			require.False(t, pkt.VerifyL4Checksum(b, &p))
			require.Error(t, pkt.SetL4Checksum(b, &p))
			require.Equal(t, orig, b)
			return
		}
		require.NoError(t, pkt.SetL4Checksum(b, &p))
		require.True(t, pkt.VerifyL4Checksum(b, &p))
		off := p.L4Offset + l4CsumOff(p.L4Proto)
		require.Equal(t, c, binary.BigEndian.Uint16(b[off:]))
		if p.L4Proto == pkt.ProtoUDP {
			require.NotZero(t, c)
		}

		// Offload: the NIC sums from the L4 header with the pseudo-header
		// sum in place, and stores the complement.
		if p.L4Proto == pkt.ProtoUDP || p.L4Proto == pkt.ProtoTCP {
			o := bytes.Clone(b)
			require.NoError(t, pkt.SetPseudoHeaderChecksum(o, &p))
			end := p.PayloadOffset + p.PayloadLen
			if p.L4Proto == pkt.ProtoUDP {
				end = p.L4Offset + int(pkt.UDP(o[p.L4Offset:]).Length())
			}
			hw := ^pkt.Fold(pkt.Sum(o[p.L4Offset:end], 0))
			if hw == 0 && p.L4Proto == pkt.ProtoUDP {
				hw = 0xffff
			}
			require.Equal(t, c, hw)
		}

		// gopacket agrees when it decodes the same headers.
		if res, ok := gpVerifyL4(b, &p); ok {
			require.True(t, res.Valid, "gopacket finds checksum %#x, want %#x", res.Actual, res.Correct)
		}
	})
}

// gpVerifyL4 decodes the IP and L4 headers of p with gopacket's layer
// decoders (no application-layer decoding) and verifies the L4 checksum.
// ok is false if gopacket cannot decode them.
func gpVerifyL4(b []byte, p *pkt.Parsed) (res gopacket.ChecksumVerificationResult, ok bool) {
	df := gopacket.NilDecodeFeedback
	var nl gopacket.NetworkLayer
	switch p.L3Proto {
	case pkt.L3IPv4:
		ip := &layers.IPv4{}
		if ip.DecodeFromBytes(b[p.L3Offset:], df) != nil {
			return res, false
		}
		nl = ip
	case pkt.L3IPv6:
		ip := &layers.IPv6{}
		if ip.DecodeFromBytes(b[p.L3Offset:], df) != nil {
			return res, false
		}
		nl = ip
	default:
		return res, false
	}
	l4 := b[p.L4Offset : p.PayloadOffset+p.PayloadLen]
	var err error
	switch p.L4Proto {
	case pkt.ProtoUDP:
		l := &layers.UDP{}
		if l.DecodeFromBytes(l4, df) != nil || l.SetNetworkLayerForChecksum(nl) != nil {
			return res, false
		}
		err, res = l.VerifyChecksum()
	case pkt.ProtoTCP:
		l := &layers.TCP{}
		if l.DecodeFromBytes(l4, df) != nil || l.SetNetworkLayerForChecksum(nl) != nil {
			return res, false
		}
		err, res = l.VerifyChecksum()
	case pkt.ProtoICMP:
		l := &layers.ICMPv4{}
		if l.DecodeFromBytes(l4, df) != nil {
			return res, false
		}
		err, res = l.VerifyChecksum()
	case pkt.ProtoICMPv6:
		l := &layers.ICMPv6{}
		if l.DecodeFromBytes(l4, df) != nil || l.SetNetworkLayerForChecksum(nl) != nil {
			return res, false
		}
		err, res = l.VerifyChecksum()
	default:
		return res, false
	}
	return res, err == nil
}

func FuzzRewrite(f *testing.F) {
	for _, b := range seedList(f) {
		f.Add(b, uint32(0xcb007109), uint16(80), uint64(0xfd12), uint8(0))
	}
	f.Fuzz(func(t *testing.T, orig []byte, a uint32, port uint16, a6 uint64, which uint8) {
		b := bytes.Clone(orig)
		var p pkt.Parsed
		_ = pkt.Parse(b, &p)
		ipValid := p.L3Proto == pkt.L3IPv4 && p.L3Len > 0 && pkt.IPv4(b[p.L3Offset:]).ChecksumValid()
		l4Valid := pkt.VerifyL4Checksum(b, &p)
		var a4 [4]byte
		binary.BigEndian.PutUint32(a4[:], a)
		var addr6 [16]byte
		binary.BigEndian.PutUint64(addr6[8:], a6)
		addr6[0] = 0x20
		var err error
		switch which % 6 {
		case 0:
			err = pkt.RewriteIPv4Src(b, &p, a4)
		case 1:
			err = pkt.RewriteIPv4Dst(b, &p, a4)
		case 2:
			err = pkt.RewriteIPv6Src(b, &p, addr6)
		case 3:
			err = pkt.RewriteIPv6Dst(b, &p, addr6)
		case 4:
			err = pkt.RewriteSrcPort(b, &p, port)
		default:
			err = pkt.RewriteDstPort(b, &p, port)
		}
		if err != nil {
			require.Equal(t, orig, b, "a failed rewrite changes nothing")
			return
		}
		if ipValid {
			require.True(t, pkt.IPv4(b[p.L3Offset:]).ChecksumValid())
		}
		if l4Valid {
			require.True(t, pkt.VerifyL4Checksum(b, &p))
		}
		switch which % 6 {
		case 0:
			require.Equal(t, a4, pkt.IPv4(b[p.L3Offset:]).Src())
		case 1:
			require.Equal(t, a4, pkt.IPv4(b[p.L3Offset:]).Dst())
		case 2:
			require.Equal(t, addr6, pkt.IPv6(b[p.L3Offset:]).Src())
		case 3:
			require.Equal(t, addr6, pkt.IPv6(b[p.L3Offset:]).Dst())
		case 4:
			require.Equal(t, port, pkt.UDP(b[p.L4Offset:]).SrcPort())
		default:
			require.Equal(t, port, pkt.UDP(b[p.L4Offset:]).DstPort())
		}
	})
}

func FuzzTemplate(f *testing.F) {
	f.Add(uint16(0), uint16(9), uint16(1), uint8(0), uint8(0), uint32(0x0a000001), uint32(0x0a000002), []byte("x"))
	f.Add(uint16(42), uint16(0), uint16(0), uint8(1), uint8(0xff), uint32(0), uint32(0), []byte{})
	f.Add(uint16(1514), uint16(0xffff), uint16(0xffff), uint8(255), uint8(3), uint32(0xffffffff), uint32(1), []byte{0, 0xff})
	f.Add(uint16(41), uint16(1), uint16(1), uint8(1), uint8(1), uint32(1), uint32(1), []byte{1})
	f.Fuzz(func(t *testing.T, size, dport, sport uint16, ttl, tos uint8, src, dst uint32, pay []byte) {
		tm := pkt.Template{DstPort: dport, TTL: ttl, TOS: tos, FrameSize: int(size), Payload: pay,
			SrcMAC: [6]byte{2, 1}, DstMAC: [6]byte{2, 2}}
		binary.BigEndian.PutUint32(tm.SrcIP[:], src)
		binary.BigEndian.PutUint32(tm.DstIP[:], dst)
		buf := make([]byte, 1<<16)
		n, err := tm.Build(buf, sport)
		if size != 0 && size < 42 {
			require.ErrorIs(t, err, pkt.ErrFrameSize)
			return
		}
		require.NoError(t, err)
		want := int(size)
		if size == 0 {
			want = 60
		}
		require.Equal(t, want, n)
		b := buf[:n]
		var p pkt.Parsed
		require.NoError(t, pkt.Parse(b, &p))
		require.Equal(t, pkt.ProtoUDP, p.L4Proto)
		require.True(t, p.HasL4())
		ip, u := pkt.IPv4(b[p.L3Offset:]), pkt.UDP(b[p.L4Offset:])
		require.True(t, ip.ChecksumValid())
		require.True(t, pkt.VerifyL4Checksum(b, &p))
		require.NotZero(t, u.Checksum())
		require.Equal(t, sport, u.SrcPort())
		require.Equal(t, dport, u.DstPort())
		require.Equal(t, tm.SrcIP, ip.Src())
		require.Equal(t, tm.DstIP, ip.Dst())
		require.Equal(t, tos, ip.TOS())
		if ttl == 0 {
			ttl = 64
		}
		require.Equal(t, ttl, ip.TTL())
		for i, c := range u.Payload() {
			if len(pay) == 0 {
				require.Zero(t, c)
			} else {
				require.Equal(t, pay[i%len(pay)], c)
			}
		}
		g4 := &layers.IPv4{}
		require.NoError(t, g4.DecodeFromBytes(b[14:], gopacket.NilDecodeFeedback))
		_, r4 := g4.VerifyChecksum()
		require.True(t, r4.Valid)
		res, ok := gpVerifyL4(b, &p)
		require.True(t, ok)
		require.True(t, res.Valid)
		require.Equal(t, res.Correct, uint32(u.Checksum()))
	})
}

// FuzzViews calls every accessor of every view over arbitrary bytes: views
// made by the constructors never read out of range.
func FuzzViews(f *testing.F) {
	for _, b := range seedList(f) {
		f.Add(b, uint8(14))
	}
	f.Fuzz(func(t *testing.T, b []byte, at uint8) {
		if int(at) <= len(b) {
			b = b[at:]
		}
		if e, err := pkt.NewEthernet(b); err == nil {
			e.SetDst(e.Src())
			e.SetSrc(e.Dst())
			e.SetEtherType(e.EtherType())
			_ = e.Payload()
		}
		if v, err := pkt.NewVLAN(b); err == nil {
			v.SetPCP(v.PCP())
			v.SetID(v.ID())
			_ = v.DEI()
			v.SetEtherType(v.EtherType())
		}
		if a, err := pkt.NewARP(b); err == nil {
			_, _, _, _ = a.HardwareType(), a.ProtocolType(), a.HardwareLen(), a.ProtocolLen()
			a.SetOperation(a.Operation())
			_ = a.IsEthernetIPv4()
			n := len(a.SenderHardwareAddr()) + len(a.SenderProtocolAddr()) + len(a.TargetHardwareAddr()) + len(a.TargetProtocolAddr())
			require.Equal(t, 2*int(a.HardwareLen())+2*int(a.ProtocolLen()), n)
		}
		if ip, err := pkt.NewIPv4(b); err == nil {
			_, _, _, _ = ip.Version(), ip.IHL(), ip.TOS(), ip.TotalLen()
			_, _, _, _ = ip.ID(), ip.Flags(), ip.FragmentOffset(), ip.IsFragment()
			_, _, _ = ip.TTL(), ip.Protocol(), ip.Checksum()
			_, _, _, _ = ip.Src(), ip.Dst(), ip.SrcAddr(), ip.DstAddr()
			require.Len(t, ip.Options(), ip.HeaderLen()-20)
			_, _ = ip.Option(b[0])
			_, _ = ip.Option(131)
			require.LessOrEqual(t, len(ip.Payload()), len(ip)-ip.HeaderLen())
			ip.UpdateChecksum()
			require.True(t, ip.ChecksumValid())
		}
		if ip, err := pkt.NewIPv6(b); err == nil {
			_, _, _, _ = ip.Version(), ip.TrafficClass(), ip.FlowLabel(), ip.PayloadLen()
			_, _, _, _ = ip.NextHeader(), ip.HopLimit(), ip.SrcAddr(), ip.DstAddr()
			require.LessOrEqual(t, len(ip.Payload()), len(ip)-40)
			if proto, off, err := ip.UpperLayer(); err == nil {
				require.LessOrEqual(t, off, len(ip))
				require.GreaterOrEqual(t, off, 40)
				_ = proto
			}
			tc, fl := ip.TrafficClass(), ip.FlowLabel()
			ip.SetTrafficClass(tc)
			ip.SetFlowLabel(fl)
			require.Equal(t, tc, ip.TrafficClass())
			require.Equal(t, fl, ip.FlowLabel())
			require.Equal(t, uint8(6), ip.Version())
		}
		if u, err := pkt.NewUDP(b); err == nil {
			_, _, _, _ = u.SrcPort(), u.DstPort(), u.Length(), u.Checksum()
			require.LessOrEqual(t, len(u.Payload()), len(u)-8)
		}
		if c, err := pkt.NewTCP(b); err == nil {
			_, _, _, _, _ = c.SrcPort(), c.DstPort(), c.Seq(), c.Ack(), c.DataOffset()
			_, _, _, _ = c.Flags(), c.Window(), c.Checksum(), c.Urgent()
			_, _ = c.Option(pkt.TCPOptionMSS)
			_, _ = c.Option(b[0])
			require.Len(t, c.Payload(), len(c)-c.HeaderLen())
			f := c.Flags()
			c.SetFlags(f)
			require.Equal(t, f, c.Flags())
		}
		if c, err := pkt.NewICMP(b); err == nil {
			_, _, _, _, _, _ = c.Type(), c.Code(), c.Checksum(), c.ID(), c.Seq(), c.RestOfHeader()
			c.SetChecksum(c.ComputeChecksum())
			require.Zero(t, pkt.Checksum(c))
		}
	})
}

// FuzzHelpersArbitraryParsed gives the helpers a Parsed that need not
// describe the buffer (a caller's bug): they must never panic or touch
// bytes outside the buffer.
func FuzzHelpersArbitraryParsed(f *testing.F) {
	for _, b := range seedList(f)[:40] {
		var p pkt.Parsed
		_ = pkt.Parse(b, &p)
		f.Add(b, int16(p.L2Len), uint8(p.L3Proto), int16(p.L3Offset), int16(p.L3Len), p.L4Proto,
			int16(p.L4Offset), int16(p.L4Len), int16(p.PayloadOffset), int16(p.PayloadLen), uint8(p.Flags))
	}
	f.Fuzz(func(t *testing.T, b []byte, l2 int16, l3p uint8, l3o, l3l int16, l4p uint8, l4o, l4l, po, pl int16, fl uint8) {
		p := pkt.Parsed{L2Len: int(l2), L3Proto: pkt.L3Proto(l3p % 6), L3Offset: int(l3o), L3Len: int(l3l),
			L4Proto: l4p, L4Offset: int(l4o), L4Len: int(l4l), PayloadOffset: int(po), PayloadLen: int(pl),
			Flags: pkt.Flags(fl)}
		// Guard bytes around b catch writes out of range.
		buf := make([]byte, len(b)+32)
		for i := range buf {
			buf[i] = 0xa5
		}
		copy(buf[16:], b)
		b = buf[16 : 16+len(b) : 16+len(b)]
		before := bytes.Clone(b)
		if pkt.SwapFiveTuple(b, &p) != nil {
			require.Equal(t, before, b, "a failed swap changes nothing")
		}
		_ = pkt.DecrementTTL(b, &p)
		_, _ = pkt.L4Checksum(b, &p)
		_ = pkt.SetL4Checksum(b, &p)
		_ = pkt.VerifyL4Checksum(b, &p)
		_ = pkt.SetPseudoHeaderChecksum(b, &p)
		_ = pkt.SetPseudoHeaderChecksumTSO(b, &p)
		_ = pkt.RewriteIPv4Src(b, &p, [4]byte{1, 2, 3, 4})
		_ = pkt.RewriteIPv4Dst(b, &p, [4]byte{1, 2, 3, 4})
		_ = pkt.RewriteIPv6Src(b, &p, [16]byte{1})
		_ = pkt.RewriteIPv6Dst(b, &p, [16]byte{1})
		_ = pkt.RewriteSrcPort(b, &p, 1)
		_ = pkt.RewriteDstPort(b, &p, 2)
		_ = pkt.SwapMACs(b)
		assert.Equal(t, bytes.Repeat([]byte{0xa5}, 16), buf[:16])
		assert.Equal(t, bytes.Repeat([]byte{0xa5}, 16), buf[16+len(b):])
	})
}
