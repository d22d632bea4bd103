package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/pkt/testpkts"
	"github.com/zcnic/zcnic/port/netnstest"
)

// The CLI starts an EAL, which a process can do once: every test runs
// the binary, built once here, as a subprocess.
var zcnicBin string

func TestMain(m *testing.M) {
	if os.Getenv("ZCNIC_TEST_CRASH") == "1" { // TestCrashIsNotAUsageError's child
		crashBySignal()
		var p *int
		fmt.Println(*p)
	}
	dir, err := os.MkdirTemp("", "zcnic-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	zcnicBin = filepath.Join(dir, "zcnic")
	if bin := os.Getenv("ZCNIC_TEST_ZCNIC_BIN"); bin != "" {
		// A binary built beforehand, where no Go toolchain runs (the
		// arm64 tests under qemu-user, ci/arm64.sh).
		zcnicBin = bin
	} else {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = "/usr/local/go/bin/go" // where the Makefile finds it
		}
		out, err := exec.Command(goTool, "build", "-o", zcnicBin, ".").CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "building zcnic: %v\n%s", err, out)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

// zcnic runs the binary with args and a timeout.
func zcnic(t *testing.T, timeout time.Duration, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, zcnicBin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	require.NoError(t, ctx.Err(), "zcnic %s did not finish within %v; stderr: %s", strings.Join(args, " "), timeout, r.stderr)
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return r
}

// zcnicLines are the lines zcnic itself wrote to stderr (EAL and the
// PMDs log there too), but for the warning ZCNIC_NO_HUGE=1 makes.
func zcnicLines(stderr string) []string {
	var l []string
	for _, s := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(s, "zcnic") && !strings.HasPrefix(s, "zcnic: WARNING: ZCNIC_NO_HUGE=1") {
			l = append(l, s)
		}
	}
	return l
}

// leftovers lists what a zcnic process could leave behind: hugepage
// files and DPDK runtime files of the default prefix. Other packages'
// tests use their own prefixes ("zcnic-port-test-PID"), so those are
// not counted.
func leftovers(t *testing.T) map[string]bool {
	t.Helper()
	m := map[string]bool{}
	for _, dir := range []string{"/dev/hugepages", "/var/run/dpdk/rte"} {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if !strings.HasPrefix(e.Name(), "zcnic-port-test") {
				m[filepath.Join(dir, e.Name())] = true
			}
		}
	}
	return m
}

func assertNothingLeft(t *testing.T, before map[string]bool, taps ...string) {
	t.Helper()
	for f := range leftovers(t) {
		assert.True(t, before[f], "left behind: %s", f)
	}
	for _, tap := range taps {
		_, err := net.InterfaceByName(tap)
		assert.Error(t, err, "tap interface %s is gone", tap)
	}
}

func TestVersion(t *testing.T) {
	r := zcnic(t, 10*time.Second, "version")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `^zcnic \S+ \(go1\.\d+.*, DPDK 22\.11\.\d+, `+runtime.GOOS+`/`+runtime.GOARCH+`\)\n$`, r.stdout)

	r = zcnic(t, 10*time.Second, "version", "--json")
	require.Equal(t, 0, r.code)
	var v map[string]string
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &v))
	assert.Regexp(t, `^22\.11`, v["dpdk"])
}

func TestHelp(t *testing.T) {
	r := zcnic(t, 10*time.Second, "--help")
	require.Equal(t, 0, r.code)
	for _, c := range commands {
		assert.Contains(t, r.stdout, "  "+c.name+" ", "the main help lists %s", c.name)
	}
	for _, c := range append(commands, command{name: "hugepages reserve"}) {
		args := append(strings.Fields(c.name), "--help")
		r := zcnic(t, 10*time.Second, args...)
		assert.Equal(t, 0, r.code, "zcnic %s --help", c.name)
		assert.Contains(t, r.stdout, "Usage: zcnic "+c.name, "zcnic %s --help", c.name)
		assert.Empty(t, r.stderr, "zcnic %s --help", c.name)
	}
	r = zcnic(t, 10*time.Second, "fwd", "--help")
	for _, f := range []string{"-vdev", "-pci", "-lcores", "-burst", "-duration", "-stats-interval", "-json", "-no-huge", "-mode", "-peers", "-metrics-addr",
		"-stats-format", "-pool-size", "-pool-cache", "-rxd", "-txd"} {
		assert.Regexp(t, `(?m)^  `+f+`\b`, r.stdout, "fwd --help documents %s", f)
	}
}

// badInput is a bad command line and the reason zcnic must give.
type badInput struct {
	name string
	args []string
	msg  string
}

// badInputs are the bad command lines: each exits 2 with its reason in
// one line, before the EAL starts.
func badInputs() []badInput {
	return []badInput{
		{"no command", nil, "no command given"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown mode", []string{"fwd", "--vdev", "net_null0", "--mode", "warp"}, `unknown forwarding mode "warp" (modes: io, macswap, 5tswap, l2fwd)`},
		{"bad vdev name", []string{"fwd", "--vdev", "net_null"}, `bad --vdev "net_null": "net_null": device name "net_null" must be a driver name and an index`},
		{"bad vdev args", []string{"rxonly", "--vdev", "net_pcap0,rx_pcap"}, `bad --vdev "net_pcap0,rx_pcap": "net_pcap0,rx_pcap": argument "rx_pcap" is not key=value`},
		{"duplicate vdev", []string{"rxonly", "--vdev", "net_null0", "--vdev", "net_null0"}, `device name "net_null0" appears twice`},
		{"fwd peer out of range", []string{"fwd", "--vdev", "net_null0", "--vdev", "net_null1", "--peers", "1,2"}, "--peers 2 is out of range: there are 2 ports (0 to 1)"},
		{"gen port out of range", []string{"gen", "--vdev", "net_null0", "--port", "1"}, "--port 1 is out of range: there is 1 port (0)"},
		{"capture port out of range", []string{"capture", "--vdev", "net_null0", "-w", "x.pcap", "--port", "5"}, "--port 5 is out of range"},
		{"no ports", []string{"fwd"}, "no ports: name devices with --vdev"},
		{"bad flag", []string{"fwd", "--vdev", "net_null0", "--turbo"}, "flag provided but not defined: -turbo"},
		{"bad lcores", []string{"fwd", "--vdev", "net_null0", "--lcores", "0-x"}, `--lcores "0-x"`},
		{"lcore without a CPU", []string{"fwd", "--vdev", "net_null0", "--lcores", "0,99"}, "lcore 99 has no CPU 99"},
		{"bad burst", []string{"fwd", "--vdev", "net_null0", "--burst", "0"}, "--burst 0: must be 1 to 512"},
		{"stray argument", []string{"rxonly", "--vdev", "net_null0", "now"}, `unexpected argument "now"`},
		{"gen frame size", []string{"gen", "--vdev", "net_null0", "--size", "20"}, "--size 20"},
		{"capture without file", []string{"capture", "--vdev", "net_null0"}, "no output file: give -w FILE"},
		{"bad stats format", []string{"fwd", "--vdev", "net_null0", "--stats-format", "xml"}, `--stats-format "xml": must be text or json`},
		{"pool cache zero", []string{"fwd", "--vdev", "net_null0", "--pool-cache", "0"}, "--pool-cache 0: must be 1 to 512"},
		{"pool cache too big", []string{"rxonly", "--vdev", "net_null0", "--pool-cache", "513"}, "--pool-cache 513: must be 1 to 512"},
		{"pool size negative", []string{"fwd", "--vdev", "net_null0", "--pool-size", "-1"}, "--pool-size -1: must be 0 (automatic) to"},
		{"pool smaller than cache", []string{"fwd", "--vdev", "net_null0", "--pool-size", "300"}, "--pool-size 300: must be at least 1.5 times --pool-cache (256), that is 384"},
		{"rxd too big", []string{"fwd", "--vdev", "net_null0", "--rxd", "40000"}, "--rxd 40000: must be 0 (default) to 32768"},
		{"txd negative", []string{"gen", "--vdev", "net_null0", "--txd", "-2"}, "--txd -2: must be 0 (default) to 32768"},
		{"reserve without count", []string{"hugepages", "reserve", "--size", "2M"}, "--count N is required"},
		{"file prefix without hugepages", []string{"fwd", "--vdev", "net_null0", "--file-prefix", "fwd1", "--no-huge"}, "--file-prefix fwd1 needs hugepages (tools attach through them): leave out --no-huge"},
		{"bad file prefix", []string{"fwd", "--vdev", "net_null0", "--file-prefix", "a/b"}, `--file-prefix: "a/b": use 1 to 64 letters`},
		{"empty file prefix", []string{"fwd", "--vdev", "net_null0", "--file-prefix", ""}, "--file-prefix '': give a name"},
		{"stats without attach", []string{"stats"}, "--attach NAME is required"},
		{"stats bad interval", []string{"stats", "--attach", "x", "--interval", "0s"}, "--interval 0s: must be positive"},
		{"stats bad name", []string{"stats", "--attach", "a b"}, `--attach "a b": use 1 to 64 letters`},
		{"tiny pool", []string{"fwd", "--vdev", "net_null0", "--pool-size", "1", "--pool-cache", "1"}, "--pool-size 1: the rx descriptors of the port take 512 mbufs (--rxd 512 each) before any packet: give at least 512"},
		{"pool below descriptors", []string{"fwd", "--vdev", "net_null0", "--vdev", "net_null1", "--pool-size", "1000", "--rxd", "1024"}, "--pool-size 1000: the rx descriptors of 2 ports take 2048 mbufs"},
		{"metrics port out of range", []string{"rxonly", "--vdev", "net_null0", "--metrics-addr", ":99999"}, `--metrics-addr ":99999": port "99999": must be a number from 0 to 65535`},
		{"metrics address without port", []string{"rxonly", "--vdev", "net_null0", "--metrics-addr", "localhost"}, `--metrics-addr "localhost": give HOST:PORT`},
		{"stats interval too short", []string{"fwd", "--vdev", "net_null0", "--stats-interval", "1ns"}, "--stats-interval 1ns: must be 0 (no stats lines) or at least 100ms"},
		{"lcore flag named", []string{"rxonly", "--vdev", "net_null0", "--lcores", "0,99"}, "--lcores: lcore 99 has no CPU 99"},
	}
}

func TestBadInput(t *testing.T) {
	before := leftovers(t)
	for _, tc := range badInputs() {
		t.Run(tc.name, func(t *testing.T) {
			r := zcnic(t, 10*time.Second, tc.args...)
			assert.Equal(t, exitUsage, r.code, "stderr: %s", r.stderr)
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			require.NotEmpty(t, lines)
			assert.Contains(t, lines[len(lines)-1], tc.msg)
			assert.Len(t, zcnicLines(r.stderr), 1, "one line of reason: %q", r.stderr)
			assert.Empty(t, r.stdout)
			for _, field := range []string{"Config.", "PoolConfig", "app:", "mbuf:"} {
				assert.NotContains(t, r.stderr, field, "the reason names the flag, not a library field")
			}
		})
	}
	assertNothingLeft(t, before)
}

// A failure once EAL has started devices (a tap interface among them)
// is one line too, and leaves no interface or file behind.
func TestFailureAfterStartLeavesNothing(t *testing.T) {
	tap := fmt.Sprintf("zcf%d", os.Getpid()%100000)
	before := leftovers(t)
	r := zcnic(t, 20*time.Second, "fwd", "--vdev", "net_tap0,iface="+tap, "--vdev", "net_pcap1,rx_iface=zcnoiface0", "--log-level", "error")
	assert.Equal(t, exitFail, r.code, "stderr: %s", r.stderr)
	// The hugepage fallback warning, on a machine without them, is not
	// part of the failure.
	lines := slices.DeleteFunc(zcnicLines(r.stderr), func(l string) bool {
		return strings.HasPrefix(l, "zcnic: WARNING: FALLING BACK TO --no-huge")
	})
	require.Len(t, lines, 1, "one line of reason: %q", r.stderr)
	assert.Contains(t, lines[0], `zcnic fwd: port 1: device "net_pcap1,rx_iface=zcnoiface0" was not created`)
	assert.Contains(t, r.stderr, tap, "the tap was created before the failure (its PMD logs its name)")
	assertNothingLeft(t, before, tap)
}

func runJSON(t *testing.T, r result) summary {
	t.Helper()
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	var s summary
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &s), "stdout: %s", r.stdout)
	return s
}

// checkStalls checks the loops' stall figures of a summary: ordered
// percentiles and counts, for every loop that timed its turns.
func checkStalls(t *testing.T, s summary) {
	t.Helper()
	for _, l := range s.Lcores {
		st := l.Stalls
		if st.Gaps == 0 {
			continue
		}
		assert.LessOrEqual(t, st.P50us, st.P99us, "lcore %d", l.Lcore)
		assert.LessOrEqual(t, st.P99us, st.P999us, "lcore %d", l.Lcore)
		assert.LessOrEqual(t, st.P999us, st.P9999us, "lcore %d", l.Lcore)
		assert.LessOrEqual(t, st.P9999us, st.MaxUs, "lcore %d", l.Lcore)
		assert.GreaterOrEqual(t, st.Over16us, st.Over64us, "lcore %d", l.Lcore)
		assert.GreaterOrEqual(t, st.Over64us, st.Over256us, "lcore %d", l.Lcore)
		assert.GreaterOrEqual(t, st.Over256us, st.Over1ms, "lcore %d", l.Lcore)
	}
	assert.GreaterOrEqual(t, s.GoPauses.GCPauses, s.GoPauses.GCCycles, "a GC cycle has its pauses")
}

// checkSums checks that the counters add up: every port received =
// forwarded + dropped + kept, every forwarded packet was sent, no mbuf
// was lost.
func checkSums(t *testing.T, s summary) {
	t.Helper()
	checkStalls(t, s)
	var fwd, tx, injected uint64
	for _, p := range s.Ports {
		assert.Equal(t, p.RxPackets, p.Forwarded+p.Dropped+p.Kept, "port %d: received = forwarded + dropped + kept", p.Port)
		fwd += p.Forwarded
		tx += p.TxPackets
	}
	for _, l := range s.Lcores {
		injected += l.Injected
	}
	assert.Equal(t, fwd+injected, tx, "every forwarded or generated packet was sent")
	assert.Zero(t, s.Leaked, "the mempool was full at the end")
	assert.Empty(t, s.Error)
}

func TestFwdPcapReplay(t *testing.T) {
	in, err := testpkts.Mixed()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "in.pcap")
	require.NoError(t, testpkts.WritePcap(path, in))
	r := zcnic(t, 20*time.Second, "fwd", "--mode", "5tswap", "--duration", "1s", "--stats-interval", "250ms", "--json",
		"--vdev", "net_pcap0,rx_pcap="+path+",infinite_rx=1", "--vdev", "net_null0,no-rx=1")
	s := runJSON(t, r)
	checkSums(t, s)
	assert.Equal(t, "5tswap", s.Mode)
	assert.GreaterOrEqual(t, s.ElapsedSeconds, 0.9, "--duration 1s is honoured")
	require.Len(t, s.Ports, 2)
	assert.Equal(t, "net_pcap0", s.Ports[0].Device)
	assert.Greater(t, s.Ports[0].RxPackets, uint64(10000), "the replay flowed")
	assert.Equal(t, s.Ports[0].Forwarded, s.Ports[1].TxPackets, "port 0's traffic left by port 1")
	assert.Regexp(t, regexp.MustCompile(`(?m)^\[\s+0\.\ds\] p0 rx/tx \d+\.\d{3}/\d+\.\d{3} Mpps \d+\.\d\d/\d+\.\d\d Gbit/s \| p1 .* \| dropped \+\d+ \(\d+\)$`), r.stderr, "live stats lines")
}

// --idle ends a finite replay at its last record (without it, zcnic fwd
// ran until Ctrl-C): exit 0, every packet in the output, checked by
// gopacket through testpkts.
func TestFwdIdleStopsAtEndOfInput(t *testing.T) {
	in, err := testpkts.Mixed()
	require.NoError(t, err)
	dir := t.TempDir()
	path, out := filepath.Join(dir, "in.pcap"), filepath.Join(dir, "out.pcap")
	require.NoError(t, testpkts.WritePcap(path, in))
	r := zcnic(t, 20*time.Second, "fwd", "--mode", "io", "--idle", "10s", "--json",
		"--vdev", "net_pcap0,rx_pcap="+path, "--vdev", "net_pcap1,tx_pcap="+out)
	s := runJSON(t, r)
	checkSums(t, s)
	assert.Less(t, r.took, 8*time.Second, "stopped at the last record, not after --idle")
	assert.Equal(t, uint64(len(in)), s.Ports[1].TxPackets)
	got, err := testpkts.ReadPcap(out)
	require.NoError(t, err)
	assert.Equal(t, in, got)
	assert.Equal(t, 2, zcnic(t, 10*time.Second, "fwd", "--idle", "-1s", "--vdev", "net_null0").code)
	assert.Equal(t, 2, zcnic(t, 10*time.Second, "gen", "--idle", "1s", "--vdev", "net_null0").code, "gen has no input to end")
}

func TestSIGINTUnderTraffic(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout, stderr netnstest.Buffer // read while the child writes
	cmd := exec.CommandContext(ctx, zcnicBin, "fwd", "--mode", "macswap", "--json", "--stats-interval", "100ms",
		"--vdev", "net_null0", "--vdev", "net_null1")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	// Wait for traffic: the first stats line.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "Mpps") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	sent := time.Now()
	err := cmd.Wait()
	took := time.Since(sent)
	require.NoError(t, err, "exit status 0 after SIGINT; stderr: %s", stderr.String())
	assert.Less(t, took, time.Second, "stopped within a second of SIGINT")
	s := runJSON(t, result{stdout: stdout.String(), stderr: stderr.String()})
	checkSums(t, s)
	assert.Greater(t, s.Ports[0].RxPackets, uint64(100000), "traffic was flowing")
	assert.Greater(t, s.ElapsedSeconds, 0.9)
}

func TestGenThenCapture(t *testing.T) {
	dir := t.TempDir()
	empty, genOut, capOut := filepath.Join(dir, "empty.pcap"), filepath.Join(dir, "gen.pcap"), filepath.Join(dir, "cap.pcap")
	require.NoError(t, testpkts.WritePcap(empty, nil))

	// gen: 500 frames of 100 bytes over 5 flows into a pcap file.
	r := zcnic(t, 20*time.Second, "gen", "--count", "500", "--size", "100", "--flows", "5", "--json", "--stats-interval", "0",
		"--vdev", "net_pcap0,rx_pcap="+empty+",tx_pcap="+genOut)
	s := runJSON(t, r)
	checkSums(t, s)
	assert.Equal(t, uint64(500), s.Ports[0].TxPackets)
	frames, err := testpkts.ReadPcap(genOut)
	require.NoError(t, err)
	require.Len(t, frames, 500)
	for i, f := range frames {
		require.Len(t, f, 100)
		assert.Equal(t, uint16(1024+i%5), uint16(f[34])<<8|uint16(f[35]), "frame %d: source port", i)
	}

	// capture: replay that file and capture it back, byte-exact.
	r = zcnic(t, 20*time.Second, "capture", "-w", capOut, "--count", "500", "--json", "--stats-interval", "0",
		"--vdev", "net_pcap0,rx_pcap="+genOut)
	s = runJSON(t, r)
	checkSums(t, s)
	require.NotNil(t, s.Captured)
	assert.Equal(t, uint64(500), *s.Captured)
	assert.Equal(t, capOut, s.Output)
	got, err := testpkts.ReadPcap(capOut)
	require.NoError(t, err)
	assert.Equal(t, frames, got)
}

func TestRxOnlyDuration(t *testing.T) {
	r := zcnic(t, 20*time.Second, "rxonly", "--vdev", "net_null0", "--duration", "500ms", "--stats-interval", "0")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `(?m)^zcnic rxonly: \d+\.\d\d s$`, r.stdout)
	assert.Regexp(t, `(?m)^\s+0\s+net_null0\s+\d+`, r.stdout, "the summary table has a row for port 0")
	assert.Contains(t, r.stdout, "drops by reason: filtered")
	assert.Less(t, r.took, 10*time.Second)
}

func TestPortsListsNullDevices(t *testing.T) {
	r := zcnic(t, 20*time.Second, "ports", "--vdev", "net_null0", "--vdev", "net_null1", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var ps []portInfo
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &ps))
	require.Len(t, ps, 2)
	for i, p := range ps {
		assert.Equal(t, fmt.Sprintf("net_null%d", i), p.Name)
		assert.Equal(t, "net_null", p.Driver)
		assert.Positive(t, p.MaxRxQueues)
		_, err := net.ParseMAC(p.MAC)
		assert.NoError(t, err)
	}
	r = zcnic(t, 20*time.Second, "ports", "--vdev", "net_null0")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "port 0: net_null0\n  driver       net_null\n")
}

func TestHugepagesStatus(t *testing.T) {
	r := zcnic(t, 10*time.Second, "hugepages")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `(?m)^2MB\s+total \d+, free \d+, reserved \d+, surplus \d+; (mounted at /\S+|not mounted)$`, r.stdout)
	assert.Regexp(t, `(?m)^(ready|not ready): `, r.stdout)

	r = zcnic(t, 10*time.Second, "hugepages", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var st struct {
		Sizes []struct {
			Size  string `json:"size"`
			Total int    `json:"total"`
		} `json:"sizes"`
		Ready bool `json:"ready"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &st))
	require.NotEmpty(t, st.Sizes)
	assert.Equal(t, "2MB", st.Sizes[0].Size)
	nr, err := os.ReadFile("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSpace(string(nr)), fmt.Sprint(st.Sizes[0].Total), "the count sysfs reports")
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	r := zcnic(t, 30*time.Second, "demo", "--out", dir, "--duration", "1s", "--save", "300", "--json")
	s := runJSON(t, r)
	checkSums(t, s)
	assert.Equal(t, filepath.Join(dir, "demo-out.pcap"), s.Output)
	require.Len(t, s.Ports, 3)
	assert.Equal(t, uint64(300), s.Ports[2].TxPackets)
	assert.Equal(t, s.Ports[0].Forwarded-300, s.Ports[1].TxPackets)
	in, err := testpkts.ReadPcap(filepath.Join(dir, "demo-in.pcap"))
	require.NoError(t, err)
	require.Len(t, in, demoFrames)
	out, err := testpkts.ReadPcap(s.Output)
	require.NoError(t, err)
	require.Len(t, out, 300)
	for i, f := range out {
		src := in[i%len(in)]
		require.Len(t, f, len(src), "frame %d", i)
		assert.Equal(t, src[0:6], f[6:12], "frame %d: MACs swapped", i)
		assert.Equal(t, src[26:30], f[30:34], "frame %d: IPs swapped", i)
		assert.Equal(t, src[34:36], f[36:38], "frame %d: ports swapped", i)
	}
	assert.Contains(t, r.stderr, "holds 300 frames")
}

func TestMetricsEndpoint(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout bytes.Buffer
	// A bare :0 binds loopback, on a free port the CLI prints.
	cmd := exec.CommandContext(ctx, zcnicBin, "fwd", "--json", "--stats-interval", "0", "--metrics-addr", ":0", "--latency",
		"--vdev", "net_null0", "--vdev", "net_null1")
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	addr := make(chan string, 1)
	go func() {
		buf := make([]byte, 0, 4096)
		tmp := make([]byte, 512)
		re := regexp.MustCompile(`metrics at http://(\S+)/metrics`)
		for {
			n, err := stderr.Read(tmp)
			buf = append(buf, tmp[:n]...)
			if m := re.FindSubmatch(buf); m != nil {
				addr <- string(m[1])
				io.Copy(io.Discard, stderr)
				return
			}
			if err != nil {
				close(addr)
				return
			}
		}
	}()
	a, ok := <-addr
	require.True(t, ok, "the CLI printed where the metrics are")
	host, _, err := net.SplitHostPort(a)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", host, "bound to loopback unless told otherwise")

	rx := regexp.MustCompile(`(?m)^zcnic_port_rx_packets_total\{device="net_null0",port="0"\} (\S+)$`)
	var body string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := http.Get("http://" + a + "/metrics")
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		// The ports are listed from the first scrape, at zero until the
		// first snapshot: wait for traffic.
		if body = string(b); rx.MatchString(body) && rx.FindStringSubmatch(body)[1] != "0" {
			break
		}
	}
	m := rx.FindStringSubmatch(body)
	require.NotNil(t, m, "per-port counters are exported: %s", body)
	v, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	assert.Positive(t, v, "traffic is counted")
	for _, name := range []string{
		`zcnic_port_tx_packets_total{device="net_null1",port="1"}`,
		`zcnic_lcore_busy_polls_total{lcore="1"}`,
		`zcnic_lcore_dropped_packets_total{lcore="1",reason="tx_full"}`,
		`zcnic_mempool_mbufs `,
		// Loop stalls, and the Go runtime's pauses beside them.
		`zcnic_lcore_stall_seconds_bucket{lcore="1",le="6.4e-05"}`,
		// --latency: the loop's rx-to-tx histogram.
		`zcnic_lcore_latency_seconds_bucket{lcore="1",le="2.5e-07"}`,
		`zcnic_lcore_latency_seconds_count{lcore="1"}`,
		`zcnic_lcore_stall_seconds_count{lcore="1"}`,
		`zcnic_lcore_stall_max_seconds{lcore="1"}`,
		`zcnic_lcore_stalls_total{lcore="1",longer_than="16us"}`,
		`zcnic_lcore_stalls_total{lcore="1",longer_than="64us"}`,
		`zcnic_lcore_stalls_total{lcore="1",longer_than="256us"}`,
		`zcnic_lcore_stalls_total{lcore="1",longer_than="1ms"}`,
		`zcnic_go_gc_cycles_total `,
		`zcnic_go_stw_pauses_total{kind="gc"}`,
		`zcnic_go_stw_pause_seconds_total{kind="gc"}`,
	} {
		assert.Contains(t, body, name)
	}
	gaps := regexp.MustCompile(`(?m)^zcnic_lcore_stall_seconds_count\{lcore="1"\} (\S+)$`).FindStringSubmatch(body)
	require.NotNil(t, gaps)
	assert.NotEqual(t, "0", gaps[1], "the loop's turns are timed")
	assert.NotContains(t, body, `reason="user`, "no series for reasons no handler named")
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, cmd.Wait())
	checkSums(t, runJSON(t, result{stdout: stdout.String()}))
}

// Without a hugetlbfs mount (hidden in a private mount namespace) the
// CLI says so in one loud line and runs with --no-huge.
func TestNoHugepagesFallsBack(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a mount namespace")
	}
	if os.Getenv("ZCNIC_NO_HUGE") == "1" {
		t.Skip("ZCNIC_NO_HUGE=1 skips the hugepage preflight")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("needs unshare(1)")
	}
	script := `awk '$3 == "hugetlbfs" {print $2}' /proc/mounts | xargs -r -n1 umount && exec "$0" "$@"`
	r := func() result {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var stdout, stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, "unshare", "-m", "--propagation", "private", "sh", "-c", script,
			zcnicBin, "rxonly", "--vdev", "net_null0", "--duration", "300ms", "--stats-interval", "0", "--json")
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		res := result{stdout: stdout.String(), stderr: stderr.String()}
		if ee, ok := err.(*exec.ExitError); ok {
			res.code = ee.ExitCode()
		}
		return res
	}()
	s := runJSON(t, r)
	checkSums(t, s)
	assert.Positive(t, s.Ports[0].RxPackets)
	lines := zcnicLines(r.stderr)
	require.Len(t, lines, 1, "stderr: %s", r.stderr)
	assert.Contains(t, lines[0], "zcnic: WARNING: FALLING BACK TO --no-huge")
	assert.Contains(t, lines[0], "no hugetlbfs mounted")
}

// statsLines are the --stats-format json lines of stderr.
func statsLines(t *testing.T, stderr string) []statsLine {
	t.Helper()
	var ls []statsLine
	for _, line := range strings.Split(stderr, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var l statsLine
		require.NoError(t, json.Unmarshal([]byte(line), &l), "line %q", line)
		ls = append(ls, l)
	}
	return ls
}

// The pool and descriptor flags reach the runner, and --stats-format
// json prints one JSON object a line whose rates add up to the counters.
func TestFwdTuningAndJSONStats(t *testing.T) {
	r := zcnic(t, 20*time.Second, "fwd", "--mode", "io", "--lcores", "0,1", "--duration", "1500ms", "--json",
		"--stats-interval", "250ms", "--stats-format", "json", "--pool-size", "8191", "--pool-cache", "128", "--rxd", "1024", "--txd", "256",
		"--vdev", "net_null0", "--vdev", "net_null1")
	s := runJSON(t, r)
	checkSums(t, s)
	assert.Equal(t, 8191, s.PoolSize, "--pool-size sets the pool")
	assert.NotRegexp(t, `(?m)^\[\s*\d`, r.stderr, "no text stats lines")
	ls := statsLines(t, r.stderr)
	// How many lines a 1.5 s run prints, and how long each interval is,
	// is the scheduler's: what is checked is what holds however it runs.
	require.NotEmpty(t, ls, "a line every 250 ms: %s", r.stderr)
	var prev statsLine
	for i, l := range ls {
		require.Len(t, l.Ports, 2, "line %d", i)
		assert.Greater(t, l.IntervalSeconds, 0.0, "line %d", i)
		assert.InDelta(t, l.ElapsedSeconds-prev.ElapsedSeconds, l.IntervalSeconds, 1e-6, "line %d", i)
		for p, lp := range l.Ports {
			assert.Equal(t, p, lp.Port)
			var before uint64
			if i > 0 {
				before = prev.Ports[p].TxPackets
			}
			assert.GreaterOrEqual(t, lp.TxPackets, before, "line %d port %d: counters since the start", i, p)
			assert.InDelta(t, float64(lp.TxPackets-before)/l.IntervalSeconds, lp.TxPps, 1, "line %d port %d: tx_pps is over the interval", i, p)
		}
		prev = l
	}
	for p, lp := range prev.Ports {
		assert.Positive(t, lp.TxPackets, "port %d: traffic by the last line", p)
	}
	require.NotNil(t, s.GoRuntime, "the summary reports the Go runtime window")
	assert.Positive(t, s.GoRuntime.WindowSeconds)
	assert.LessOrEqual(t, s.GoRuntime.WindowSeconds, 1.5+1, "within the run")
	assert.Positive(t, s.GoRuntime.Bursts)
}

// Zero-copy discipline: with no stats lines to print, nothing in the
// process allocates on the Go heap while the loops forward, so no GC
// runs; the summary says so in JSON and text.
func TestFwdAllocatesNothing(t *testing.T) {
	for _, mode := range []string{"io", "macswap"} {
		r := zcnic(t, 20*time.Second, "fwd", "--mode", mode, "--lcores", "0,1", "--duration", "2s", "--json", "--stats-interval", "0",
			"--vdev", "net_null0", "--vdev", "net_null1")
		s := runJSON(t, r)
		checkSums(t, s)
		g := s.GoRuntime
		require.NotNil(t, g, mode)
		assert.Greater(t, g.WindowSeconds, 0.5, "%s: the window covers the run", mode)
		assert.LessOrEqual(t, g.WindowSeconds, 2.0, mode)
		assert.Greater(t, g.Bursts, uint64(10000), "%s: the loops ran", mode)
		if g.NewThreads > 0 {
			// On a loaded machine the Go scheduler may start an OS
			// thread (runtime.allocm: its m, g0, signal g and profiling
			// stacks, 7 heap objects). Nothing else may allocate.
			assert.LessOrEqual(t, g.HeapAllocs, uint64(10*g.NewThreads), "%s: heap allocations while forwarding, with %d new threads", mode, g.NewThreads)
		} else {
			assert.Zero(t, g.HeapAllocs, "%s: heap allocations while forwarding", mode)
		}
		assert.Zero(t, g.GCCycles, "%s: GC cycles while forwarding", mode)
		assert.Less(t, g.AllocsPerBurst, 1e-4, mode)
	}
	r := zcnic(t, 20*time.Second, "fwd", "--lcores", "0,1", "--duration", "500ms", "--stats-interval", "0", "--vdev", "net_null0", "--vdev", "net_null1")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `(?m)^go runtime over \d+\.\d\d s of running loops: \d+ heap allocations \(\d+ bytes\), 0 GC cycles; 0\.000 allocations per burst \(\d+ bursts\)$`, r.stdout)
	assert.Regexp(t, `(?m)^lcore 1 stalls \(gaps between turns, [1-9]\d* timed\): p50 \d+\.\d us, p99 \d+\.\d us, p99\.9 \d+\.\d us, p99\.99 \d+\.\d us, max \d+\.\d us; over 16 us \d+, 64 us \d+, 256 us \d+, 1 ms \d+$`, r.stdout)
	assert.Regexp(t, `(?m)^go runtime pauses \(stop-the-world\): 0 GC cycles, 0 GC pauses, `, r.stdout)
}

// --latency times the packets in the loop: the summary has ordered,
// non-zero percentiles per lcore and in all, over every packet received,
// and the run still allocates nothing on the Go heap while forwarding.
// Without it the summary has no latency at all.
func TestFwdLatency(t *testing.T) {
	r := zcnic(t, 20*time.Second, "fwd", "--mode", "io", "--lcores", "0,1", "--duration", "1500ms", "--json", "--stats-interval", "0", "--latency",
		"--vdev", "net_null0", "--vdev", "net_null1")
	s := runJSON(t, r)
	checkSums(t, s)
	require.NotNil(t, s.Latency, "the summary has the loops' latency")
	var rx uint64
	for _, p := range s.Ports {
		rx += p.RxPackets
	}
	require.Positive(t, rx, "it forwarded")
	l := s.Latency
	assert.Equal(t, rx, l.Packets, "every received packet was timed once")
	assert.Positive(t, l.P50us)
	assert.LessOrEqual(t, l.P50us, l.P90us)
	assert.LessOrEqual(t, l.P90us, l.P99us)
	assert.LessOrEqual(t, l.P99us, l.P999us)
	assert.LessOrEqual(t, l.P999us, l.MaxUs)
	assert.Positive(t, l.MeanUs)
	require.Len(t, s.Lcores, 1)
	assert.Equal(t, *l, *s.Lcores[0].Latency, "one loop: its latency is the run's")
	if g := s.GoRuntime; assert.NotNil(t, g) && g.NewThreads == 0 {
		assert.Zero(t, g.HeapAllocs, "--latency allocates nothing while forwarding")
	}

	r = zcnic(t, 20*time.Second, "fwd", "--lcores", "0,1", "--duration", "500ms", "--stats-interval", "0", "--latency", "--vdev", "net_null0", "--vdev", "net_null1")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `(?m)^lcore 1 latency \(rx to tx in the loop\): [1-9]\d* packets timed: mean \d+\.\d\d us, p50 \d+\.\d\d us, p90 \d+\.\d\d us, p99 \d+\.\d\d us, p99\.9 \d+\.\d\d us, max \d+\.\d\d us$`, r.stdout)

	s = runJSON(t, zcnic(t, 20*time.Second, "fwd", "--lcores", "0,1", "--duration", "300ms", "--json", "--stats-interval", "0", "--vdev", "net_null0", "--vdev", "net_null1"))
	assert.Nil(t, s.Latency, "off by default")
	assert.Nil(t, s.Lcores[0].Latency)
}

// The command is pure Go: DPDK is reached through eal and port only.
func TestCommandHasNoCgo(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.NotContains(t, string(b), "import \"C\"", f)
	}
}

// A devargs key the driver does not name is a bad command line: the
// driver refuses the device without a word in EAL's log, so zcnic says
// which key and what the driver takes. It exits 2.
func TestUnknownDevargsKey(t *testing.T) {
	r := zcnic(t, 20*time.Second, "fwd", "--vdev", "net_pcap0,rx_pacp=in.pcap", "--duration", "1s")
	assert.Equal(t, exitUsage, r.code, "stderr: %s", r.stderr)
	lines := zcnicLines(r.stderr)
	require.NotEmpty(t, lines)
	last := lines[len(lines)-1]
	assert.Contains(t, last, `port 0: device "net_pcap0,rx_pacp=in.pcap" was not created: its driver has no key rx_pacp (it takes rx_pcap=<string> `)
}
