// Package testpkts makes the packets zcnic's tests send, with gopacket
// (an independent implementation, so the tests' oracle is not zcnic),
// and reads and writes pcap files.
package testpkts

import (
	"fmt"
	"net"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// MAC1 and MAC2 are the source and destination of Mixed's frames.
var (
	MAC1 = net.HardwareAddr{0x02, 0, 0, 0, 0, 1}
	MAC2 = net.HardwareAddr{0x02, 0, 0, 0, 0, 2}
)

// Serialize builds a frame from layers, fixing lengths and checksums.
func Serialize(ls ...gopacket.SerializableLayer) ([]byte, error) {
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		return nil, err
	}
	return append([]byte(nil), buf.Bytes()...), nil
}

// Mixed returns frames of several protocols and sizes: UDP and TCP over
// IPv4, UDP over IPv6 (payloads 0 to 1400 bytes), an ARP request and a
// VLAN-tagged ICMP echo.
func Mixed() ([][]byte, error) {
	var out [][]byte
	add := func(ls ...gopacket.SerializableLayer) error {
		b, err := Serialize(ls...)
		out = append(out, b)
		return err
	}
	for i, size := range []int{0, 1, 18, 100, 512, 1400} {
		payload := make([]byte, size)
		for j := range payload {
			payload[j] = byte(i + j)
		}
		eth := &layers.Ethernet{SrcMAC: MAC1, DstMAC: MAC2, EthernetType: layers.EthernetTypeIPv4}
		ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{198, 18, 0, 1}, DstIP: net.IP{198, 18, 0, 2}}
		udp := &layers.UDP{SrcPort: layers.UDPPort(1000 + i), DstPort: 53}
		if err := udp.SetNetworkLayerForChecksum(ip4); err != nil {
			return nil, err
		}
		if err := add(eth, ip4, udp, gopacket.Payload(payload)); err != nil {
			return nil, err
		}
		ip4t := *ip4
		ip4t.Protocol = layers.IPProtocolTCP
		tcp := &layers.TCP{SrcPort: 40000, DstPort: 80, Seq: uint32(i), SYN: i%2 == 0, ACK: true, Window: 1024}
		if err := tcp.SetNetworkLayerForChecksum(&ip4t); err != nil {
			return nil, err
		}
		if err := add(eth, &ip4t, tcp, gopacket.Payload(payload)); err != nil {
			return nil, err
		}
		eth6 := *eth
		eth6.EthernetType = layers.EthernetTypeIPv6
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP, SrcIP: net.ParseIP("2001:db8::1"), DstIP: net.ParseIP("2001:db8::2")}
		udp6 := &layers.UDP{SrcPort: 5000, DstPort: layers.UDPPort(6000 + i)}
		if err := udp6.SetNetworkLayerForChecksum(ip6); err != nil {
			return nil, err
		}
		if err := add(&eth6, ip6, udp6, gopacket.Payload(payload)); err != nil {
			return nil, err
		}
	}
	err := add(&layers.Ethernet{SrcMAC: MAC1, DstMAC: layers.EthernetBroadcast, EthernetType: layers.EthernetTypeARP},
		&layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
			Operation: layers.ARPRequest, SourceHwAddress: MAC1, SourceProtAddress: []byte{198, 18, 0, 1},
			DstHwAddress: make([]byte, 6), DstProtAddress: []byte{198, 18, 0, 2}})
	if err != nil {
		return nil, err
	}
	err = add(&layers.Ethernet{SrcMAC: MAC1, DstMAC: MAC2, EthernetType: layers.EthernetTypeDot1Q},
		&layers.Dot1Q{VLANIdentifier: 100, Type: layers.EthernetTypeIPv4},
		&layers.IPv4{Version: 4, TTL: 1, Protocol: layers.IPProtocolICMPv4, SrcIP: net.IP{198, 18, 0, 1}, DstIP: net.IP{198, 18, 0, 2}},
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0), Id: 7, Seq: 1}, gopacket.Payload("ping"))
	return out, err
}

// WritePcap writes frames to a pcap file (Ethernet link type).
func WritePcap(path string, pkts [][]byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		f.Close()
		return err
	}
	ts := time.Unix(1_700_000_000, 0)
	for i, p := range pkts {
		ci := gopacket.CaptureInfo{Timestamp: ts.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(p), Length: len(p)}
		if err := w.WritePacket(ci, p); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// ReadPcap reads every frame of a pcap file.
func ReadPcap(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out [][]byte
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			return out, nil
		}
		out = append(out, data)
	}
}
