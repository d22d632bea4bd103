package pkt_test

import (
	"fmt"
	"testing"

	"github.com/zcnic/zcnic/pkt"
)

func benchSample(b *testing.B, name string) []byte {
	b.Helper()
	return sampleByName(b, name)
}

func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"ipv4-udp", "ipv4-tcp-options", "qinq-ipv4-tcp", "ipv6-udp", "ipv6-hbh-rt-frag0-dst-udp"} {
		buf := benchSample(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var p pkt.Parsed
			for b.Loop() {
				if err := pkt.Parse(buf, &p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// burst returns n copies of a sample, so that a benchmark walks through
// distinct buffers as a forwarder does with a burst of mbufs.
func burst(b *testing.B, name string, n int) [][]byte {
	b.Helper()
	s := benchSample(b, name)
	out := make([][]byte, n)
	for i := range out {
		out[i] = append([]byte(nil), s...)
	}
	return out
}

func BenchmarkSwapFiveTuple(b *testing.B) {
	for _, name := range []string{"ipv4-udp", "ipv6-tcp"} {
		bufs := burst(b, name, 32)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var p pkt.Parsed
			if err := pkt.Parse(bufs[0], &p); err != nil {
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				_ = pkt.SwapFiveTuple(bufs[i&31], &p)
				i++
			}
		})
	}
}

// BenchmarkParseSwap is the per-packet cost of a 5tswap forwarder.
func BenchmarkParseSwap(b *testing.B) {
	for _, name := range []string{"ipv4-udp", "ipv6-tcp"} {
		bufs := burst(b, name, 32)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				buf := bufs[i&31]
				i++
				var p pkt.Parsed
				if err := pkt.Parse(buf, &p); err != nil {
					b.Fatal(err)
				}
				_ = pkt.SwapFiveTuple(buf, &p)
			}
		})
	}
}

// BenchmarkSwapFiveTupleFast is BenchmarkParseSwap's work on the fast
// path.
func BenchmarkSwapFiveTupleFast(b *testing.B) {
	for _, name := range []string{"ipv4-udp", "ipv6-tcp"} {
		bufs := burst(b, name, 32)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if !pkt.SwapFiveTupleFast(bufs[i&31]) {
					b.Fatal("declined")
				}
				i++
			}
		})
	}
}

func BenchmarkDecrementTTL(b *testing.B) {
	bufs := burst(b, "ipv4-udp", 32)
	var p pkt.Parsed
	if err := pkt.Parse(bufs[0], &p); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		buf := bufs[i&31]
		i++
		if !pkt.DecrementTTL(buf, &p) {
			ip := pkt.IPv4(buf[p.L3Offset:])
			ip.SetTTL(255)
			ip.UpdateChecksum()
		}
	}
}

func BenchmarkTemplateBuild(b *testing.B) {
	for _, size := range []int{60, 1514} {
		tm := pkt.Template{SrcIP: [4]byte{10, 0, 0, 1}, DstIP: [4]byte{10, 0, 0, 2}, DstPort: 9, FrameSize: size}
		if err := tm.Prepare(); err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 2048)
		b.Run(sizeName(size), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size))
			port := uint16(0)
			for b.Loop() {
				if _, err := tm.Build(buf, port); err != nil {
					b.Fatal(err)
				}
				port++
			}
		})
	}
}

func sizeName(n int) string { return fmt.Sprintf("%dB", n) }

func BenchmarkChecksum(b *testing.B) {
	for _, n := range []int{20, 1500} {
		buf := make([]byte, n)
		for i := range buf {
			buf[i] = byte(i)
		}
		b.Run(sizeName(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n))
			var s uint16
			for b.Loop() {
				s += pkt.Checksum(buf)
			}
			_ = s
		})
	}
}

func BenchmarkL4Checksum(b *testing.B) {
	buf := benchSample(b, "ipv4-tcp-options")
	var p pkt.Parsed
	if err := pkt.Parse(buf, &p); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := pkt.SetL4Checksum(buf, &p); err != nil {
			b.Fatal(err)
		}
	}
}
