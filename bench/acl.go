package bench

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/zcnic/zcnic/pkt/testpkts"
)

// ACLRule is one IPv4 5-tuple rule of S5's rule sets, as ClassBench's
// ACL seeds make them: source and destination prefixes, source and
// destination port ranges (0-65535 is any port), and the protocol
// (AnyProto: any, and then any ports too, since rte_flow only matches
// ports under a TCP or UDP item).
type ACLRule struct {
	Src, Dst     netip.Prefix
	AnyProto     bool
	Proto        uint8 // 6 or 17 unless AnyProto
	SrcLo, SrcHi uint16
	DstLo, DstHi uint16
}

// Tuple is one packet's IPv4 5-tuple.
type Tuple struct {
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Proto            uint8 // 6 (TCP) or 17 (UDP)
}

// Matches says whether t matches the rule.
func (r ACLRule) Matches(t Tuple) bool {
	return r.Src.Contains(t.Src) && r.Dst.Contains(t.Dst) &&
		(r.AnyProto || r.Proto == t.Proto) &&
		t.SrcPort >= r.SrcLo && t.SrcPort <= r.SrcHi &&
		t.DstPort >= r.DstLo && t.DstPort <= r.DstHi
}

// FirstMatch is the index of the first rule of rules that t matches,
// or -1: the rule that wins when every rule has the same priority
// (rte_flow's and dpdk-test-acl's order).
func FirstMatch(rules []ACLRule, t Tuple) int {
	for i, r := range rules {
		if r.Matches(t) {
			return i
		}
	}
	return -1
}

// Testpmd is the rule in testpmd's `flow create` syntax (without the
// `flow create PORT` prefix), with the actions given, like "count".
func (r ACLRule) Testpmd(actions string) string {
	var b strings.Builder
	b.WriteString("pattern eth / ipv4")
	prefix := func(name string, p netip.Prefix) {
		switch p.Bits() {
		case 0:
		case 32:
			fmt.Fprintf(&b, " %s is %s", name, p.Addr())
		default:
			fmt.Fprintf(&b, " %s spec %s %s prefix %d", name, p.Addr(), name, p.Bits())
		}
	}
	prefix("src", r.Src)
	prefix("dst", r.Dst)
	if !r.AnyProto {
		l4 := "udp"
		if r.Proto == 6 {
			l4 = "tcp"
		}
		b.WriteString(" / " + l4)
		ports := func(name string, lo, hi uint16) {
			switch {
			case lo == 0 && hi == 65535:
			case lo == hi:
				fmt.Fprintf(&b, " %s is %d", name, lo)
			default:
				fmt.Fprintf(&b, " %s spec %d %s last %d", name, lo, name, hi)
			}
		}
		ports("src", r.SrcLo, r.SrcHi)
		ports("dst", r.DstLo, r.DstHi)
	}
	b.WriteString(" / end actions " + actions + " / end")
	return b.String()
}

// TestACL is the rule in dpdk-test-acl's (ClassBench's) rule format:
// "@SRC/LEN DST/LEN SLO : SHI DLO : DHI PROTO/MASK".
func (r ACLRule) TestACL() string {
	proto, mask := int(r.Proto), 0xff
	if r.AnyProto {
		proto, mask = 0, 0
	}
	return fmt.Sprintf("@%s %s %d : %d %d : %d %d/0x%02x", r.Src, r.Dst, r.SrcLo, r.SrcHi, r.DstLo, r.DstHi, proto, mask)
}

// TestACL is the tuple in dpdk-test-acl's trace format: addresses as
// host-order integers, then ports and protocol, "SRC DST SPORT DPORT
// PROTO".
func (t Tuple) TestACL() string {
	return fmt.Sprintf("%d %d %d %d %d", addrU32(t.Src), addrU32(t.Dst), t.SrcPort, t.DstPort, t.Proto)
}

func addrU32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func u32Addr(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// weighted picks one of vals with the given weights.
func weighted[T any](r *rand.Rand, vals []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return vals[i]
		}
		n -= w
	}
	return vals[len(vals)-1]
}

// Prefix lengths of the rules' addresses (ClassBench ACL seeds: sources
// often wide, destinations mostly hosts and /24s).
var (
	srcLens, srcLenW = []int{0, 8, 16, 20, 24, 28, 32}, []int{15, 5, 10, 5, 25, 10, 30}
	dstLens, dstLenW = []int{0, 16, 24, 28, 30, 32}, []int{5, 10, 30, 10, 5, 40}
	wellKnown        = []uint16{80, 443, 53, 22, 25, 110, 123, 143, 161, 389, 445, 993, 1433, 3306, 5432, 6379, 8080, 8443}
)

// GenACLRules makes n real-looking 5-tuple ACL rules from seed (the
// same n and seed give the same rules; a smaller n gives a prefix of
// a larger n's rules). Addresses come from a few hundred sites (so that
// prefixes overlap as in real ACLs), prefix lengths vary from 0 to 32,
// 10% of the rules match any protocol, the rest TCP or UDP with an
// exact, ranged or any source and destination port.
func GenACLRules(n int, seed uint64) []ACLRule {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	sites := make([]uint32, 256)
	for i := range sites {
		sites[i] = r.Uint32() &^ 0xffff // a /16 each
	}
	addr := func(lens []int, w []int) netip.Prefix {
		bits := weighted(r, lens, w)
		v := sites[r.IntN(len(sites))] | r.Uint32()&0xffff
		p, _ := u32Addr(v).Prefix(bits)
		return p
	}
	rules := make([]ACLRule, n)
	for i := range rules {
		ru := ACLRule{Src: addr(srcLens, srcLenW), Dst: addr(dstLens, dstLenW), SrcHi: 65535, DstHi: 65535}
		for ru.Src.Bits() == 0 && ru.Dst.Bits() == 0 {
			// No match-all address pair: it would shadow every
			// rule below it (real ACLs keep that for the last line).
			ru.Dst = addr(dstLens, dstLenW)
		}
		switch k := r.IntN(100); {
		case k < 10:
			ru.AnyProto = true
		case k < 55:
			ru.Proto = 6
		default:
			ru.Proto = 17
		}
		if !ru.AnyProto {
			switch k := r.IntN(100); {
			case k < 70: // any source port
			case k < 85:
				ru.SrcLo = 1024
			default:
				p := uint16(1024 + r.IntN(64512))
				ru.SrcLo, ru.SrcHi = p, p
			}
			switch k := r.IntN(100); {
			case k < 50:
				p := wellKnown[r.IntN(len(wellKnown))]
				ru.DstLo, ru.DstHi = p, p
			case k < 65:
				ru.DstHi = 1023
			case k < 80:
				lo := uint16(r.IntN(60000))
				ru.DstLo, ru.DstHi = lo, lo+uint16(1+r.IntN(5000))
			}
		}
		rules[i] = ru
	}
	return rules
}

// GenACLTrace makes n tuples for rules: 90% are drawn inside a rule
// (rules picked with a Zipf skew, as a few rules take most traffic),
// the rest anywhere; protocols TCP or UDP.
func GenACLTrace(rules []ACLRule, n int, seed uint64) []Tuple {
	r := rand.New(rand.NewPCG(seed, 0x7ace))
	var zipf *rand.Zipf
	var perm []int
	if len(rules) > 0 {
		zipf = rand.NewZipf(r, 1.1, 4, uint64(len(rules)-1))
		perm = r.Perm(len(rules))
	}
	inside := func(p netip.Prefix) netip.Addr {
		host := uint32(0)
		if p.Bits() < 32 {
			host = r.Uint32() & (1<<(32-p.Bits()) - 1)
		}
		return u32Addr(addrU32(p.Addr()) | host)
	}
	port := func(lo, hi uint16) uint16 { return lo + uint16(r.IntN(int(hi)-int(lo)+1)) }
	out := make([]Tuple, n)
	for i := range out {
		t := Tuple{Src: u32Addr(r.Uint32()), Dst: u32Addr(r.Uint32()), SrcPort: uint16(r.IntN(65536)), DstPort: uint16(r.IntN(65536)), Proto: 17}
		if r.IntN(2) == 0 {
			t.Proto = 6
		}
		if zipf != nil && r.IntN(10) != 0 {
			ru := rules[perm[zipf.Uint64()]]
			t.Src, t.Dst = inside(ru.Src), inside(ru.Dst)
			t.SrcPort, t.DstPort = port(ru.SrcLo, ru.SrcHi), port(ru.DstLo, ru.DstHi)
			if !ru.AnyProto {
				t.Proto = ru.Proto
			}
		}
		out[i] = t
	}
	return out
}

// ACLFrames makes the trace's frames: Ethernet, IPv4, TCP or UDP with
// valid checksums, sizes cycling over S3's IMIX-like mix.
func ACLFrames(trace []Tuple) ([][]byte, error) {
	out := make([][]byte, len(trace))
	for i, t := range trace {
		eth := &layers.Ethernet{SrcMAC: testpkts.MAC1, DstMAC: testpkts.MAC2, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Id: uint16(i), SrcIP: net.IP(t.Src.AsSlice()), DstIP: net.IP(t.Dst.AsSlice())}
		var l4 gopacket.SerializableLayer
		hdr := 14 + 20
		if t.Proto == 6 {
			ip.Protocol = layers.IPProtocolTCP
			tcp := &layers.TCP{SrcPort: layers.TCPPort(t.SrcPort), DstPort: layers.TCPPort(t.DstPort), Seq: uint32(i), ACK: true, Ack: 1, Window: 65535}
			if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
				return nil, err
			}
			l4, hdr = tcp, hdr+20
		} else {
			ip.Protocol = layers.IPProtocolUDP
			udp := &layers.UDP{SrcPort: layers.UDPPort(t.SrcPort), DstPort: layers.UDPPort(t.DstPort)}
			if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
				return nil, err
			}
			l4, hdr = udp, hdr+8
		}
		payload := make([]byte, max(mixedSizes[i%len(mixedSizes)]-hdr, 0))
		for j := range payload {
			payload[j] = byte(i + j)
		}
		f, err := testpkts.Serialize(eth, ip, l4, gopacket.Payload(payload))
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

// mixedSizes are the frame sizes (bytes, without FCS) of S3's and S5's
// frames: IMIX-like, heavy on small frames, 64 to 1500 bytes.
var mixedSizes = []int{64, 64, 64, 64, 128, 256, 512, 576, 576, 1024, 1280, 1500}

// writeLines writes one line per element of xs to path.
func writeLines[T any](path string, xs []T, line func(T) string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, x := range xs {
		w.WriteString(line(x))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// WriteRuleFiles writes rules for zcnic (one `pattern ... / end
// actions ... / end` rule a line, for zcnic fwd --rules, each prefixed
// with `flow create PORT` unless port is -1) and for dpdk-test-acl
// (--rulesf), in the same order.
func WriteRuleFiles(rules []ACLRule, port int, actions, zcnicPath, testACLPath string) error {
	prefix := ""
	if port >= 0 {
		prefix = fmt.Sprintf("flow create %d ", port)
	}
	if err := writeLines(zcnicPath, rules, func(r ACLRule) string { return prefix + r.Testpmd(actions) }); err != nil {
		return err
	}
	return writeLines(testACLPath, rules, ACLRule.TestACL)
}

// WriteTrace writes the trace as a pcap (for net_pcap) and in
// dpdk-test-acl's trace format (--tracef), packet for packet.
func WriteTrace(trace []Tuple, pcapPath, testACLPath string) error {
	frames, err := ACLFrames(trace)
	if err != nil {
		return err
	}
	if err := testpkts.WritePcap(pcapPath, frames); err != nil {
		return err
	}
	return writeLines(testACLPath, trace, Tuple.TestACL)
}

// TestACLResult is what dpdk-test-acl printed of one run: the ACL
// build's return code and, for the lcore that classified, packets,
// cycles, cycles per packet and packets per second.
type TestACLResult struct {
	BuildRC      int     `json:"build_rc"`
	Packets      uint64  `json:"packets"`
	Cycles       uint64  `json:"cycles"`
	CyclesPerPkt float64 `json:"cycles_per_packet"`
	PktPerSec    float64 `json:"packets_per_second"`
	// Results are the per-packet matches (rule index, -1: none) when
	// the run was verbose enough (--verbose=2) to print them.
	Results []int `json:"-"`
}

// NsPerPacket is the classification time per packet, in ns.
func (t TestACLResult) NsPerPacket() float64 { return 1e9 / t.PktPerSec }

// TSCHz is the TSC frequency the run's figures imply.
func (t TestACLResult) TSCHz() float64 { return t.CyclesPerPkt * t.PktPerSec }

// ParseTestACL parses dpdk-test-acl's stdout: the line
// "rte_acl_build(1) finished with 0" and
// "search_ip5tuples  @lcore 1: 3 iterations, 6 pkts, 1 categories,
// 8216 cycles (0.00 sec), 1369.33 cycles/pkt, 1898734.18 pkt/sec"
// (one lcore only), and with --verbose=2 the per-packet lines
// "ipv4_5tuple: 1, category: 0, result: 0" (result is the rule's line
// number counted from 0, or -1 for none: the tool prints the matched
// userdata minus one).
func ParseTestACL(r io.Reader) (TestACLResult, error) {
	var res TestACLResult
	builds, searches := 0, 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "rte_acl_build("):
			_, after, ok := strings.Cut(line, "finished with ")
			v, err := strconv.Atoi(strings.TrimSpace(after))
			if !ok || err != nil {
				return res, fmt.Errorf("dpdk-test-acl: bad build line %q", line)
			}
			res.BuildRC, builds = v, builds+1
		case strings.HasPrefix(line, "search_ip5tuples ") && strings.Contains(line, "@lcore"):
			searches++
			if err := parseSearchLine(line, &res); err != nil {
				return res, err
			}
		case strings.HasPrefix(line, "ipv4_5tuple: "):
			f := strings.Fields(line)
			if len(f) != 6 || f[len(f)-2] != "result:" {
				return res, fmt.Errorf("dpdk-test-acl: bad result line %q", line)
			}
			v, err := strconv.ParseUint(f[5], 10, 32)
			if err != nil {
				return res, fmt.Errorf("dpdk-test-acl: bad result line %q", line)
			}
			res.Results = append(res.Results, int(int32(uint32(v)))) // the tool prints (uint32)-1 for none
		}
	}
	if err := sc.Err(); err != nil {
		return res, err
	}
	switch {
	case builds != 1:
		return res, fmt.Errorf("dpdk-test-acl printed %d build lines, want 1", builds)
	case res.BuildRC != 0:
		return res, fmt.Errorf("dpdk-test-acl: rte_acl_build failed with %d", res.BuildRC)
	case searches != 1:
		return res, fmt.Errorf("dpdk-test-acl printed %d search lines, want 1 (run it on one lcore)", searches)
	case res.Packets == 0 || res.PktPerSec <= 0:
		return res, fmt.Errorf("dpdk-test-acl classified no packets")
	}
	return res, nil
}

// parseSearchLine reads "..., 6 pkts, 1 categories, 8216 cycles (0.00
// sec), 1369.33 cycles/pkt, 1898734.18 pkt/sec".
func parseSearchLine(line string, res *TestACLResult) error {
	f := strings.Fields(strings.NewReplacer(",", " ", "(", " ", ")", " ").Replace(line))
	got := 0
	for i := 1; i < len(f); i++ {
		var err error
		switch f[i] {
		case "pkts":
			res.Packets, err = strconv.ParseUint(f[i-1], 10, 64)
			got++
		case "cycles":
			res.Cycles, err = strconv.ParseUint(f[i-1], 10, 64)
			got++
		case "cycles/pkt":
			res.CyclesPerPkt, err = strconv.ParseFloat(f[i-1], 64)
			got++
		case "pkt/sec":
			res.PktPerSec, err = strconv.ParseFloat(f[i-1], 64)
			got++
		}
		if err != nil {
			return fmt.Errorf("dpdk-test-acl: bad search line %q: %v", line, err)
		}
	}
	if got != 4 {
		return fmt.Errorf("dpdk-test-acl: bad search line %q", line)
	}
	return nil
}
