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

func BenchmarkSwapFiveTuple(b *testing.B) {
	for _, name := range []string{"ipv4-udp", "ipv6-tcp"} {
		buf := benchSample(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var p pkt.Parsed
			if err := pkt.Parse(buf, &p); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				_ = pkt.SwapFiveTuple(buf, &p)
			}
		})
	}
}

// BenchmarkParseSwap is the per-packet cost of a 5tswap forwarder.
func BenchmarkParseSwap(b *testing.B) {
	for _, name := range []string{"ipv4-udp", "ipv6-tcp"} {
		buf := benchSample(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var p pkt.Parsed
				if err := pkt.Parse(buf, &p); err != nil {
					b.Fatal(err)
				}
				_ = pkt.SwapFiveTuple(buf, &p)
			}
		})
	}
}

func BenchmarkDecrementTTL(b *testing.B) {
	buf := benchSample(b, "ipv4-udp")
	var p pkt.Parsed
	if err := pkt.Parse(buf, &p); err != nil {
		b.Fatal(err)
	}
	ip := pkt.IPv4(buf[p.L3Offset:])
	b.ReportAllocs()
	for b.Loop() {
		if !pkt.DecrementTTL(buf, &p) {
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
