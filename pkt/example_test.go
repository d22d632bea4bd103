package pkt_test

import (
	"fmt"

	"github.com/zcnic/zcnic/pkt"
)

// exampleFrame returns a UDP/IPv4 frame from 192.0.2.1:5000 to
// 198.51.100.7:53, built with a Template.
func exampleFrame() []byte {
	t := pkt.Template{
		SrcMAC: [6]byte{2, 0, 0, 0, 0, 1}, DstMAC: [6]byte{2, 0, 0, 0, 0, 2},
		SrcIP: [4]byte{192, 0, 2, 1}, DstIP: [4]byte{198, 51, 100, 7},
		DstPort: 53, Payload: []byte("hello"),
	}
	b := make([]byte, 64)
	n, err := t.Build(b, 5000)
	if err != nil {
		panic(err)
	}
	return b[:n]
}

func ExampleParse() {
	b := exampleFrame()
	var p pkt.Parsed
	if err := pkt.Parse(b, &p); err != nil {
		fmt.Println("drop:", err)
		return
	}
	ip := pkt.IPv4(b[p.L3Offset:])
	udp := pkt.UDP(b[p.L4Offset:])
	fmt.Println(p.L3Proto, p.L2Len, p.L3Len, p.L4Len, p.L4Proto == pkt.ProtoUDP)
	fmt.Printf("%s:%d -> %s:%d ttl %d\n", ip.SrcAddr(), udp.SrcPort(), ip.DstAddr(), udp.DstPort(), ip.TTL())

	// Truncated input is reported, never read past.
	fmt.Println(pkt.Parse(b[:40], &p))
	// Output:
	// IPv4 14 20 8 true
	// 192.0.2.1:5000 -> 198.51.100.7:53 ttl 64
	// pkt: truncated packet
}

func ExampleSwapFiveTuple() {
	b := exampleFrame()
	var p pkt.Parsed
	if err := pkt.Parse(b, &p); err != nil {
		panic(err)
	}
	if err := pkt.SwapFiveTuple(b, &p); err != nil {
		panic(err)
	}
	e, ip, udp := pkt.Ethernet(b), pkt.IPv4(b[p.L3Offset:]), pkt.UDP(b[p.L4Offset:])
	fmt.Println(e.Src(), e.Dst())
	fmt.Printf("%s:%d -> %s:%d\n", ip.SrcAddr(), udp.SrcPort(), ip.DstAddr(), udp.DstPort())
	fmt.Println(ip.ChecksumValid(), pkt.VerifyL4Checksum(b, &p))
	// Output:
	// [2 0 0 0 0 2] [2 0 0 0 0 1]
	// 198.51.100.7:53 -> 192.0.2.1:5000
	// true true
}

func ExampleDecrementTTL() {
	b := exampleFrame()
	var p pkt.Parsed
	if err := pkt.Parse(b, &p); err != nil {
		panic(err)
	}
	ip := pkt.IPv4(b[p.L3Offset:])
	ip.SetTTL(2)
	ip.UpdateChecksum()
	fmt.Println(pkt.DecrementTTL(b, &p), ip.TTL(), ip.ChecksumValid())
	fmt.Println(pkt.DecrementTTL(b, &p), ip.TTL()) // TTL 1: drop
	// Output:
	// true 1 true
	// false 1
}

func ExampleRewriteIPv4Src() {
	b := exampleFrame()
	var p pkt.Parsed
	if err := pkt.Parse(b, &p); err != nil {
		panic(err)
	}
	// Source NAT: address and port, checksums updated incrementally.
	_ = pkt.RewriteIPv4Src(b, &p, [4]byte{203, 0, 113, 1})
	_ = pkt.RewriteSrcPort(b, &p, 40000)
	ip, udp := pkt.IPv4(b[p.L3Offset:]), pkt.UDP(b[p.L4Offset:])
	fmt.Println(ip.SrcAddr(), udp.SrcPort(), ip.ChecksumValid(), pkt.VerifyL4Checksum(b, &p))
	// Output: 203.0.113.1 40000 true true
}

func ExampleTemplate() {
	t := pkt.Template{
		SrcIP: [4]byte{10, 0, 0, 1}, DstIP: [4]byte{10, 0, 0, 2},
		DstPort: 9, FrameSize: 64, Payload: []byte{0xab},
	}
	if err := t.Prepare(); err != nil {
		panic(err)
	}
	frame := make([]byte, 2048) // an mbuf's buffer, say
	for port := uint16(1000); port < 1003; port++ {
		n, err := t.Build(frame, port)
		if err != nil {
			panic(err)
		}
		var p pkt.Parsed
		err = pkt.Parse(frame[:n], &p)
		fmt.Println(n, err, pkt.UDP(frame[p.L4Offset:]).SrcPort(), pkt.VerifyL4Checksum(frame[:n], &p))
	}
	// Output:
	// 64 <nil> 1000 true
	// 64 <nil> 1001 true
	// 64 <nil> 1002 true
}

func ExampleUpdateChecksum16() {
	// A 16-bit word of the covered data changes from 0x0102 to 0x0304.
	data := []byte{0x01, 0x02, 0xf0, 0x0f}
	c := pkt.Checksum(data)
	data[0], data[1] = 0x03, 0x04
	fmt.Printf("%#04x %#04x\n", pkt.UpdateChecksum16(c, 0x0102, 0x0304), pkt.Checksum(data))
	// Output: 0x0cec 0x0cec
}
