package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/pkt/testpkts"
)

// ruleMix is the CLI rule test's input: frames of several kinds, with
// the rules they meet and, for each rule, an independent matcher over
// the frame as gopacket decodes it.
type ruleCase struct {
	text  string
	match func(p gopacket.Packet) bool
	drop  bool
}

func ruleCases() []ruleCase {
	udpDst := func(p gopacket.Packet) (layers.UDPPort, bool) {
		u, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if !ok {
			return 0, false
		}
		return u.DstPort, true
	}
	ip4 := func(p gopacket.Packet) *layers.IPv4 {
		ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		return ip
	}
	tcp := func(p gopacket.Packet) *layers.TCP {
		t, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		return t
	}
	_, doc, _ := net.ParseCIDR("192.0.2.0/24")
	_, v6, _ := net.ParseCIDR("2001:db8::/32")
	return []ruleCase{
		{text: "pattern eth / ipv4 / udp dst is 53 / end actions drop / end", drop: true, match: func(p gopacket.Packet) bool {
			d, ok := udpDst(p)
			return ok && ip4(p) != nil && d == 53
		}},
		{text: "pattern eth / ipv4 dst spec 192.0.2.0 dst prefix 24 / tcp src spec 40000 src last 40009 / end actions count / end", match: func(p gopacket.Packet) bool {
			ip, t := ip4(p), tcp(p)
			return ip != nil && t != nil && doc.Contains(ip.DstIP) && t.SrcPort >= 40000 && t.SrcPort <= 40009
		}},
		{text: "pattern eth / ipv4 dst spec 192.0.2.0 dst prefix 24 / tcp dst is 80 / end actions mark id 7 / count / end", match: func(p gopacket.Packet) bool {
			ip, t := ip4(p), tcp(p)
			return ip != nil && t != nil && doc.Contains(ip.DstIP) && t.DstPort == 80
		}},
		{text: "pattern eth / ipv4 / icmp type is 8 / end actions count / end", match: func(p gopacket.Packet) bool {
			ic, ok := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
			return ok && ic.TypeCode.Type() == 8
		}},
		{text: "pattern eth / ipv6 src spec 2001:db8:: src prefix 32 / udp / end actions drop / count / end", drop: true, match: func(p gopacket.Packet) bool {
			ip, ok := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
			_, udp := udpDst(p)
			return ok && udp && v6.Contains(ip.SrcIP)
		}},
	}
}

// ruleFrames is a known mix: DNS (dropped), web to 192.0.2.0/24 from a
// range of source ports (some in rule 1's range), ICMP echo requests and
// replies, IPv6 UDP from inside and outside 2001:db8::/32, and UDP that
// no rule matches.
func ruleFrames(t *testing.T) [][]byte {
	var out [][]byte
	add := func(ls ...gopacket.SerializableLayer) {
		b, err := testpkts.Serialize(ls...)
		require.NoError(t, err)
		out = append(out, b)
	}
	eth := func(tp layers.EthernetType) *layers.Ethernet {
		return &layers.Ethernet{SrcMAC: testpkts.MAC1, DstMAC: testpkts.MAC2, EthernetType: tp}
	}
	for i := range 60 {
		ip := &layers.IPv4{Version: 4, TTL: 64, SrcIP: net.IP{10, 0, 0, byte(i)}, DstIP: net.IP{192, 0, 2, byte(i % 7)}}
		pay := gopacket.Payload(make([]byte, i*7%300))
		switch i % 6 {
		case 0: // DNS
			ip.Protocol = layers.IPProtocolUDP
			u := &layers.UDP{SrcPort: layers.UDPPort(1000 + i), DstPort: 53}
			u.SetNetworkLayerForChecksum(ip)
			add(eth(layers.EthernetTypeIPv4), ip, u, pay)
		case 1, 2: // web; source ports 40000-40019, half in rule 1's range
			ip.Protocol = layers.IPProtocolTCP
			tc := &layers.TCP{SrcPort: layers.TCPPort(40000 + i%20), DstPort: 80, ACK: true, Window: 1024}
			tc.SetNetworkLayerForChecksum(ip)
			add(eth(layers.EthernetTypeIPv4), ip, tc, pay)
		case 3: // ICMP echo request or reply
			ip.Protocol = layers.IPProtocolICMPv4
			typ := uint8(8)
			if i%12 == 9 {
				typ = 0
			}
			add(eth(layers.EthernetTypeIPv4), ip, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, 0), Id: uint16(i)}, pay)
		case 4: // IPv6 UDP, inside or outside 2001:db8::/32
			src := net.ParseIP("2001:db8::1").To16()
			if i%12 == 10 {
				src = net.ParseIP("2001:db9::1").To16()
			}
			ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP, SrcIP: src, DstIP: net.ParseIP("2001:db8::2").To16()}
			u := &layers.UDP{SrcPort: 5000, DstPort: layers.UDPPort(6000 + i)}
			u.SetNetworkLayerForChecksum(ip6)
			add(eth(layers.EthernetTypeIPv6), ip6, u, pay)
		default: // UDP no rule matches
			ip.Protocol = layers.IPProtocolUDP
			u := &layers.UDP{SrcPort: 7, DstPort: 9}
			u.SetNetworkLayerForChecksum(ip)
			add(eth(layers.EthernetTypeIPv4), ip, u, pay)
		}
	}
	return out
}

// ruleFiles writes the rule test's input pcap and its rules file (the
// first rules, with a comment and a blank line; the last rule is given
// with --rule), and counts what an independent matcher expects: each
// frame's first matching rule's hits and bytes, and the frames that
// leave (those no drop rule matched), in order.
func ruleFiles(t *testing.T) (in, rules string, hits, bytes []uint64, want [][]byte) {
	frames := ruleFrames(t)
	cases := ruleCases()
	dir := t.TempDir()
	in = filepath.Join(dir, "in.pcap")
	require.NoError(t, testpkts.WritePcap(in, frames))
	var file strings.Builder
	file.WriteString("# the CLI test's rules\n\n")
	for _, c := range cases[:len(cases)-1] {
		file.WriteString(c.text + "\n")
	}
	rules = filepath.Join(dir, "rules.txt")
	require.NoError(t, os.WriteFile(rules, []byte(file.String()), 0o644))
	hits, bytes = make([]uint64, len(cases)), make([]uint64, len(cases))
	for _, f := range frames {
		p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
		dropped := false
		for i, c := range cases {
			if c.match(p) {
				hits[i]++
				bytes[i] += uint64(len(f))
				dropped = c.drop
				break
			}
		}
		if !dropped {
			want = append(want, f)
		}
	}
	for i, h := range hits {
		require.NotZero(t, h, "rule %d matches some frames", i)
	}
	require.Less(t, len(want), len(frames), "some frames are dropped")
	return in, rules, hits, bytes, want
}

// zcnic fwd --rules on a net_pcap port (no virtual PMD here takes an
// rte_flow rule, so auto falls back to software, saying why): every
// rule's hits and bytes are what the independent matcher counts, drops
// never leave, the rest leave in order and unchanged.
func TestFwdRules(t *testing.T) {
	in, rules, hits, bytes, want := ruleFiles(t)
	cases := ruleCases()
	for _, placement := range []string{"auto", "software"} {
		t.Run(placement, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.pcap")
			r := zcnic(t, 30*time.Second, "fwd", "--mode", "io", "--duration", "1s", "--stats-interval", "200ms", "--stats-format", "json", "--json",
				"--rules", rules, "--rule", cases[len(cases)-1].text, "--rule-placement", placement,
				"--vdev", "net_pcap0,rx_pcap="+in+",tx_pcap="+out)
			s := runJSON(t, r)
			checkSums(t, s)
			require.Len(t, s.Rules, len(cases), "one line per rule and port")
			var dropped uint64
			for i, rs := range s.Rules {
				assert.Equal(t, 0, rs.Port)
				assert.Equal(t, i, rs.Index)
				assert.Equal(t, cases[i].text, rs.Rule)
				assert.Equal(t, "software", rs.Placement, "no virtual PMD here takes a rule")
				if placement == "auto" {
					assert.NotEmpty(t, rs.Reason, "the fallback says why: the NIC's error")
				}
				assert.True(t, rs.Counted)
				assert.Equal(t, cases[i].drop, rs.Drop)
				assert.Equal(t, hits[i], rs.Hits, "rule %d hits: %s", i, rs.Rule)
				assert.Equal(t, bytes[i], rs.Bytes, "rule %d bytes: %s", i, rs.Rule)
				if cases[i].drop {
					dropped += hits[i]
				}
			}
			require.Len(t, s.Ports, 1)
			total := uint64(len(ruleFrames(t)))
			assert.Equal(t, total, s.Ports[0].RxPackets)
			assert.Equal(t, dropped, s.Ports[0].Dropped, "the drop rules' hits are the port's drops")
			assert.Equal(t, uint64(len(want)), s.Ports[0].TxPackets)
			require.Len(t, s.Classify, 1)
			assert.Equal(t, total, s.Classify[0].Classified, "every packet was classified once")
			assert.Positive(t, s.Classify[0].Cycles)
			assert.Positive(t, s.Classify[0].NsPerPacket)
			got, err := testpkts.ReadPcap(out)
			require.NoError(t, err)
			assert.Equal(t, want, got, "what no drop rule matched left, in order, unchanged")
			// The JSON live lines count the hits too; the last one all.
			ls := statsLines(t, r.stderr)
			require.NotEmpty(t, ls)
			var sum uint64
			for _, h := range hits {
				sum += h
			}
			last := ls[len(ls)-1].RuleHits
			require.NotNil(t, last, "rule_hits in the JSON live line")
			assert.Equal(t, sum, *last)
		})
	}
}

// The text summary has the rules' table and why they run in software;
// the live text line counts their hits.
func TestFwdRulesText(t *testing.T) {
	in, rules, hits, _, _ := ruleFiles(t)
	out := filepath.Join(t.TempDir(), "out.pcap")
	r := zcnic(t, 30*time.Second, "fwd", "--mode", "io", "--duration", "700ms", "--stats-interval", "200ms",
		"--rules", rules, "--vdev", "net_pcap0,rx_pcap="+in+",tx_pcap="+out)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stdout, "flow rules:\nport  rule  placement  hits  bytes  pattern and actions")
	cases := ruleCases()
	for i := range len(cases) - 1 {
		assert.Regexp(t, regexp.MustCompile(`(?m)^0\s+`+strconv.Itoa(i)+`\s+software\s+`+strconv.FormatUint(hits[i], 10)+`\s+\d+\s+`+regexp.QuoteMeta(cases[i].text)+`$`), r.stdout)
	}
	assert.Regexp(t, regexp.MustCompile(`(?m)^port 0 \(net_pcap0\): rules in software: .+$`), r.stdout, "why")
	assert.Regexp(t, regexp.MustCompile(`(?m)^port 0 \(net_pcap0\): software rules classified 60 packets, \d+\.\d ns \(\d+\.\d TSC cycles\) a packet$`), r.stdout)
	var sum uint64
	for _, h := range hits[:len(hits)-1] {
		sum += h
	}
	assert.Regexp(t, regexp.MustCompile(`(?m)^\[.*\| dropped \+\d+ \(\d+\) \| rules \+\d+ hits \(`+strconv.FormatUint(sum, 10)+`\)$`), r.stderr, "live line")
}

// Prometheus: each rule's hits and bytes, labelled with its port,
// index, text and placement, and the classification's packets and
// cycles.
func TestFwdRulesMetrics(t *testing.T) {
	in, rules, hits, nbytes, _ := ruleFiles(t)
	out := filepath.Join(t.TempDir(), "out.pcap")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, zcnicBin, "fwd", "--mode", "io", "--json", "--stats-interval", "0", "--metrics-addr", ":0",
		"--rules", rules, "--vdev", "net_pcap0,rx_pcap="+in+",tx_pcap="+out)
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stderr)
	addr := ""
	re := regexp.MustCompile(`metrics at http://(\S+)/metrics`)
	for addr == "" && sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
		}
	}
	require.NotEmpty(t, addr)
	go io.Copy(io.Discard, stderr)
	cases := ruleCases()
	metric := func(name string, i int) string {
		return fmt.Sprintf(`%s{index="%d",placement="software",port="0",rule="%s"} %d`, name, i, cases[i].text, map[string][]uint64{"zcnic_rule_hits_total": hits, "zcnic_rule_bytes_total": nbytes}[name][i])
	}
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/metrics")
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		if body = string(b); strings.Contains(body, metric("zcnic_rule_hits_total", 0)) {
			break
		}
	}
	for i := range len(cases) - 1 {
		assert.Contains(t, body, metric("zcnic_rule_hits_total", i)+"\n")
		assert.Contains(t, body, metric("zcnic_rule_bytes_total", i)+"\n")
	}
	assert.Contains(t, body, `zcnic_rules_classified_packets_total{port="0"} 60`+"\n")
	assert.Regexp(t, regexp.MustCompile(`(?m)^zcnic_rules_classify_cycles_total\{port="0"\} [1-9]`), body)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, cmd.Wait())
	checkSums(t, runJSON(t, result{stdout: stdout.String()}))
}

// Bad rules stop zcnic fwd before EAL starts: exit 2, one line naming
// the file and line (or the --rule) and the part of the rule.
func TestFwdBadRules(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "rules.txt")
	require.NoError(t, os.WriteFile(file, []byte("# ok, then bad\npattern eth / ipv4 / end actions count / end\n\npattern eth / ipv4 / udp dport is 53 / end actions drop / end\n"), 0o644))
	empty := filepath.Join(dir, "empty.txt")
	require.NoError(t, os.WriteFile(empty, []byte("# nothing\n\n"), 0o644))
	long := filepath.Join(dir, "long.txt")
	require.NoError(t, os.WriteFile(long, []byte("# ok\npattern eth"+strings.Repeat(" ", 2<<20)+"/ end actions drop / end\n"), 0o644))
	fwd := func(args ...string) []string {
		return append([]string{"fwd", "--vdev", "net_null0", "--vdev", "net_null1"}, args...)
	}
	before := leftovers(t)
	for _, tc := range []badInput{
		{"unknown field", fwd("--rules", file), `--rules ` + file + `:4: item udp: unknown field "dport" (fields: src, dst)`},
		{"missing file", fwd("--rules", filepath.Join(dir, "nope.txt")), "--rules " + filepath.Join(dir, "nope.txt") + ": no such file or directory"},
		{"empty file", fwd("--rules", empty), "--rules " + empty + ": no rules in the file"},
		{"line too long", fwd("--rules", long), "--rules " + long + ":2: the line is longer than 1 MiB"},
		{"field twice", fwd("--rule", "pattern eth / ipv4 src is 10.0.0.1 src is 10.0.0.2 / end actions drop / end"), "--rule 1: item ipv4: field src: given twice"},
		{"eth type against the next item", fwd("--rule", "pattern eth type is 0x86dd / ipv4 / end actions drop / end"), "--rule 1: item eth: field type: 0x86dd contradicts the next item"},
		{"ipv4 prefix", fwd("--rule", "pattern eth / ipv4 src spec 10.0.0.0 src prefix 33 / end actions drop / end"), "--rule 1: item ipv4: field src: prefix 33 is over 32"},
		{"ipv6 prefix", fwd("--rule", "pattern eth / ipv4 / end actions count / end", "--rule", "pattern eth / ipv6 dst spec 2001:db8:: dst prefix 129 / end actions drop / end"), "--rule 2: item ipv6: field dst: prefix 129 is over 128"},
		{"inverted range", fwd("--rule", "pattern eth / ipv4 / tcp dst spec 2000 dst last 1000 / end actions count / end"), "--rule 1: item tcp: field dst: inverted port range 2000..1000"},
		{"queue out of range", fwd("--rule", "pattern eth / ipv4 / end actions queue index 70000 / end"), `--rule 1: action queue: index: "70000" is not a number of 16 bits`},
		{"queue in software", fwd("--rule-placement", "software", "--rule", "pattern eth / ipv4 / tcp / end actions queue index 0 / end"), "--rule 1: placement software: action queue: software cannot steer to an rx queue"},
		{"port out of range", fwd("--rule", "flow create 2 pattern eth / ipv4 / end actions drop / end"), "--rule 1: flow create 2: there are 2 ports (0 to 1)"},
		{"unknown action", fwd("--rule", "pattern eth / end actions teleport / end"), `--rule 1: actions: unknown action "teleport"`},
		{"bad placement", fwd("--rule-placement", "nic", "--rule", "pattern eth / end actions drop / end"), `--rule-placement "nic": must be auto, hardware or software`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := zcnic(t, 10*time.Second, tc.args...)
			assert.Equal(t, exitUsage, r.code, "stderr: %s", r.stderr)
			lines := zcnicLines(r.stderr)
			require.Len(t, lines, 1, "one line of reason: %q", r.stderr)
			assert.Contains(t, lines[0], tc.msg)
			assert.NotContains(t, lines[0], "flow: ", "the flag, not the package, is named")
			assert.NotContains(t, r.stderr, "EAL", "nothing started")
			assert.Empty(t, r.stdout)
		})
	}
	assertNothingLeft(t, before)
}

// A rule error found only once the port is up (a queue beyond the
// port's rx queues, a NIC that refuses a hardware rule) names the file
// and line, or the --rule, like the errors found before EAL starts:
// exit 1, a failed run.
func TestFwdBindTimeRuleErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "rules.txt")
	require.NoError(t, os.WriteFile(file, []byte("# steering\npattern eth / ipv4 / end actions count / end\n\npattern eth / end actions queue index 1 / end\n"), 0o644))
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"queue beyond the rx queues", []string{"--rules", file}, "--rules " + file + ":4 (pattern eth / end actions queue index 1 / end): action queue: index 1 is beyond the port's 1 rx queues"},
		{"refused by the NIC", []string{"--rule-placement", "hardware", "--rule", "pattern eth / end actions drop / end", "--rule", "pattern eth / ipv4 / end actions count / end"},
			"--rule 1 (pattern eth / end actions drop / end): placement hardware: the NIC refused it: rte_flow_validate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := zcnic(t, 20*time.Second, append([]string{"fwd", "--vdev", "net_null0", "--vdev", "net_null1", "--duration", "1s"}, tc.args...)...)
			assert.Equal(t, exitFail, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, oneReason(t, r.stderr), tc.msg)
		})
	}
}

// The text table lists at most maxRuleLines rules, shows "-" for a NIC
// rule that counts nothing, and says each reason once per port.
func TestPrintRules(t *testing.T) {
	var rules []ruleSummary
	for i := range maxRuleLines + 50 {
		rules = append(rules, ruleSummary{Port: 0, Index: i, Rule: fmt.Sprintf("pattern eth / ipv4 / udp dst is %d / end actions count / end", i),
			Placement: "software", Reason: "Function not implemented", Counted: true, Hits: uint64(i)})
	}
	rules[1].Placement, rules[1].Reason, rules[1].Counted = "hardware", "", false
	var b strings.Builder
	require.NoError(t, printRules(&b, rules, []classifySummary{{Port: 0, Classified: 10, Cycles: 700, CyclesPerPacket: 70, NsPerPacket: 25}},
		[]portSummary{{Port: 0, Device: "net_pcap0"}}))
	out := b.String()
	assert.Regexp(t, regexp.MustCompile(`(?m)^0     1     hardware   -     -      pattern eth / ipv4 / udp dst is 1 / end actions count / end$`), out)
	assert.Contains(t, out, "pattern eth / ipv4 / udp dst is 99 / end")
	assert.NotContains(t, out, "udp dst is 100 /")
	assert.Contains(t, out, "... and 50 more rules (--json lists them all)\n")
	assert.Equal(t, 1, strings.Count(out, "port 0 (net_pcap0): rules in software: Function not implemented\n"))
	assert.Contains(t, out, "port 0 (net_pcap0): software rules classified 10 packets, 25.0 ns (70.0 TSC cycles) a packet\n")
	b.Reset()
	require.NoError(t, printRules(&b, nil, nil, nil))
	assert.Empty(t, b.String(), "no rules, no table")
}

// net_virtio_user (a container's port to a vhost-user switch) takes no
// rte_flow rule either: with auto, the rules run in software and each
// says the PMD's reason. Its vhost-user backend must be another process
// (DPDK's virtio-user probe waits for the server's answers), here a
// second zcnic with a net_vhost server port.
func TestFwdRulesVirtioUserFallsBack(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "vhost.sock")
	srvCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var srvErr bytes.Buffer
	srv := exec.CommandContext(srvCtx, zcnicBin, "rxonly", "--duration", "30s", "--vdev", "net_vhost0,iface="+sock+",queues=1")
	srv.Stderr = &srvErr
	srv.Cancel = func() error { return srv.Process.Signal(syscall.SIGINT) }
	require.NoError(t, srv.Start())
	defer func() { cancel(); _ = srv.Wait() }()
	require.Eventually(t, func() bool {
		_, err := os.Stat(sock)
		return err == nil
	}, 20*time.Second, 50*time.Millisecond, "the vhost-user server's socket; its stderr: %s", &srvErr)

	cases := ruleCases()
	r := zcnic(t, 60*time.Second, "fwd", "--mode", "io", "--duration", "1s", "--json", "--rule-placement", "auto",
		"--rule", cases[0].text, "--rule", cases[1].text,
		"--vdev", "net_virtio_user0,path="+sock+",queues=1")
	s := runJSON(t, r)
	require.Len(t, s.Rules, 2)
	for i, rs := range s.Rules {
		assert.Equal(t, "software", rs.Placement, "rule %d", i)
		assert.Contains(t, rs.Reason, "Function not implemented", "rule %d: the PMD's reason", i)
	}
}
