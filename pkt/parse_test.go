package pkt_test

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/pkt"
)

func TestParseMatchesGopacket(t *testing.T) {
	for _, s := range samples(t) {
		t.Run(s.name, func(t *testing.T) {
			w, _, ok := oracle(s.b)
			require.True(t, ok, "gopacket must decode the sample")
			require.NotZero(t, w.L3Proto)
			p := parse(t, s.b)
			assert.Equal(t, w, got(&p))
			assert.Equal(t, p.L2Len, p.L3Offset)
			assert.Zero(t, p.Flags&(pkt.FlagTruncated|pkt.FlagMalformed|pkt.FlagFragment))
			if p.L3Proto == pkt.L3IPv4 || p.L3Proto == pkt.L3IPv6 {
				assert.True(t, p.HasL4())
				assert.Equal(t, p.L3Offset+p.L3Len, p.L4Offset)
				assert.Equal(t, p.L4Offset+p.L4Len, p.PayloadOffset)
			}
		})
	}
}

func TestParseFlagsAndVLANs(t *testing.T) {
	by := map[string][]byte{}
	for _, s := range append(samples(t), special(t)...) {
		by[s.name] = s.b
	}
	p := parse(t, by["ipv4-options-udp"])
	assert.Equal(t, pkt.FlagIPOptions, p.Flags)
	assert.Equal(t, 40, p.L3Len)

	p = parse(t, by["ipv6-ah-udp"])
	assert.Equal(t, 40+24, p.L3Len, "AH length is in 4-byte units plus 2")

	p = parse(t, by["qinq-ipv4-tcp"])
	assert.Equal(t, 2, p.VLANs)
	assert.Equal(t, [2]uint16{200, 4000}, p.VLANID)
	assert.Equal(t, 22, p.L2Len)
	assert.Equal(t, pkt.EtherTypeIPv4, p.EtherType)

	p = parse(t, by["ipv4-udp"])
	assert.Equal(t, pkt.Flags(0), p.Flags)
	assert.Equal(t, 0, p.VLANs)
}

func TestParseSpecial(t *testing.T) {
	by := map[string][]byte{}
	for _, s := range special(t) {
		by[s.name] = s.b
	}
	cases := []struct {
		name                         string
		l3                           pkt.L3Proto
		l3Len                        int
		l4Proto                      uint8
		l4Off, l4Len, payOff, payLen int
		flags                        pkt.Flags
	}{
		{"ipv4-frag-first", pkt.L3IPv4, 20, pkt.ProtoUDP, 34, 8, 42, 64, pkt.FlagFragment},
		{"ipv4-frag-last", pkt.L3IPv4, 20, pkt.ProtoUDP, 0, 0, 34, 28, pkt.FlagFragment},
		{"ipv6-frag-first", pkt.L3IPv6, 48, pkt.ProtoUDP, 62, 8, 70, 64, pkt.FlagFragment | pkt.FlagIPOptions},
		{"ipv6-frag-later", pkt.L3IPv6, 56, pkt.ProtoUDP, 0, 0, 70, 40, pkt.FlagFragment | pkt.FlagIPOptions},
		{"ipv6-esp", pkt.L3IPv6, 40, pkt.ProtoESP, 54, 0, 54, 48, 0},
		{"ipv6-dst-nonext", pkt.L3IPv6, 56, pkt.ProtoNoNext, 70, 0, 70, 8, pkt.FlagIPOptions},
		{"ipv4-gre", pkt.L3IPv4, 20, 47, 34, 0, 34, 24, 0},
		{"ipv6-icmpv4-proto", pkt.L3IPv6, 40, pkt.ProtoICMP, 54, 0, 54, 8, 0},
		{"lldp", pkt.L3Other, 0, 0, 0, 0, 14, 46, 0},
		{"three-tags", pkt.L3Other, 0, 0, 0, 0, 22, 60 - 22, 0},
		{"ipv6-hbh-rt-frag0-dst-udp", pkt.L3IPv6, 96, pkt.ProtoUDP, 110, 8, 118, 77, pkt.FlagIPOptions},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := parse(t, by[c.name])
			assert.Equal(t, c.l3, p.L3Proto)
			assert.Equal(t, c.l3Len, p.L3Len)
			assert.Equal(t, c.l4Proto, p.L4Proto)
			assert.Equal(t, c.l4Off, p.L4Offset)
			assert.Equal(t, c.l4Len, p.L4Len)
			assert.Equal(t, c.payOff, p.PayloadOffset)
			assert.Equal(t, c.payLen, p.PayloadLen)
			assert.Equal(t, c.flags, p.Flags)
			assert.Equal(t, c.l4Len > 0, p.HasL4())
		})
	}
	p := parse(t, by["three-tags"])
	assert.Equal(t, pkt.EtherTypeVLAN, p.EtherType)
	assert.Equal(t, [2]uint16{1, 2}, p.VLANID)
}

// TestParseTruncated parses every proper prefix of every sample: Parse must
// report truncation exactly when the cut removes bytes a header needs.
func TestParseTruncated(t *testing.T) {
	for _, s := range append(samples(t), special(t)...) {
		var full pkt.Parsed
		require.NoError(t, pkt.Parse(s.b, &full), s.name)
		// The bytes the headers and lengths require.
		need := full.PayloadOffset + full.PayloadLen
		switch full.L3Proto {
		case pkt.L3ARP:
			need = full.L3Offset + full.L3Len
		case pkt.L3Other:
			need = full.L2Len
		}
		for n := 0; n < len(s.b); n++ {
			var p pkt.Parsed
			err := pkt.Parse(s.b[:n], &p)
			switch {
			case n < pkt.EthernetLen:
				require.ErrorIs(t, err, pkt.ErrTruncated, "%s[:%d]", s.name, n)
				require.Equal(t, pkt.Parsed{Flags: pkt.FlagTruncated}, p)
			case n < need:
				require.ErrorIs(t, err, pkt.ErrTruncated, "%s[:%d]", s.name, n)
				require.Equal(t, pkt.FlagTruncated, p.Flags&pkt.FlagTruncated)
				require.Zero(t, p.PayloadOffset)
				require.Zero(t, p.PayloadLen)
			case full.L3Proto == pkt.L3Other:
				require.NoError(t, err, "%s[:%d]", s.name, n)
				want := full
				want.PayloadLen = n - full.PayloadOffset
				require.Equal(t, want, p, "%s[:%d]", s.name, n)
			default:
				require.NoError(t, err, "%s[:%d]", s.name, n)
				require.Equal(t, full, p, "%s[:%d]: only padding was cut", s.name, n)
			}
		}
	}
}

func TestParseMalformed(t *testing.T) {
	by := map[string][]byte{}
	for _, s := range append(samples(t), special(t)...) {
		by[s.name] = s.b
	}
	mut := func(name string, f func(b []byte)) []byte {
		b := append([]byte(nil), by[name]...)
		f(b)
		return b
	}
	cases := []struct {
		name string
		b    []byte
		err  error
		l3   int // expected L3Len
	}{
		{"ipv4-version", mut("ipv4-udp", func(b []byte) { b[14] = 0x65 }), pkt.ErrMalformed, 0},
		{"ipv4-ihl-4", mut("ipv4-udp", func(b []byte) { b[14] = 0x44 }), pkt.ErrMalformed, 0},
		{"ipv4-total-below-ihl", mut("ipv4-udp", func(b []byte) { binary.BigEndian.PutUint16(b[16:], 19) }), pkt.ErrMalformed, 0},
		{"ipv4-total-zero", mut("ipv4-udp", func(b []byte) { binary.BigEndian.PutUint16(b[16:], 0) }), pkt.ErrMalformed, 0},
		{"ipv4-total-beyond", mut("ipv4-udp", func(b []byte) { binary.BigEndian.PutUint16(b[16:], 1000) }), pkt.ErrTruncated, 0},
		{"ipv4-ihl-beyond-total", mut("ipv4-udp", func(b []byte) { b[14] = 0x4f }), pkt.ErrMalformed, 0},
		{"udp-len-7", mut("ipv4-udp", func(b []byte) { binary.BigEndian.PutUint16(b[38:], 7) }), pkt.ErrMalformed, 20},
		{"udp-len-beyond", mut("ipv4-udp", func(b []byte) { binary.BigEndian.PutUint16(b[38:], 27) }), pkt.ErrMalformed, 20},
		{"tcp-doff-4", mut("ipv4-tcp-options", func(b []byte) { b[46] = 0x40 }), pkt.ErrMalformed, 20},
		{"tcp-doff-beyond", mut("ipv4-tcp-options", func(b []byte) { binary.BigEndian.PutUint16(b[16:], 20+24) }), pkt.ErrTruncated, 20},
		{"ipv6-version", mut("ipv6-udp", func(b []byte) { b[14] = 0x45 }), pkt.ErrMalformed, 0},
		{"ipv6-plen-beyond", mut("ipv6-udp", func(b []byte) { binary.BigEndian.PutUint16(b[18:], 39) }), pkt.ErrTruncated, 0},
		{"ipv6-hbh-not-first", mut("ipv6-hbh-rt-frag0-dst-udp", func(b []byte) { b[54] = pkt.ProtoHopOpts }), pkt.ErrMalformed, 0},
		{"ipv6-ext-beyond", mut("ipv6-routing-tcp", func(b []byte) { b[55] = 200 }), pkt.ErrTruncated, 0},
		{"ipv6-ah-beyond", mut("ipv6-ah-udp", func(b []byte) { b[55] = 200 }), pkt.ErrTruncated, 0},
		{"arp-lengths-beyond", mut("arp", func(b []byte) { b[18], b[19] = 200, 200 }), pkt.ErrTruncated, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p pkt.Parsed
			err := pkt.Parse(c.b, &p)
			require.ErrorIs(t, err, c.err)
			if c.err == pkt.ErrMalformed {
				assert.Equal(t, pkt.FlagMalformed, p.Flags&(pkt.FlagMalformed|pkt.FlagTruncated))
			} else {
				assert.Equal(t, pkt.FlagTruncated, p.Flags&(pkt.FlagMalformed|pkt.FlagTruncated))
			}
			assert.Equal(t, c.l3, p.L3Len)
			assert.Zero(t, p.L4Len)
			assert.Zero(t, p.PayloadOffset)
			assert.NotEqual(t, pkt.L3None, p.L3Proto)
			if c.l3 > 0 {
				assert.Equal(t, p.L3Offset+c.l3, p.L4Offset, "the failing layer's offset is kept")
			}
		})
	}
}

func TestParseFragmentUDPLengthNotChecked(t *testing.T) {
	// A first fragment holds only part of the datagram the UDP length covers.
	for _, s := range special(t) {
		if s.name == "ipv4-frag-first" {
			b := append([]byte(nil), s.b...)
			binary.BigEndian.PutUint16(b[38:], 1400)
			p := parse(t, b)
			assert.Equal(t, pkt.FlagFragment, p.Flags)
			assert.Equal(t, 8, p.L4Len)
		}
	}
}

func TestParseResetsParsed(t *testing.T) {
	b := samples(t)[0].b
	p := pkt.Parsed{L4Offset: 99, Flags: pkt.FlagMalformed, VLANs: 2, VLANID: [2]uint16{1, 2}}
	require.NoError(t, pkt.Parse(b, &p))
	assert.Equal(t, pkt.Flags(0), p.Flags)
	assert.Equal(t, 0, p.VLANs)
	assert.Equal(t, [2]uint16{}, p.VLANID)
	require.ErrorIs(t, pkt.Parse(b[:20], &p), pkt.ErrTruncated)
	assert.Equal(t, pkt.L3IPv4, p.L3Proto)
	assert.Zero(t, p.L4Offset)
}

func TestL3ProtoString(t *testing.T) {
	for p, s := range map[pkt.L3Proto]string{pkt.L3None: "none", pkt.L3IPv4: "IPv4", pkt.L3IPv6: "IPv6",
		pkt.L3ARP: "ARP", pkt.L3Other: "other", 99: "invalid"} {
		assert.Equal(t, s, p.String())
	}
}

// A frame larger than an mbuf's data room arrives as a chain; its
// headers are in the first segment. ParseLen, given the first segment
// and the packet's length, parses it as Parse parses the whole frame,
// at every split that keeps the headers in the first part; Parse of the
// first segment alone calls it truncated (jumbo frames were dropped as
// malformed by 5tswap).
func TestParseLenFirstSegment(t *testing.T) {
	frames := [][]byte{}
	for _, s := range samples(t) {
		frames = append(frames, s.b)
	}
	for _, n := range []int{2100, 9000} {
		udp := make([]byte, n)
		copy(udp, []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00})
		ip := udp[14:]
		ip[0], ip[8], ip[9] = 0x45, 64, pkt.ProtoUDP
		binary.BigEndian.PutUint16(ip[2:], uint16(n-14))
		binary.BigEndian.PutUint16(ip[20+4:], uint16(n-34))
		frames = append(frames, udp)
	}
	for fi, b := range frames {
		var whole, first pkt.Parsed
		wholeErr := pkt.Parse(b, &whole)
		for k := 0; k <= len(b); k++ {
			err := pkt.ParseLen(b[:k], len(b), &first)
			if wholeErr == nil && k >= whole.PayloadOffset {
				require.NoError(t, err, "frame %d split at %d", fi, k)
				require.Equal(t, whole, first, "frame %d split at %d", fi, k)
			} else if err == nil {
				require.Equal(t, whole, first, "frame %d split at %d parses only as the whole does", fi, k)
			}
		}
		if len(b) > 2048 {
			assert.ErrorIs(t, pkt.Parse(b[:2048], &first), pkt.ErrTruncated, "the first segment alone looks truncated")
			require.NoError(t, pkt.ParseLen(b[:2048], len(b), &first))
			assert.Equal(t, len(b)-42, first.PayloadLen, "the payload runs into the later segments")
		}
	}
	// A packet length shorter than the bytes cuts them.
	var first pkt.Parsed
	require.NoError(t, pkt.ParseLen(frames[len(frames)-2], 2100, &first))
	require.ErrorIs(t, pkt.ParseLen(frames[len(frames)-2], 2099, &first), pkt.ErrTruncated)
}
