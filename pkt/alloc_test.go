package pkt_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/pkt"
)

// TestZeroAllocs proves that the per-packet paths do not allocate, for
// every kind of sample packet and for the error paths.
func TestZeroAllocs(t *testing.T) {
	all := append(samples(t), special(t)...)
	bufs := make([][]byte, len(all))
	for i, s := range all {
		bufs[i] = append([]byte(nil), s.b...)
	}
	bad := append([]byte(nil), bufs[0][:30]...)
	var sink, fails int
	allocs := testing.AllocsPerRun(100, func() {
		for _, b := range bufs {
			var p pkt.Parsed
			if err := pkt.Parse(b, &p); err != nil {
				fails++
			}
			_ = pkt.SwapFiveTuple(b, &p)
			if pkt.DecrementTTL(b, &p) {
				sink++
			}
			c, _ := pkt.L4Checksum(b, &p)
			sink += int(c)
			_ = pkt.SetL4Checksum(b, &p)
			if pkt.VerifyL4Checksum(b, &p) {
				sink++
			}
			_ = pkt.SetPseudoHeaderChecksum(b, &p)
			_ = pkt.SetL4Checksum(b, &p)
			_ = pkt.RewriteSrcPort(b, &p, 7)
			_ = pkt.RewriteIPv4Dst(b, &p, [4]byte{1, 2, 3, 4})
			_ = pkt.RewriteIPv6Src(b, &p, [16]byte{1})
			if p.L3Proto == pkt.L3IPv6 {
				_, off, _ := pkt.IPv6(b[p.L3Offset:]).UpperLayer()
				sink += off
				sink += int(pkt.IPv6(b[p.L3Offset:]).SrcAddr().BitLen())
			}
			_ = pkt.SwapMACs(b)
		}
		var p pkt.Parsed
		if pkt.Parse(bad, &p) == nil {
			fails++
		}
	})
	assert.Zero(t, allocs)
	assert.Zero(t, fails)

	tm := pkt.Template{SrcIP: [4]byte{10, 0, 0, 1}, DstIP: [4]byte{10, 0, 0, 2}, DstPort: 9, FrameSize: 1514,
		Payload: []byte{1, 2, 3}}
	require.NoError(t, tm.Prepare())
	buf := make([]byte, 2048)
	port := uint16(0)
	allocs = testing.AllocsPerRun(1000, func() {
		n, err := tm.Build(buf, port)
		if err != nil || n != 1514 {
			fails++
		}
		port++
	})
	assert.Zero(t, allocs)
	assert.Zero(t, fails)
	_ = sink
}
