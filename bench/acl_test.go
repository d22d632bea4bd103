package bench

import (
	"context"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/pkt/testpkts"
)

func TestGenACLRulesDeterministic(t *testing.T) {
	a, b := GenACLRules(1000, 7), GenACLRules(1000, 7)
	assert.Equal(t, a, b, "same n and seed, same rules")
	assert.Equal(t, a[:100], GenACLRules(100, 7), "a smaller set is a prefix of a larger one")
	assert.NotEqual(t, a[:100], GenACLRules(100, 8), "another seed, other rules")

	// A real-looking mix: every prefix length class, any protocol,
	// exact ports, ranges and wildcards all occur.
	lens := map[int]int{}
	var anyProto, tcp, udp, dstExact, dstRange, dstAny, srcExact, srcRange int
	for _, r := range a {
		require.True(t, r.Src.IsValid() && r.Dst.IsValid())
		require.Equal(t, r.Src, r.Src.Masked(), "prefix %s has host bits", r.Src)
		require.False(t, r.Src.Bits() == 0 && r.Dst.Bits() == 0, "no rule matches every address pair")
		require.LessOrEqual(t, r.SrcLo, r.SrcHi)
		require.LessOrEqual(t, r.DstLo, r.DstHi)
		lens[r.Src.Bits()]++
		lens[r.Dst.Bits()]++
		switch {
		case r.AnyProto:
			anyProto++
			require.Equal(t, ACLRule{Src: r.Src, Dst: r.Dst, AnyProto: true, SrcHi: 65535, DstHi: 65535}, r, "any protocol, any ports")
			continue
		case r.Proto == 6:
			tcp++
		case r.Proto == 17:
			udp++
		default:
			t.Fatalf("protocol %d", r.Proto)
		}
		switch {
		case r.DstLo == r.DstHi:
			dstExact++
		case r.DstLo == 0 && r.DstHi == 65535:
			dstAny++
		default:
			dstRange++
		}
		switch {
		case r.SrcLo == r.SrcHi:
			srcExact++
		case r.SrcLo != 0 || r.SrcHi != 65535:
			srcRange++
		}
	}
	for _, l := range []int{0, 8, 16, 24, 28, 32} {
		assert.Greater(t, lens[l], 10, "prefix length /%d", l)
	}
	for name, n := range map[string]int{"any proto": anyProto, "tcp": tcp, "udp": udp, "dst exact": dstExact, "dst range": dstRange,
		"dst any": dstAny, "src exact": srcExact, "src range": srcRange} {
		assert.Greater(t, n, 30, name)
	}
}

func TestACLRuleFormats(t *testing.T) {
	r := ACLRule{Src: netip.MustParsePrefix("10.1.0.0/16"), Dst: netip.MustParsePrefix("192.0.2.7/32"), Proto: 6,
		SrcLo: 1024, SrcHi: 65535, DstLo: 80, DstHi: 80}
	assert.Equal(t, "pattern eth / ipv4 src spec 10.1.0.0 src prefix 16 dst is 192.0.2.7 / tcp src spec 1024 src last 65535 dst is 80 / end actions count / end", r.Testpmd("count"))
	assert.Equal(t, "@10.1.0.0/16 192.0.2.7/32 1024 : 65535 80 : 80 6/0xff", r.TestACL())
	any := ACLRule{Src: netip.MustParsePrefix("0.0.0.0/0"), Dst: netip.MustParsePrefix("198.18.0.0/15"), AnyProto: true, SrcHi: 65535, DstHi: 65535}
	assert.Equal(t, "pattern eth / ipv4 dst spec 198.18.0.0 dst prefix 15 / end actions drop / end", any.Testpmd("drop"))
	assert.Equal(t, "@0.0.0.0/0 198.18.0.0/15 0 : 65535 0 : 65535 0/0x00", any.TestACL())
	u := ACLRule{Src: netip.MustParsePrefix("0.0.0.0/0"), Dst: netip.MustParsePrefix("0.0.0.0/0"), Proto: 17, SrcHi: 65535, DstLo: 0, DstHi: 1023}
	assert.Equal(t, "pattern eth / ipv4 / udp dst spec 0 dst last 1023 / end actions count / end", u.Testpmd("count"))

	tu := Tuple{Src: netip.MustParseAddr("10.1.2.3"), Dst: netip.MustParseAddr("192.0.2.7"), SrcPort: 5000, DstPort: 80, Proto: 6}
	assert.Equal(t, "167838211 3221225991 5000 80 6", tu.TestACL())
	assert.True(t, r.Matches(tu))
	assert.True(t, any.Matches(Tuple{Src: tu.Src, Dst: netip.MustParseAddr("198.19.255.255"), Proto: 17}))
	for _, miss := range []Tuple{
		{Src: netip.MustParseAddr("10.2.2.3"), Dst: tu.Dst, SrcPort: 5000, DstPort: 80, Proto: 6},  // src outside
		{Src: tu.Src, Dst: netip.MustParseAddr("192.0.2.8"), SrcPort: 5000, DstPort: 80, Proto: 6}, // dst outside
		{Src: tu.Src, Dst: tu.Dst, SrcPort: 1023, DstPort: 80, Proto: 6},                           // below the source range
		{Src: tu.Src, Dst: tu.Dst, SrcPort: 5000, DstPort: 81, Proto: 6},                           // other dst port
		{Src: tu.Src, Dst: tu.Dst, SrcPort: 5000, DstPort: 80, Proto: 17},                          // UDP
	} {
		assert.False(t, r.Matches(miss), "%+v", miss)
	}
	assert.Equal(t, 1, FirstMatch([]ACLRule{u, r, any}, tu))
	assert.Equal(t, -1, FirstMatch([]ACLRule{u}, tu))
}

func TestGenACLTrace(t *testing.T) {
	rules := GenACLRules(1000, 1)
	trace := GenACLTrace(rules, 2048, 1)
	assert.Equal(t, trace, GenACLTrace(rules, 2048, 1))
	hit, hitRules := 0, map[int]bool{}
	for _, tu := range trace {
		require.Contains(t, []uint8{6, 17}, tu.Proto)
		if i := FirstMatch(rules, tu); i >= 0 {
			hit++
			hitRules[i] = true
		}
	}
	// 90% are drawn inside a rule; a few random ones hit wide rules.
	assert.InDelta(t, 0.9, float64(hit)/float64(len(trace)), 0.06, "share of packets that match a rule")
	assert.Greater(t, len(hitRules), 100, "many rules take traffic")
	assert.Less(t, len(hitRules), 1000, "but not all: the pick is skewed")
	assert.Empty(t, GenACLTrace(nil, 0, 1))
	for _, tu := range GenACLTrace(nil, 10, 1) {
		assert.Contains(t, []uint8{6, 17}, tu.Proto, "no rules: random tuples")
	}
}

// The pcap and the dpdk-test-acl trace hold the same packets: gopacket
// decodes the pcap back to the trace's tuples.
func TestWriteTrace(t *testing.T) {
	rules := GenACLRules(100, 3)
	trace := GenACLTrace(rules, 300, 3)
	dir := t.TempDir()
	pcap, txt := filepath.Join(dir, "t.pcap"), filepath.Join(dir, "t.txt")
	require.NoError(t, WriteTrace(trace, pcap, txt))
	frames, err := testpkts.ReadPcap(pcap)
	require.NoError(t, err)
	require.Len(t, frames, len(trace))
	lines, err := os.ReadFile(txt)
	require.NoError(t, err)
	ls := strings.Split(strings.TrimSpace(string(lines)), "\n")
	require.Len(t, ls, len(trace))
	for i, f := range frames {
		p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
		// (A payload gopacket takes for DNS or another protocol by its
		// port may not decode: only the headers matter here.)
		ip, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		require.True(t, ok, "frame %d has IPv4", i)
		got := Tuple{Src: netip.AddrFrom4([4]byte(ip.SrcIP.To4())), Dst: netip.AddrFrom4([4]byte(ip.DstIP.To4())), Proto: uint8(ip.Protocol)}
		if tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok {
			got.SrcPort, got.DstPort = uint16(tcp.SrcPort), uint16(tcp.DstPort)
		} else {
			udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
			require.True(t, ok, "frame %d has TCP or UDP", i)
			got.SrcPort, got.DstPort = uint16(udp.SrcPort), uint16(udp.DstPort)
		}
		require.Equal(t, trace[i], got, "frame %d", i)
		assert.Equal(t, mixedSizes[i%len(mixedSizes)], len(f), "frame %d", i)
		assert.Equal(t, trace[i].TestACL(), ls[i])
	}
}

// testdata/test-acl-verbose0.txt is real output of dpdk-test-acl 22.11
// (one lcore, --verbose=0, two rules, two packets, three iterations).
func TestParseTestACL(t *testing.T) {
	f, err := os.Open("testdata/test-acl-verbose0.txt")
	require.NoError(t, err)
	defer f.Close()
	r, err := ParseTestACL(f)
	require.NoError(t, err)
	assert.Equal(t, uint64(6), r.Packets)
	assert.Equal(t, uint64(4992), r.Cycles)
	assert.Equal(t, 832.0, r.CyclesPerPkt)
	assert.Equal(t, 3125000.0, r.PktPerSec)
	assert.InDelta(t, 320, r.NsPerPacket(), 0.01)
	assert.InDelta(t, 2.6e9, r.TSCHz(), 0.01e9)
	assert.Empty(t, r.Results)

	for name, out := range map[string]string{
		"no search":    "rte_acl_build(1) finished with 0\n",
		"build failed": "rte_acl_build(1) finished with -22\nsearch_ip5tuples  @lcore 1: 1 iterations, 6 pkts, 1 categories, 8 cycles (0.00 sec), 1.33 cycles/pkt, 1.18 pkt/sec\n",
		"two lcores": "rte_acl_build(1) finished with 0\nsearch_ip5tuples  @lcore 1: 1 iterations, 6 pkts, 1 categories, 8 cycles (0.00 sec), 1.33 cycles/pkt, 1.18 pkt/sec\n" +
			"search_ip5tuples  @lcore 0: 1 iterations, 6 pkts, 1 categories, 8 cycles (0.00 sec), 1.33 cycles/pkt, 1.18 pkt/sec\n",
		"cut line":   "rte_acl_build(1) finished with 0\nsearch_ip5tuples  @lcore 1: 1 iterations, 6 pkts, 1 categories\n",
		"no packets": "rte_acl_build(1) finished with 0\nsearch_ip5tuples  @lcore 1: 1 iterations, 0 pkts, 1 categories, 8 cycles (0.00 sec), 0.00 cycles/pkt, 0.00 pkt/sec\n",
	} {
		_, err := ParseTestACL(strings.NewReader(out))
		assert.Error(t, err, name)
	}
}

// dpdk-test-acl, given the files S5 writes, classifies every packet as
// the Go matcher does: both formats say the same rules and packets.
func TestTestACLAgreesWithMatcher(t *testing.T) {
	if _, err := exec.LookPath("dpdk-test-acl"); err != nil {
		t.Skip("dpdk-test-acl not installed (make setup installs the dpdk package)")
	}
	rules := GenACLRules(1000, 11)
	trace := GenACLTrace(rules, 1000, 11)
	dir := t.TempDir()
	rf, tf := filepath.Join(dir, "rules.txt"), filepath.Join(dir, "trace.txt")
	require.NoError(t, WriteRuleFiles(rules, 0, "count", filepath.Join(dir, "rules.flow"), rf))
	require.NoError(t, WriteTrace(trace, filepath.Join(dir, "trace.pcap"), tf))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "dpdk-test-acl", TestACLArgs(rf, tf, 0, 1, 32, false, true)...)
	out, err := cmd.Output()
	require.NoError(t, err, "%s", out)
	res, err := ParseTestACL(strings.NewReader(string(out)))
	require.NoError(t, err)
	require.Len(t, res.Results, len(trace))
	for i, tu := range trace {
		require.Equal(t, FirstMatch(rules, tu), res.Results[i], "packet %d %+v", i, tu)
	}
}
