package pkt_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/pkt"
)

func TestSwapMACs(t *testing.T) {
	b := sampleByName(t, "ipv4-udp")
	require.NoError(t, pkt.SwapMACs(b))
	ge := decode(t, b).Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	assert.Equal(t, macA, ge.DstMAC)
	assert.Equal(t, macB, ge.SrcMAC)
	short := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	assert.ErrorIs(t, pkt.SwapMACs(short), pkt.ErrTruncated)
	assert.Equal(t, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, short)
}

// endpoints extracts what SwapFiveTuple exchanges, from a gopacket decoding.
type endpoints struct {
	srcMAC, dstMAC net.HardwareAddr
	srcIP, dstIP   net.IP
	srcPort        uint16
	dstPort        uint16
}

func gpEndpoints(tb testing.TB, b []byte) endpoints {
	tb.Helper()
	pk := decode(tb, b)
	var e endpoints
	ge := pk.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	e.srcMAC, e.dstMAC = ge.SrcMAC, ge.DstMAC
	switch l := pk.NetworkLayer().(type) {
	case *layers.IPv4:
		e.srcIP, e.dstIP = l.SrcIP, l.DstIP
	case *layers.IPv6:
		e.srcIP, e.dstIP = l.SrcIP, l.DstIP
	}
	switch l := pk.TransportLayer().(type) {
	case *layers.UDP:
		e.srcPort, e.dstPort = uint16(l.SrcPort), uint16(l.DstPort)
	case *layers.TCP:
		e.srcPort, e.dstPort = uint16(l.SrcPort), uint16(l.DstPort)
	}
	return e
}

func TestSwapFiveTuple(t *testing.T) {
	for _, s := range samples(t) {
		t.Run(s.name, func(t *testing.T) {
			b := append([]byte(nil), s.b...)
			before := gpEndpoints(t, b)
			p := parse(t, b)
			require.NoError(t, pkt.SwapFiveTuple(b, &p))
			after := gpEndpoints(t, b)
			assert.Equal(t, endpoints{srcMAC: before.dstMAC, dstMAC: before.srcMAC, srcIP: before.dstIP,
				dstIP: before.srcIP, srcPort: before.dstPort, dstPort: before.srcPort}, after)
			assert.Empty(t, mismatches(t, b), "checksums stay valid")
			// Everything else is unchanged, and swapping twice restores the packet.
			require.NoError(t, pkt.SwapFiveTuple(b, &p))
			assert.Equal(t, s.b, b)
		})
	}
}

// The fast path takes the common packets, with the general path's
// result, and declines the rest untouched.
func TestSwapFiveTupleFast(t *testing.T) {
	taken := 0
	for _, s := range samples(t) {
		t.Run(s.name, func(t *testing.T) {
			fast := append([]byte(nil), s.b...)
			slow := append([]byte(nil), s.b...)
			p := parse(t, slow)
			require.NoError(t, pkt.SwapFiveTuple(slow, &p))
			simple := p.VLANs == 0 && p.Flags&(pkt.FlagFragment|pkt.FlagIPOptions) == 0 &&
				(p.L3Proto == pkt.L3IPv4 || p.L3Proto == pkt.L3IPv6) &&
				(p.L4Proto == pkt.ProtoUDP || p.L4Proto == pkt.ProtoTCP)
			ok := pkt.SwapFiveTupleFast(fast)
			if !ok {
				assert.Equal(t, s.b, fast, "declined: unchanged")
				assert.False(t, simple, "a plain UDP/TCP packet takes the fast path")
				return
			}
			taken++
			assert.Equal(t, slow, fast)
		})
	}
	assert.GreaterOrEqual(t, taken, 4, "IPv4 and IPv6, UDP and TCP")
}

func TestSwapFiveTupleSpecial(t *testing.T) {
	// A later fragment: addresses swapped, the bytes where ports would be
	// are payload and stay.
	b := sampleByName(t, "ipv4-frag-last")
	orig := append([]byte(nil), b...)
	p := parse(t, b)
	require.NoError(t, pkt.SwapFiveTuple(b, &p))
	assert.Equal(t, orig[0:6], b[6:12])
	assert.Equal(t, orig[26:30], b[30:34])
	assert.Equal(t, orig[34:], b[34:])
	assert.True(t, pkt.IPv4(b[14:]).ChecksumValid())

	// ICMP: no ports.
	b = sampleByName(t, "ipv4-icmp-echo")
	orig = append([]byte(nil), b...)
	p = parse(t, b)
	require.NoError(t, pkt.SwapFiveTuple(b, &p))
	assert.Equal(t, orig[34:], b[34:])

	// Non-IP: only MACs.
	b = sampleByName(t, "arp")
	orig = append([]byte(nil), b...)
	p = parse(t, b)
	require.NoError(t, pkt.SwapFiveTuple(b, &p))
	assert.Equal(t, orig[12:], b[12:])
	assert.Equal(t, orig[:6], b[6:12])

	// A packet that failed to parse at L4: MACs and addresses only.
	b = sampleByName(t, "ipv6-tcp")
	b[14+40+12] = 0x30
	orig = append([]byte(nil), b...)
	require.ErrorIs(t, pkt.Parse(b, &p), pkt.ErrMalformed)
	require.NoError(t, pkt.SwapFiveTuple(b, &p))
	assert.Equal(t, orig[14+8:14+24], b[14+24:14+40])
	assert.Equal(t, orig[54:], b[54:])

	// Parsed that does not fit the buffer.
	p = parse(t, sampleByName(t, "ipv6-tcp"))
	orig = append([]byte(nil), b...)
	assert.ErrorIs(t, pkt.SwapFiveTuple(b[:30], &p), pkt.ErrTruncated)
	assert.ErrorIs(t, pkt.SwapFiveTuple(b[:5], &p), pkt.ErrTruncated)
	assert.ErrorIs(t, pkt.SwapFiveTuple(b[:56], &p), pkt.ErrTruncated)
	assert.ErrorIs(t, pkt.SwapFiveTuple(b, &pkt.Parsed{}), pkt.ErrTruncated)
	assert.Equal(t, orig, b, "a failed swap changes nothing")
}

func TestDecrementTTL(t *testing.T) {
	for _, s := range samples(t) {
		t.Run(s.name, func(t *testing.T) {
			b := append([]byte(nil), s.b...)
			p := parse(t, b)
			if p.L3Proto != pkt.L3IPv4 && p.L3Proto != pkt.L3IPv6 {
				assert.False(t, pkt.DecrementTTL(b, &p))
				assert.Equal(t, s.b, b)
				return
			}
			for ttl := 255; ttl >= 0; ttl-- {
				if p.L3Proto == pkt.L3IPv4 {
					ip := pkt.IPv4(b[p.L3Offset:])
					ip.SetTTL(uint8(ttl))
					ip.UpdateChecksum()
				} else {
					pkt.IPv6(b[p.L3Offset:]).SetHopLimit(uint8(ttl))
				}
				before := append([]byte(nil), b...)
				ok := pkt.DecrementTTL(b, &p)
				if ttl <= 1 {
					require.False(t, ok)
					require.Equal(t, before, b, "a packet to drop is left alone")
					continue
				}
				require.True(t, ok)
				pk := decode(t, b)
				switch l := pk.NetworkLayer().(type) {
				case *layers.IPv4:
					require.Equal(t, uint8(ttl-1), l.TTL)
					// The incremental update equals gopacket's full computation.
					require.Empty(t, mismatches(t, b), "ttl %d", ttl)
					require.Equal(t, pkt.IPv4(b[p.L3Offset:]).ComputeChecksum(), l.Checksum)
				case *layers.IPv6:
					require.Equal(t, uint8(ttl-1), l.HopLimit)
				}
				require.Empty(t, mismatches(t, b))
				before[p.L3Offset+8] = b[p.L3Offset+8]
				before[p.L3Offset+7] = b[p.L3Offset+7]
				before[p.L3Offset+10], before[p.L3Offset+11] = b[p.L3Offset+10], b[p.L3Offset+11]
				require.Equal(t, before, b, "only TTL/hop limit and checksum change")
			}
		})
	}
	var p pkt.Parsed
	assert.False(t, pkt.DecrementTTL(nil, &p))
	b := sampleByName(t, "ipv4-udp")
	p = parse(t, b)
	assert.False(t, pkt.DecrementTTL(b[:20], &p), "parsed does not fit")
	b = sampleByName(t, "ipv6-udp")
	p = parse(t, b)
	assert.False(t, pkt.DecrementTTL(b[:40], &p), "parsed does not fit")
}

// TestDecrementTTLChecksumEdges walks every header checksum value through
// a TTL decrement and compares with a full recomputation.
func TestDecrementTTLChecksumEdges(t *testing.T) {
	b := sampleByName(t, "ipv4-udp")
	p := parse(t, b)
	ip := pkt.IPv4(b[p.L3Offset:])
	for id := 0; id < 1<<16; id++ {
		ip.SetID(uint16(id))
		ip.SetTTL(uint8(id) | 2)
		ip.UpdateChecksum()
		require.True(t, pkt.DecrementTTL(b, &p))
		require.Equal(t, ip.ComputeChecksum(), ip.Checksum(), "id %#x", id)
	}
}

func TestRewrite(t *testing.T) {
	a4 := [4]byte{203, 0, 113, 9}
	a6 := [16]byte{0xfd, 0x12, 15: 0x34}
	for _, s := range append(samples(t), special(t)...) {
		t.Run(s.name, func(t *testing.T) {
			b := append([]byte(nil), s.b...)
			p := parse(t, b)
			valid := pkt.VerifyL4Checksum(b, &p)
			var steps []func() error
			switch p.L3Proto {
			case pkt.L3IPv4:
				steps = append(steps, func() error { return pkt.RewriteIPv4Src(b, &p, a4) },
					func() error { return pkt.RewriteIPv4Dst(b, &p, a4) })
				assert.ErrorIs(t, pkt.RewriteIPv6Src(b, &p, a6), pkt.ErrUnsupported)
			case pkt.L3IPv6:
				steps = append(steps, func() error { return pkt.RewriteIPv6Src(b, &p, a6) },
					func() error { return pkt.RewriteIPv6Dst(b, &p, a6) })
				assert.ErrorIs(t, pkt.RewriteIPv4Dst(b, &p, a4), pkt.ErrUnsupported)
			default:
				assert.ErrorIs(t, pkt.RewriteIPv4Src(b, &p, a4), pkt.ErrUnsupported)
				assert.ErrorIs(t, pkt.RewriteIPv6Dst(b, &p, a6), pkt.ErrUnsupported)
			}
			if p.HasL4() && (p.L4Proto == pkt.ProtoUDP || p.L4Proto == pkt.ProtoTCP) {
				steps = append(steps, func() error { return pkt.RewriteSrcPort(b, &p, 1) },
					func() error { return pkt.RewriteDstPort(b, &p, 0xfffe) })
			} else {
				assert.ErrorIs(t, pkt.RewriteSrcPort(b, &p, 1), pkt.ErrUnsupported)
			}
			for _, st := range steps {
				require.NoError(t, st())
				if p.L3Proto == pkt.L3IPv4 {
					require.True(t, pkt.IPv4(b[p.L3Offset:]).ChecksumValid())
				}
				if valid {
					require.True(t, pkt.VerifyL4Checksum(b, &p))
				}
			}
			if p.Flags&pkt.FlagFragment == 0 && p.HasL4() {
				assert.Empty(t, mismatches(t, b))
			}
			if len(steps) == 0 {
				assert.Equal(t, s.b, b)
				return
			}
			e := gpEndpoints(t, b)
			if p.L3Proto == pkt.L3IPv4 {
				assert.Equal(t, net.IP(a4[:]), e.srcIP.To4())
				assert.Equal(t, net.IP(a4[:]), e.dstIP.To4())
			} else if p.L3Proto == pkt.L3IPv6 {
				assert.Equal(t, net.IP(a6[:]), e.srcIP)
			}
			if p.L4Proto == pkt.ProtoUDP && p.HasL4() {
				assert.Equal(t, uint16(1), binary.BigEndian.Uint16(b[p.L4Offset:]))
				assert.Equal(t, uint16(0xfffe), binary.BigEndian.Uint16(b[p.L4Offset+2:]))
			}
		})
	}
}

func TestRewriteUDPZeroChecksumStaysZero(t *testing.T) {
	b := sampleByName(t, "ipv4-udp")
	p := parse(t, b)
	u := pkt.UDP(b[p.L4Offset:])
	u.SetChecksum(0)
	require.NoError(t, pkt.RewriteIPv4Src(b, &p, [4]byte{1, 2, 3, 4}))
	require.NoError(t, pkt.RewriteDstPort(b, &p, 9))
	assert.Zero(t, u.Checksum())
	assert.True(t, pkt.IPv4(b[p.L3Offset:]).ChecksumValid())
}

func TestRewriteUDPResultZeroIsAllOnes(t *testing.T) {
	// Find a port rewrite whose updated checksum is 0: 0xffff must be stored.
	b := sampleByName(t, "ipv4-udp")
	p := parse(t, b)
	u := pkt.UDP(b[p.L4Offset:])
	for port := 0; port < 1<<16; port++ {
		c := u.Checksum()
		if pkt.UpdateChecksum16(c, u.DstPort(), uint16(port)) != 0 {
			continue
		}
		require.NoError(t, pkt.RewriteDstPort(b, &p, uint16(port)))
		assert.Equal(t, uint16(0xffff), u.Checksum())
		assert.True(t, pkt.VerifyL4Checksum(b, &p))
		assert.Empty(t, mismatches(t, b))
		return
	}
	t.Fatal("no port gives checksum 0")
}

func TestRewriteRejectsInconsistentParsed(t *testing.T) {
	b := sampleByName(t, "ipv4-udp")
	p := parse(t, b)
	orig := append([]byte(nil), b...)
	assert.ErrorIs(t, pkt.RewriteIPv4Src(b[:20], &p, [4]byte{}), pkt.ErrTruncated)
	assert.ErrorIs(t, pkt.RewriteIPv4Src(b[:36], &p, [4]byte{}), pkt.ErrTruncated)
	assert.ErrorIs(t, pkt.RewriteSrcPort(b[:36], &p, 1), pkt.ErrTruncated)
	assert.Equal(t, orig, b)
	b = sampleByName(t, "ipv6-udp")
	p = parse(t, b)
	assert.ErrorIs(t, pkt.RewriteIPv6Dst(b[:50], &p, [16]byte{}), pkt.ErrTruncated)
	assert.ErrorIs(t, pkt.RewriteIPv6Dst(b[:60], &p, [16]byte{}), pkt.ErrTruncated)
}

func TestTemplateBuild(t *testing.T) {
	for _, size := range []int{0, 42, 43, 60, 64, 128, 1514, 9000} {
		tm := pkt.Template{
			DstMAC: [6]byte(macB), SrcMAC: [6]byte(macA),
			SrcIP: [4]byte(ip4A.To4()), DstIP: [4]byte(ip4B.To4()),
			DstPort: 9, TOS: 0x10, FrameSize: size, Payload: []byte("zcnic!"),
		}
		require.NoError(t, tm.Prepare())
		want := size
		if size == 0 {
			want = 60
		}
		assert.Equal(t, want, tm.Len())
		buf := make([]byte, 10000)
		for _, port := range []uint16{0, 1, 1024, 0x8000, 0xfffe, 0xffff} {
			n, err := tm.Build(buf, port)
			require.NoError(t, err)
			require.Equal(t, want, n)
			b := buf[:n]
			assert.Empty(t, mismatches(t, b), "size %d port %d", size, port)
			pk := decode(t, b)
			ge := pk.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
			assert.Equal(t, macA, ge.SrcMAC)
			assert.Equal(t, macB, ge.DstMAC)
			g4 := pk.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
			assert.Equal(t, uint8(64), g4.TTL)
			assert.Equal(t, uint8(0x10), g4.TOS)
			assert.Equal(t, ip4A.To4(), g4.SrcIP)
			assert.Equal(t, ip4B.To4(), g4.DstIP)
			assert.Equal(t, uint16(n-14), g4.Length)
			gu := pk.Layer(layers.LayerTypeUDP).(*layers.UDP)
			assert.Equal(t, layers.UDPPort(port), gu.SrcPort)
			assert.Equal(t, layers.UDPPort(9), gu.DstPort)
			assert.Equal(t, uint16(n-34), gu.Length)
			assert.NotZero(t, gu.Checksum)
			wantPay := bytes.Repeat([]byte("zcnic!"), n)[:n-42]
			assert.Equal(t, wantPay, []byte(gu.Payload))
			p := parse(t, b)
			assert.True(t, pkt.VerifyL4Checksum(b, &p))
		}
	}
}

func TestTemplateChecksumZeroBecomesAllOnes(t *testing.T) {
	tm := pkt.Template{SrcIP: [4]byte{10, 0, 0, 1}, DstIP: [4]byte{10, 0, 0, 2}, DstPort: 7}
	buf := make([]byte, 60)
	seen := false
	for port := 0; port < 1<<16; port++ {
		_, err := tm.Build(buf, uint16(port))
		require.NoError(t, err)
		c := binary.BigEndian.Uint16(buf[40:])
		require.NotZero(t, c)
		if c == 0xffff {
			seen = true
			assert.Empty(t, mismatches(t, buf))
		}
	}
	assert.True(t, seen, "some port yields a computed checksum of 0")
}

func TestTemplateErrors(t *testing.T) {
	for _, size := range []int{-1, 1, 41, 65550} {
		tm := pkt.Template{FrameSize: size}
		assert.ErrorIs(t, tm.Prepare(), pkt.ErrFrameSize)
		_, err := tm.Build(make([]byte, 100), 1)
		assert.ErrorIs(t, err, pkt.ErrFrameSize)
	}
	tm := pkt.Template{FrameSize: 65549, TTL: 3}
	require.NoError(t, tm.Prepare())
	assert.Equal(t, 65549, tm.Len())
	buf := make([]byte, 65549)
	n, err := tm.Build(buf, 5)
	require.NoError(t, err)
	assert.Empty(t, mismatches(t, buf[:n]))
	assert.Equal(t, uint8(3), buf[22])

	tm = pkt.Template{FrameSize: 64}
	assert.Zero(t, tm.Len())
	short := make([]byte, 63)
	n, err = tm.Build(short, 1)
	assert.ErrorIs(t, err, io.ErrShortBuffer)
	assert.Zero(t, n)
	assert.Equal(t, make([]byte, 63), short, "nothing written")
	assert.Equal(t, 64, tm.Len(), "Build prepared the template")
}

func TestTemplateFieldsChangeAtPrepare(t *testing.T) {
	tm := pkt.Template{DstPort: 1}
	require.NoError(t, tm.Prepare())
	tm.DstPort = 2
	buf := make([]byte, 60)
	_, err := tm.Build(buf, 0)
	require.NoError(t, err)
	assert.Equal(t, uint16(1), binary.BigEndian.Uint16(buf[36:]))
	require.NoError(t, tm.Prepare())
	_, err = tm.Build(buf, 0)
	require.NoError(t, err)
	assert.Equal(t, uint16(2), binary.BigEndian.Uint16(buf[36:]))
	assert.Empty(t, mismatches(t, buf))
}
