package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal/ealtest"
	"github.com/zcnic/zcnic/pkt/testpkts"
)

// frames builds the router's input with gopacket: what it routes, and
// one frame of each thing it drops.
func frames(t *testing.T) (in [][]byte, routed int) {
	t.Helper()
	eth := func(et layers.EthernetType) *layers.Ethernet {
		return &layers.Ethernet{SrcMAC: testpkts.MAC1, DstMAC: testpkts.MAC2, EthernetType: et}
	}
	ip4 := func(ttl uint8, proto layers.IPProtocol) *layers.IPv4 {
		return &layers.IPv4{Version: 4, TTL: ttl, Protocol: proto, SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{10, 0, 1, 2}}
	}
	add := func(ls ...gopacket.SerializableLayer) {
		for _, l := range ls {
			if n, ok := l.(gopacket.NetworkLayer); ok {
				if u, ok := ls[len(ls)-2].(*layers.UDP); ok {
					require.NoError(t, u.SetNetworkLayerForChecksum(n))
				}
				if c, ok := ls[len(ls)-2].(*layers.TCP); ok {
					require.NoError(t, c.SetNetworkLayerForChecksum(n))
				}
			}
		}
		b, err := testpkts.Serialize(ls...)
		require.NoError(t, err)
		in = append(in, b)
	}
	payload := gopacket.Payload(bytes.Repeat([]byte("x"), 64))
	for i := 0; i < 50; i++ { // routed: UDP and TCP (not port 23) over IPv4
		add(eth(layers.EthernetTypeIPv4), ip4(64, layers.IPProtocolUDP), &layers.UDP{SrcPort: 50000, DstPort: layers.UDPPort(40000 + i)}, payload)
		add(eth(layers.EthernetTypeIPv4), ip4(uint8(2+i), layers.IPProtocolTCP), &layers.TCP{SrcPort: 1000, DstPort: 80, SYN: true, Window: 1024}, payload)
		routed += 2
	}
	// firewall: TCP to port 23
	add(eth(layers.EthernetTypeIPv4), ip4(64, layers.IPProtocolTCP), &layers.TCP{SrcPort: 1000, DstPort: 23, SYN: true, Window: 1024}, payload)
	// ttl: TTL 1 runs out here
	add(eth(layers.EthernetTypeIPv4), ip4(1, layers.IPProtocolUDP), &layers.UDP{SrcPort: 1, DstPort: 2}, payload)
	// not_ipv4: IPv6, and ARP
	add(eth(layers.EthernetTypeIPv6), &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP, SrcIP: net.ParseIP("2001:db8::1"), DstIP: net.ParseIP("2001:db8::2")}, &layers.UDP{SrcPort: 1, DstPort: 2}, payload)
	add(eth(layers.EthernetTypeARP), &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4, Operation: 1,
		SourceHwAddress: testpkts.MAC1, SourceProtAddress: []byte{10, 0, 0, 1}, DstHwAddress: make([]byte, 6), DstProtAddress: []byte{10, 0, 0, 2}})
	// malformed: an IPv4 header cut short
	good := in[0]
	in = append(in, append([]byte(nil), good[:14+12]...))
	return in, routed
}

// The router reads a pcap, routes and filters it, and stops by itself at
// the end of the input; gopacket checks every frame it wrote, and the
// summary names each drop.
func TestRouterPcap(t *testing.T) {
	in, routed := frames(t)
	dir := t.TempDir()
	inPath, outPath := filepath.Join(dir, "in.pcap"), filepath.Join(dir, "out.pcap")
	require.NoError(t, testpkts.WritePcap(inPath, in))
	bin := filepath.Join(dir, "router")
	if b := os.Getenv("ZCNIC_TEST_ROUTER_BIN"); b != "" {
		bin = b // built beforehand, where no Go toolchain runs (ci/arm64.sh)
	} else {
		build := exec.Command("go", "build", "-o", bin, ".")
		if _, err := exec.LookPath("go"); err != nil {
			build.Path = "/usr/local/go/bin/go"
		}
		outb, err := build.CombinedOutput()
		require.NoError(t, err, "%s", outb)
	}

	args := []string{"--in", inPath, "--out", outPath, "--gw", "02:00:00:00:00:99", "--idle", "10s"}
	if ealtest.Config().NoHuge {
		args = append(args, "--no-huge")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	require.NoError(t, cmd.Run(), "stderr: %s", stderr.String())
	assert.Less(t, time.Since(start), 8*time.Second, "it stopped at the end of the input, not after --idle")

	m := regexp.MustCompile(`router: (\d+) in, (\d+) routed out of net_pcap1 \(src ([0-9a-f:]{17}), dst 02:00:00:00:00:99\)`).FindStringSubmatch(stdout.String())
	require.NotNil(t, m, "stdout: %s", stdout.String())
	assert.Equal(t, strconv.Itoa(len(in)), m[1])
	assert.Equal(t, strconv.Itoa(routed), m[2])
	src, err := net.ParseMAC(m[3])
	require.NoError(t, err)
	for _, d := range []string{"malformed 1", "ttl 1", "not_ipv4 2", "firewall 1"} {
		assert.Contains(t, stdout.String(), d)
	}

	out, err := testpkts.ReadPcap(outPath)
	require.NoError(t, err)
	require.Len(t, out, routed)
	for i, b := range out {
		orig := gopacket.NewPacket(in[i], layers.LayerTypeEthernet, gopacket.Default)
		got := gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.Default)
		if el := got.ErrorLayer(); el != nil {
			require.Failf(t, "decode", "frame %d: %v", i, el.Error())
		}
		e := got.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		assert.Equal(t, net.HardwareAddr{2, 0, 0, 0, 0, 0x99}, e.DstMAC, "frame %d: dst is the next hop", i)
		assert.Equal(t, src, e.SrcMAC, "frame %d: src is the output port's MAC", i)
		ip := got.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		oip := orig.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		assert.Equal(t, oip.TTL-1, ip.TTL, "frame %d: TTL decremented", i)
		assert.Equal(t, ipv4Checksum(t, ip), ip.Checksum, "frame %d: header checksum", i)
		assert.Equal(t, in[i][14+20:], b[14+20:], "frame %d: the rest is untouched", i)
	}

	// tshark, when installed, reads it the same way.
	if _, err := exec.LookPath("tshark"); err == nil {
		o, err := exec.Command("tshark", "-n", "-r", outPath, "-o", "ip.check_checksum:TRUE", "-Y", "ip.checksum.status == \"Good\" && eth.dst == 02:00:00:00:00:99").Output()
		require.NoError(t, err)
		assert.Len(t, strings.Split(strings.TrimSpace(string(o)), "\n"), routed)
	}
}

// ipv4Checksum is the header checksum gopacket computes for ip.
func ipv4Checksum(t *testing.T, ip *layers.IPv4) uint16 {
	c := *ip
	buf := gopacket.NewSerializeBuffer()
	require.NoError(t, c.SerializeTo(buf, gopacket.SerializeOptions{ComputeChecksums: true}))
	b := buf.Bytes()
	return uint16(b[10])<<8 | uint16(b[11])
}

// A bad command line exits 2 before any EAL starts.
func TestRouterBadFlags(t *testing.T) {
	var out, errb bytes.Buffer
	assert.Equal(t, 2, run([]string{"--out", "x.pcap"}, &out, &errb))
	assert.Contains(t, errb.String(), "one of --in and --in-dev")
	errb.Reset()
	assert.Equal(t, 2, run([]string{"--in", "a", "--out", "b", "--gw", "nope"}, &out, &errb))
	assert.Contains(t, errb.String(), "--gw")
}
