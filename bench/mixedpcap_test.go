package bench

import (
	"flag"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/pkt/testpkts"
)

var update = flag.Bool("update", false, "rewrite testdata/mixed.pcap")

// mixedFrames makes S3's input: 4 flows x 12 sizes x {IPv4, IPv6} x
// {UDP, TCP} = 192 frames, with valid checksums. An IPv6/TCP frame is
// at least 74 bytes (its headers), so its 64-byte frames are 74.
func mixedFrames() ([][]byte, error) {
	var out [][]byte
	for flow := range 4 {
		for si, size := range mixedSizes {
			for _, v6 := range []bool{false, true} {
				for _, tcp := range []bool{false, true} {
					f, err := mixedFrame(flow, si, size, v6, tcp)
					if err != nil {
						return nil, err
					}
					out = append(out, f)
				}
			}
		}
	}
	return out, nil
}

func mixedFrame(flow, seq, size int, v6, tcp bool) ([]byte, error) {
	eth := &layers.Ethernet{SrcMAC: testpkts.MAC1, DstMAC: testpkts.MAC2, EthernetType: layers.EthernetTypeIPv4}
	var ip gopacket.SerializableLayer
	var nl gopacket.NetworkLayer
	hdr := 14 + 20
	proto := layers.IPProtocolUDP
	if tcp {
		proto = layers.IPProtocolTCP
	}
	if v6 {
		eth.EthernetType = layers.EthernetTypeIPv6
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto,
			SrcIP: net.ParseIP("2001:db8::10").To16(), DstIP: net.ParseIP("2001:db8::20").To16()}
		ip6.SrcIP[15] += byte(flow)
		ip, nl, hdr = ip6, ip6, 14+40
	} else {
		ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, Id: uint16(seq),
			SrcIP: net.IP{198, 18, 0, byte(10 + flow)}, DstIP: net.IP{198, 19, 0, 20}}
		ip, nl = ip4, ip4
	}
	var l4 gopacket.SerializableLayer
	if tcp {
		t := &layers.TCP{SrcPort: layers.TCPPort(40000 + flow), DstPort: 80, Seq: uint32(1000 * seq), Ack: 1, ACK: true, PSH: true, Window: 65535}
		if err := t.SetNetworkLayerForChecksum(nl); err != nil {
			return nil, err
		}
		l4, hdr = t, hdr+20
	} else {
		u := &layers.UDP{SrcPort: layers.UDPPort(50000 + flow), DstPort: 9}
		if err := u.SetNetworkLayerForChecksum(nl); err != nil {
			return nil, err
		}
		l4, hdr = u, hdr+8
	}
	payload := make([]byte, max(size-hdr, 0))
	for i := range payload {
		payload[i] = byte(flow*31 + seq*7 + i)
	}
	return testpkts.Serialize(eth, ip, l4, gopacket.Payload(payload))
}

// testdata/mixed.pcap is what mixedFrames makes: regenerate it with
// go test ./bench -run TestMixedPcap -update.
func TestMixedPcap(t *testing.T) {
	frames, err := mixedFrames()
	require.NoError(t, err)
	require.Len(t, frames, 192)
	kinds := map[[2]bool]int{}
	for i, f := range frames {
		assert.GreaterOrEqual(t, len(f), 64, "frame %d", i)
		assert.LessOrEqual(t, len(f), 1500, "frame %d", i)
		p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
		require.Nil(t, p.ErrorLayer(), "frame %d decodes", i)
		v6 := p.Layer(layers.LayerTypeIPv6) != nil
		tcp := p.Layer(layers.LayerTypeTCP) != nil
		assert.True(t, tcp || p.Layer(layers.LayerTypeUDP) != nil, "frame %d is TCP or UDP", i)
		kinds[[2]bool{v6, tcp}]++
	}
	assert.Len(t, kinds, 4, "IPv4 and IPv6, UDP and TCP")

	path := filepath.Join("testdata", "mixed.pcap")
	if *update {
		require.NoError(t, testpkts.WritePcap(path, frames))
	}
	tmp := filepath.Join(t.TempDir(), "mixed.pcap")
	require.NoError(t, testpkts.WritePcap(tmp, frames))
	want, err := os.ReadFile(tmp)
	require.NoError(t, err)
	got, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./bench -run TestMixedPcap -update")
	assert.Equal(t, want, got, "testdata/mixed.pcap is what mixedFrames makes (regenerate with -update)")
}
