package port_test

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testPackets builds frames of several protocols and sizes.
func testPackets(t *testing.T) [][]byte {
	t.Helper()
	mac1 := net.HardwareAddr{0x02, 0, 0, 0, 0, 1}
	mac2 := net.HardwareAddr{0x02, 0, 0, 0, 0, 2}
	var out [][]byte
	ser := func(ls ...gopacket.SerializableLayer) {
		buf := gopacket.NewSerializeBuffer()
		require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...))
		out = append(out, append([]byte(nil), buf.Bytes()...))
	}
	for i, size := range []int{0, 1, 18, 100, 512, 1400} {
		payload := make([]byte, size)
		for j := range payload {
			payload[j] = byte(i + j)
		}
		eth := &layers.Ethernet{SrcMAC: mac1, DstMAC: mac2, EthernetType: layers.EthernetTypeIPv4}
		ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{198, 18, 0, 1}, DstIP: net.IP{198, 18, 0, 2}}
		udp := &layers.UDP{SrcPort: layers.UDPPort(1000 + i), DstPort: 53}
		require.NoError(t, udp.SetNetworkLayerForChecksum(ip4))
		ser(eth, ip4, udp, gopacket.Payload(payload))

		ip4t := *ip4
		ip4t.Protocol = layers.IPProtocolTCP
		tcp := &layers.TCP{SrcPort: 40000, DstPort: 80, Seq: uint32(i), SYN: i%2 == 0, ACK: true, Window: 1024}
		require.NoError(t, tcp.SetNetworkLayerForChecksum(&ip4t))
		ser(eth, &ip4t, tcp, gopacket.Payload(payload))

		eth6 := *eth
		eth6.EthernetType = layers.EthernetTypeIPv6
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP, SrcIP: net.ParseIP("2001:db8::1"), DstIP: net.ParseIP("2001:db8::2")}
		udp6 := &layers.UDP{SrcPort: 5000, DstPort: layers.UDPPort(6000 + i)}
		require.NoError(t, udp6.SetNetworkLayerForChecksum(ip6))
		ser(&eth6, ip6, udp6, gopacket.Payload(payload))
	}
	// ARP and a VLAN-tagged frame.
	ser(&layers.Ethernet{SrcMAC: mac1, DstMAC: layers.EthernetBroadcast, EthernetType: layers.EthernetTypeARP},
		&layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
			Operation: layers.ARPRequest, SourceHwAddress: mac1, SourceProtAddress: []byte{198, 18, 0, 1},
			DstHwAddress: make([]byte, 6), DstProtAddress: []byte{198, 18, 0, 2}})
	ser(&layers.Ethernet{SrcMAC: mac1, DstMAC: mac2, EthernetType: layers.EthernetTypeDot1Q},
		&layers.Dot1Q{VLANIdentifier: 100, Type: layers.EthernetTypeIPv4},
		&layers.IPv4{Version: 4, TTL: 1, Protocol: layers.IPProtocolICMPv4, SrcIP: net.IP{198, 18, 0, 1}, DstIP: net.IP{198, 18, 0, 2}},
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0), Id: 7, Seq: 1}, gopacket.Payload("ping"))
	return out
}

func writePcap(t *testing.T, path string, pkts [][]byte) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	w := pcapgo.NewWriter(f)
	require.NoError(t, w.WriteFileHeader(65535, layers.LinkTypeEthernet))
	ts := time.Unix(1_700_000_000, 0)
	for i, p := range pkts {
		require.NoError(t, w.WritePacket(gopacket.CaptureInfo{Timestamp: ts.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(p), Length: len(p)}, p))
	}
}

func readPcap(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	require.NoError(t, err)
	var out [][]byte
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		out = append(out, data)
	}
	return out
}

func TestPcapForwardByteExact(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pcap"), filepath.Join(dir, "out.pcap")
	pkts := testPackets(t)
	writePcap(t, in, pkts)

	pool := newPool(t, 2047)
	rx := attach(t, uniq("net_pcap")+",rx_pcap="+in, pool)
	tx, err := attachNoCleanup(uniq("net_pcap")+",tx_pcap="+out, pool)
	require.NoError(t, err)

	b := newBurst(t, 8) // smaller than the file: several bursts
	deadline := time.Now().Add(5 * time.Second)
	forwarded := 0
	for forwarded < len(pkts) && time.Now().Before(deadline) {
		n, err := rx.Rx(0, b)
		require.NoError(t, err)
		if n == 0 && b.Len() == 0 {
			continue
		}
		s, err := tx.Tx(0, b)
		require.NoError(t, err)
		forwarded += s
	}
	require.Equal(t, len(pkts), forwarded, "every packet of the file was forwarded")
	require.Zero(t, b.Len())
	st, err := rx.Stats()
	require.NoError(t, err)
	total := 0
	for _, p := range pkts {
		total += len(p)
	}
	assert.Equal(t, uint64(len(pkts)), st.RxPackets)
	assert.Equal(t, uint64(total), st.RxBytes)

	// The pcap PMD flushes its dump file when the port closes.
	require.NoError(t, tx.Close())
	got := readPcap(t, out)
	require.Len(t, got, len(pkts))
	for i := range pkts {
		assert.Equal(t, pkts[i], got[i], "packet %d", i)
	}
}
