package port_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/pkt"
	"github.com/zcnic/zcnic/port"
)

// Addresses of the tap test, from the benchmark range 198.18.0.0/15: the
// kernel side of the tap (inside the test's namespace) and the DPDK side.
var (
	tapKernelIP = net.IPv4(198, 18, 0, 1).To4()
	tapPMDIP    = net.IPv4(198, 18, 0, 2).To4()
	// The kernel interface gets its own MAC: the tap PMD otherwise gives
	// it the port's, which would make both ends of the wire look alike.
	tapKernelMAC = net.HardwareAddr{0x02, 0x00, 0xc6, 0x12, 0x00, 0x01}
)

// tapPayload is datagram i's payload, n bytes; the first byte alone
// differs between any two of the first 256 datagrams.
func tapPayload(i, n int) []byte {
	b := make([]byte, n)
	for j := range b {
		b[j] = byte(i*37 + j*11 + 5)
	}
	return b
}

// Payload sizes, from 1 byte to a full 1500-byte IP packet.
var tapSizes = []int{1, 2, 9, 17, 18, 33, 64, 100, 255, 256, 511, 512, 700, 800, 1000, 1024, 1200, 1400, 1471, 1472}

// decodeUDP decodes a frame as Ethernet/IPv4/UDP; nil if it is not.
func decodeUDP(frame []byte) (*layers.Ethernet, *layers.IPv4, *layers.UDP) {
	pkt := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default) // copies frame
	eth, _ := pkt.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	ip, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	udp, _ := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
	if eth == nil || ip == nil || udp == nil {
		return nil, nil, nil
	}
	return eth, ip, udp
}

// serializeUDP builds Ethernet/IPv4/UDP bytes with lengths and checksums
// computed by gopacket.
func serializeUDP(t *testing.T, eth *layers.Ethernet, ip *layers.IPv4, udp *layers.UDP, payload []byte) []byte {
	t.Helper()
	require.NoError(t, udp.SetNetworkLayerForChecksum(ip))
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, ip, udp, gopacket.Payload(payload)))
	return bytes.Clone(buf.Bytes())
}

// TestTapKernelAndPMD puts UDP through a net_tap port whose kernel
// interface lives in a namespace of the test's own: datagrams a kernel
// socket sends arrive in mbufs byte for byte, and frames built in mbufs
// arrive at a kernel socket byte for byte.
func TestTapKernelAndPMD(t *testing.T) {
	pool := newPool(t, 1023)
	ns := newNetns(t, "tap")
	ifname := "zct" + shortID()
	// Configure and start in this namespace: the tap PMD opens its queues
	// by interface name. Then hand the kernel side to the test namespace.
	// With tx checksum offloads: the PMDToKernelOffload subtest needs
	// them; frames without offload flags are sent as they are.
	cksum := port.TxOffloadIPv4Cksum | port.TxOffloadUDPCksum
	p := attachWith(t, uniq("net_tap")+",iface="+ifname, port.Config{RxQueues: 1, TxQueues: 1, RxDesc: 256, TxDesc: 256, Pool: pool, TxOffloads: cksum})
	in, err := p.Info()
	require.NoError(t, err)
	require.Equal(t, "net_tap", in.Driver)
	pmdMAC := in.MAC
	require.Len(t, pmdMAC, 6)
	require.NotEqual(t, tapKernelMAC, pmdMAC)

	sh(t, "ip", "link", "set", ifname, "netns", ns)
	if _, err := os.Stat("/proc/sys/net/ipv6"); err == nil {
		nsSh(t, ns, "sysctl", "-qw", "net.ipv6.conf."+ifname+".disable_ipv6=1") // no ND or MLD chatter
	}
	nsSh(t, ns, "ip", "link", "set", ifname, "address", tapKernelMAC.String())
	nsSh(t, ns, "ip", "addr", "add", tapKernelIP.String()+"/24", "dev", ifname)
	nsSh(t, ns, "ip", "link", "set", ifname, "up")
	nsSh(t, ns, "ip", "neigh", "replace", tapPMDIP.String(), "lladdr", pmdMAC.String(), "dev", ifname, "nud", "permanent")

	var tx *net.UDPConn // kernel -> PMD
	var rx *net.UDPConn // PMD -> kernel
	var kmac net.HardwareAddr
	require.NoError(t, inNetns(ns, func() error {
		ifc, err := net.InterfaceByName(ifname)
		if err != nil {
			return err
		}
		kmac = ifc.HardwareAddr
		if tx, err = net.DialUDP("udp4", &net.UDPAddr{IP: tapKernelIP, Port: 9003}, &net.UDPAddr{IP: tapPMDIP, Port: 9000}); err != nil {
			return err
		}
		rx, err = net.ListenUDP("udp4", &net.UDPAddr{IP: tapKernelIP, Port: 9001})
		return err
	}))
	t.Cleanup(func() { tx.Close(); rx.Close() })
	require.Equal(t, tapKernelMAC, kmac, "the kernel interface in %s has the MAC set", ns)

	b := newBurst(t, 32)
	// Frames the kernel sent while the interface came up are not ours.
	quiet(t, p, b, 50*time.Millisecond, func(*mbuf.Mbuf) bool { return false })
	require.NoError(t, p.ResetStats())

	t.Run("KernelToPMD", func(t *testing.T) {
		for i, n := range tapSizes {
			w, err := tx.Write(tapPayload(i, n))
			require.NoError(t, err)
			require.Equal(t, n, w)
		}
		got, rxBytes := 0, 0
		var noise []string
		keep := func(m *mbuf.Mbuf) bool {
			data := m.Data()
			rxBytes += m.PktLen()
			require.Equal(t, m.DataLen(), m.PktLen(), "one segment")
			eth, ip, udp := decodeUDP(data)
			if udp == nil || udp.DstPort != 9000 {
				noise = append(noise, fmt.Sprintf("%d bytes % x", len(data), data[:min(len(data), 34)]))
				return false
			}
			require.Less(t, got, len(tapSizes), "more datagrams to port 9000 than were sent")
			i := got
			got++
			assert.Equal(t, p.ID(), m.Port(), "mbuf port field")
			assert.Equal(t, pmdMAC, eth.DstMAC, "datagram %d: Ethernet dst is the port's MAC (the static neighbour)", i)
			assert.Equal(t, tapKernelMAC, eth.SrcMAC, "datagram %d: Ethernet src", i)
			assert.Equal(t, layers.EthernetTypeIPv4, eth.EthernetType)
			assert.Equal(t, tapKernelIP, ip.SrcIP.To4(), "datagram %d: IP src", i)
			assert.Equal(t, tapPMDIP, ip.DstIP.To4(), "datagram %d: IP dst", i)
			assert.Equal(t, layers.IPProtocolUDP, ip.Protocol)
			assert.Equal(t, int(ip.Length), len(data)-14, "datagram %d: IP length covers the frame (no padding from tap)", i)
			assert.EqualValues(t, 9003, udp.SrcPort)
			assert.EqualValues(t, 8+tapSizes[i], udp.Length)
			require.Equal(t, tapPayload(i, tapSizes[i]), udp.Payload, "datagram %d (%d bytes): payload, in order", i, tapSizes[i])
			// Rebuilding the frame from the decoded fields with fresh
			// lengths and checksums must give back every received byte:
			// the kernel's checksums were right and nothing was altered.
			// gopacket pads short frames to 60 bytes; tap does not pad.
			re := serializeUDP(t, eth, ip, udp, udp.Payload)
			require.GreaterOrEqual(t, len(re), len(data))
			require.Equal(t, make([]byte, len(re)-len(data)), re[len(data):], "only padding beyond the IP packet")
			require.Equal(t, re[:len(data)], bytes.Clone(data), "datagram %d: frame bytes (headers, lengths, checksums)", i)
			return true
		}
		polled := rxUntil(t, p, b, len(tapSizes), 10*time.Second, keep, "UDP datagrams from the kernel to 198.18.0.2:9000")
		extra, more := quiet(t, p, b, 200*time.Millisecond, keep)
		assert.Zero(t, extra, "no datagram arrives twice")
		polled += more
		if len(noise) > 0 {
			t.Logf("%d kernel frames besides ours: %q", len(noise), noise)
		}
		assert.Equal(t, len(tapSizes), got)
		st, err := p.Stats()
		require.NoError(t, err)
		assert.Equal(t, uint64(polled), st.RxPackets, "rx counter counts every frame polled")
		assert.Equal(t, uint64(rxBytes), st.RxBytes, "rx byte counter")
	})

	t.Run("PMDToKernel", func(t *testing.T) {
		require.NoError(t, p.ResetStats())
		frames := make([][]byte, len(tapSizes))
		wantBytes := 0
		for i, n := range tapSizes {
			eth := &layers.Ethernet{SrcMAC: pmdMAC, DstMAC: kmac, EthernetType: layers.EthernetTypeIPv4}
			ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: uint16(1000 + i), Flags: layers.IPv4DontFragment,
				Protocol: layers.IPProtocolUDP, SrcIP: tapPMDIP, DstIP: tapKernelIP}
			udp := &layers.UDP{SrcPort: 9002, DstPort: 9001}
			frames[i] = serializeUDP(t, eth, ip, udp, tapPayload(100+i, n))
			wantBytes += len(frames[i])
		}
		out := newBurst(t, len(frames))
		require.NoError(t, out.Alloc(pool, len(frames)))
		for i, m := range out.Pkts() {
			require.NoError(t, m.SetData(frames[i]))
			require.Equal(t, frames[i], m.Data())
		}
		txAll(t, p, out, 5*time.Second)

		buf := make([]byte, 2048)
		for i, n := range tapSizes {
			require.NoError(t, rx.SetReadDeadline(time.Now().Add(5*time.Second)))
			r, from, err := rx.ReadFromUDP(buf)
			require.NoError(t, err, "datagram %d of %d at the kernel socket on %s:9001", i, len(tapSizes), tapKernelIP)
			assert.Equal(t, tapPMDIP, from.IP.To4(), "datagram %d: source address", i)
			assert.Equal(t, 9002, from.Port, "datagram %d: source port", i)
			require.Equal(t, tapPayload(100+i, n), buf[:r], "datagram %d (%d bytes): payload, in order", i, n)
		}
		require.NoError(t, rx.SetReadDeadline(time.Now().Add(200*time.Millisecond)))
		r, _, err := rx.ReadFromUDP(buf)
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "no datagram beyond the %d sent; got %d bytes, err %v", len(tapSizes), r, err)
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)

		st, err := p.Stats()
		require.NoError(t, err)
		assert.Equal(t, uint64(len(frames)), st.TxPackets, "tx counter")
		assert.Equal(t, uint64(wantBytes), st.TxBytes, "tx byte counter")
		assert.Zero(t, st.TxErrors)
	})

	t.Run("PMDToKernelOffload", func(t *testing.T) {
		// Frames whose IPv4 and UDP checksums are wrong: the kernel drops
		// such datagrams, so each one that arrives shows the checksums
		// were filled in on the way out, by the tap PMD's offload.
		const n = 8
		out := newBurst(t, n)
		require.NoError(t, out.Alloc(pool, n))
		for i, m := range out.Pkts() {
			eth := &layers.Ethernet{SrcMAC: pmdMAC, DstMAC: kmac, EthernetType: layers.EthernetTypeIPv4}
			ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: tapPMDIP, DstIP: tapKernelIP}
			udp := &layers.UDP{SrcPort: 9004, DstPort: 9001}
			f := serializeUDP(t, eth, ip, udp, tapPayload(200+i, 100+i))
			f[14+10], f[14+11] = 0xde, 0xad // IPv4 header checksum
			f[34+6], f[34+7] = 0xbe, 0xef   // UDP checksum
			require.NoError(t, m.SetData(f))
			var pp pkt.Parsed
			require.NoError(t, pkt.Parse(m.Data(), &pp))
			off, err := p.PrepareTxChecksum(m, &pp)
			require.NoError(t, err)
			require.True(t, off, "the tap port was configured with checksum offloads")
			l2, l3, l4 := m.TxOffload()
			assert.Equal(t, [3]int{14, 20, 8}, [3]int{l2, l3, l4})
			assert.Equal(t, mbuf.TxIPv4|mbuf.TxIPCksum|mbuf.TxUDPCksum, m.OlFlags()&(mbuf.TxIPv4|mbuf.TxIPCksum|mbuf.TxL4Mask))
		}
		txAll(t, p, out, 5*time.Second)
		buf := make([]byte, 2048)
		for i := 0; i < n; i++ {
			require.NoError(t, rx.SetReadDeadline(time.Now().Add(5*time.Second)))
			r, from, err := rx.ReadFromUDP(buf)
			require.NoError(t, err, "datagram %d of %d: the kernel dropped it (bad checksum?)", i, n)
			assert.Equal(t, 9004, from.Port)
			require.Equal(t, tapPayload(200+i, 100+i), buf[:r], "datagram %d", i)
		}
	})
}
