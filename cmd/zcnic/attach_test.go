package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/hugepages"
	"github.com/zcnic/zcnic/pkt/testpkts"
	"github.com/zcnic/zcnic/telemetry"
)

// syncBuf is a buffer a process writes to while the test reads it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// bg is a zcnic running in the background.
type bg struct {
	cmd            *exec.Cmd
	stdout, stderr syncBuf
	done           chan struct{}
	err            error
}

// startZcnic starts zcnic with args; the test's cleanup kills it if it
// still runs.
func startZcnic(t *testing.T, args ...string) *bg {
	t.Helper()
	return startZcnicEnv(t, nil, args...)
}

// startZcnicEnv is startZcnic with env added to the test's environment.
func startZcnicEnv(t *testing.T, env []string, args ...string) *bg {
	t.Helper()
	b := &bg{cmd: exec.Command(zcnicBin, args...), done: make(chan struct{})}
	if env != nil {
		b.cmd.Env = append(os.Environ(), env...)
	}
	b.cmd.Stdout, b.cmd.Stderr = &b.stdout, &b.stderr
	require.NoError(t, b.cmd.Start())
	go func() { b.err = b.cmd.Wait(); close(b.done) }()
	t.Cleanup(func() {
		select {
		case <-b.done:
			if !t.Failed() {
				return
			}
			// It died under a failed test (a crash): remove what it left.
		default:
			// A failed test: kill it, and remove what the kill leaves.
			b.cmd.Process.Kill()
			<-b.done
		}
		for i, a := range args {
			if a == "--file-prefix" && i+1 < len(args) {
				for _, f := range prefixFiles(args[i+1]) {
					os.RemoveAll(f)
				}
			}
		}
	})
	return b
}

// stop sends sig and waits for the exit, returning the exit status.
// A zcnic that ended before the signal fails the test with how it
// ended and what it said, not with the signal's "process already
// finished".
func (b *bg) stop(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	select {
	case <-b.done:
		t.Fatalf("zcnic ended before it was sent %v: %v; stderr: %s", sig, b.err, b.stderr.String())
	default:
	}
	if err := b.cmd.Process.Signal(sig); err != nil {
		<-b.done
		t.Fatalf("zcnic ended as it was sent %v (%v): %v; stderr: %s", sig, err, b.err, b.stderr.String())
	}
	return b.wait(t, 20*time.Second)
}

func (b *bg) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-b.done:
	case <-time.After(timeout):
		t.Fatalf("zcnic did not exit within %v; stderr: %s", timeout, b.stderr.String())
	}
	if ee, ok := b.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	require.NoError(t, b.err)
	return 0
}

// needAttach fails the test if a tool it drives is missing (ci/setup.sh
// installs them all), and skips it without hugepages, which attaching
// needs (the no-hugepage CI run has none).
func needAttach(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (ci/setup.sh installs it): %v", tool, err)
		}
	}
	if os.Getenv("ZCNIC_NO_HUGE") == "1" {
		t.Skip("ZCNIC_NO_HUGE=1: attaching needs hugepages")
	}
	if err := eal.Preflight(&eal.Config{}, hugepages.Default); err != nil {
		t.Skipf("attaching needs hugepages: %v", err)
	}
}

// prefix is a file prefix unique to this test process.
func prefix(name string) string { return fmt.Sprintf("zct%d-%s", os.Getpid(), name) }

// prefixFiles lists what a primary of prefix p leaves on disk: its
// runtime directory and hugepage files.
func prefixFiles(p string) []string {
	var out []string
	if _, err := os.Stat(eal.RuntimeDir(p)); err == nil {
		out = append(out, eal.RuntimeDir(p))
	}
	m, _ := filepath.Glob("/dev/hugepages/" + p + "map_*")
	return append(out, m...)
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out after %v waiting for %s", timeout, what)
}

// ethStats is /ethdev/stats's answer, the fields the tests read.
type ethStats struct {
	IPackets uint64 `json:"ipackets"`
	OPackets uint64 `json:"opackets"`
	IBytes   uint64 `json:"ibytes"`
}

// telemetryPy runs dpdk-telemetry.py -f p with one command and returns
// the answer's value.
func telemetryPy(t *testing.T, p, cmd string, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, "dpdk-telemetry.py", "-f", p)
	c.Stdin = strings.NewReader(cmd + "\n")
	out, err := c.CombinedOutput()
	require.NoError(t, err, "dpdk-telemetry.py: %s", out)
	// It prints the greeting, then one JSON object per command.
	var last string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "{\""+strings.SplitN(cmd, ",", 2)[0]+"\"") {
			last = l
		}
	}
	require.NotEmpty(t, last, "dpdk-telemetry.py answered %s: %s", cmd, out)
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(last), &m))
	require.NoError(t, json.Unmarshal(m[strings.SplitN(cmd, ",", 2)[0]], v), "%s", last)
}

// procInfoStats runs dpdk-proc-info --stats against prefix p and
// returns each port's RX-packets and TX-packets.
func procInfoStats(t *testing.T, p string) map[int][2]uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "dpdk-proc-info", "--file-prefix", p, "--no-pci", "--log-level", "error", "--", "--stats").CombinedOutput()
	require.NoError(t, err, "dpdk-proc-info: %s", out)
	res := map[int][2]uint64{}
	block := regexp.MustCompile(`NIC statistics for port (\d+)\s*#+\s*RX-packets:\s*(\d+)[^\n]*\n\s*RX-nombuf:[^\n]*\n\s*TX-packets:\s*(\d+)`)
	for _, m := range block.FindAllStringSubmatch(string(out), -1) {
		id, _ := strconv.Atoi(m[1])
		rx, _ := strconv.ParseUint(m[2], 10, 64)
		tx, _ := strconv.ParseUint(m[3], 10, 64)
		res[id] = [2]uint64{rx, tx}
	}
	require.NotEmpty(t, res, "dpdk-proc-info printed port statistics: %s", out)
	return res
}

// writeInput writes the mixed test frames to a pcap in a temporary
// directory.
func writeInput(t *testing.T) (string, [][]byte) {
	t.Helper()
	in, err := testpkts.Mixed()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "in.pcap")
	require.NoError(t, testpkts.WritePcap(path, in))
	return path, in
}

// A running zcnic fwd --file-prefix is seen alike by
// dpdk-telemetry.py (/zcnic/ports, /ethdev/stats) and zcnic stats
// --attach, and agrees with its own summary; after SIGTERM nothing of
// it is left. (dpdk-proc-info is checked on net_null below: it
// crashes as it exits when the primary has a net_pcap port, zcnic or
// dpdk-testpmd alike.)
func TestAttachToolsAgree(t *testing.T) {
	needAttach(t, "dpdk-telemetry.py")
	p := prefix("agree")
	path, in := writeInput(t)
	// The pcap is read once: the counters settle, so that every tool
	// reads the final figures while zcnic still runs. net_ring0 sends
	// back what it is sent, which goes out of the pcap port.
	z := startZcnic(t, "fwd", "--file-prefix", p, "--json", "--stats-interval", "0",
		"--vdev", "net_pcap0,rx_pcap="+path, "--vdev", "net_ring0")
	n := uint64(len(in))
	var zp zcnicPorts
	waitFor(t, 15*time.Second, "the pcap to be forwarded through the ring", func() bool {
		c, err := telemetry.Dial(eal.RuntimeDir(p))
		if err != nil {
			return false
		}
		defer c.Close()
		return c.Query("/zcnic/ports", &zp) == nil && len(zp.TxPackets) == 2 && zp.TxPackets[0] == n && zp.TxPackets[1] == n
	})

	var tp zcnicPorts
	telemetryPy(t, p, "/zcnic/ports", &tp)
	var eth0 ethStats
	telemetryPy(t, p, "/ethdev/stats,0", &eth0)
	st := zcnic(t, 20*time.Second, "stats", "--attach", p, "--count", "1", "--json")
	require.Equal(t, 0, st.code, "stats --attach: %s", st.stderr)
	var sample attachSample
	require.NoError(t, json.Unmarshal([]byte(st.stdout), &sample), st.stdout)
	text := zcnic(t, 20*time.Second, "stats", "--attach", p, "--count", "1")
	require.Equal(t, 0, text.code, "stats --attach: %s", text.stderr)

	require.Equal(t, 0, z.stop(t, syscall.SIGTERM), "stderr: %s", z.stderr.String())
	s := runJSON(t, result{stdout: z.stdout.String()})
	checkSums(t, s)
	require.Len(t, s.Ports, 2)
	assert.Equal(t, n, s.Ports[0].RxPackets)

	assert.Equal(t, uint64(1), tp.Running)
	assert.Equal(t, []string{"net_pcap0", "net_ring0"}, tp.Device)
	for i, sp := range s.Ports {
		assert.Equal(t, sp.RxPackets, tp.RxPackets[i], "port %d: /zcnic/ports rx_packets = summary", i)
		assert.Equal(t, sp.TxPackets, tp.TxPackets[i], "port %d: /zcnic/ports tx_packets = summary", i)
		assert.Equal(t, sp.Forwarded, tp.Forwarded[i], "port %d: forwarded", i)
		assert.Equal(t, sp.Dropped, tp.Dropped[i], "port %d: dropped", i)
		assert.Equal(t, sp.Kept, tp.Kept[i], "port %d: kept", i)

		assert.True(t, sp.Dev.Read, "port %d: the summary has the device counters", i)
		assert.Equal(t, sp.RxPackets, sp.Dev.RxPackets, "port %d: ipackets = what the loop received", i)

		require.Len(t, sample.Ports, 2)
		ap := sample.Ports[i]
		assert.Equal(t, sp.Device, ap.Device)
		assert.Equal(t, sp.Dev, ap.Dev, "port %d: stats --attach device counters = summary's", i)
		require.NotNil(t, ap.Zcnic, "port %d: stats --attach has zcnic's counters", i)
		// The loops count no bytes without --count-bytes: /zcnic/ports
		// then has none, rather than zeros.
		assert.Equal(t, zcnicCounts{Index: i, RxPackets: sp.RxPackets, TxPackets: sp.TxPackets,
			Forwarded: sp.Forwarded, Dropped: sp.Dropped, Kept: sp.Kept}, *ap.Zcnic, "port %d: stats --attach = summary", i)
		if sp.Dev.Bytes { // net_pcap counts bytes; net_ring none
			assert.Equal(t, "device", sp.BytesFrom, "port %d: the summary's bytes are the device's", i)
			require.NotNil(t, sp.RxBytes)
			assert.Equal(t, sp.Dev.RxBytes, *sp.RxBytes, "port %d: summary rx_bytes = ibytes", i)
		} else {
			assert.Equal(t, "none", sp.BytesFrom, "port %d", i)
		}
	}
	assert.Equal(t, s.Ports[0].Dev.RxPackets, eth0.IPackets, "/ethdev/stats,0 ipackets")
	assert.Equal(t, s.Ports[0].Dev.RxBytes, eth0.IBytes, "/ethdev/stats,0 ibytes")
	assert.True(t, s.Ports[0].Dev.Bytes, "net_pcap counts bytes")
	require.NotNil(t, sample.Pool, "stats --attach looked the pool up by name")
	assert.Equal(t, s.PoolSize, sample.Pool.Size)
	assert.True(t, sample.Running)
	assert.Regexp(t, `(?m)^\s+0\s+net_pcap0\s+`+strconv.FormatUint(n, 10)+`\s`, text.stdout, "the text sample has port 0's row")
	assert.Empty(t, prefixFiles(p), "nothing of %s is left after SIGTERM", p)
}

// startReplaying starts a zcnic fwd attachable as p that replays the
// pcap at path forever into a net_null sink, and waits for its loops.
func startReplaying(t *testing.T, p, path string) *bg {
	t.Helper()
	z := startZcnic(t, "fwd", "--file-prefix", p, "--stats-interval", "0",
		"--vdev", "net_pcap0,rx_pcap="+path+",infinite_rx=1", "--vdev", "net_null0,no-rx=1")
	waitFor(t, 15*time.Second, "zcnic's loops to run", func() bool {
		c, err := telemetry.Dial(eal.RuntimeDir(p))
		if err != nil {
			return false
		}
		defer c.Close()
		var zp zcnicPorts
		return c.Query("/zcnic/ports", &zp) == nil && zp.Running == 1
	})
	return z
}

// dpdk-dumpcap captures live traffic of a running zcnic fwd: exactly
// -c N packets, no drops that would mean a mismatched mempool ops table
// (DPDK bug 1073), and tshark reads the file: every packet is one that
// was sent.
func TestAttachDumpcapCapturesLive(t *testing.T) {
	needAttach(t, "dpdk-dumpcap", "tshark")
	p := prefix("dump")
	path, in := writeInput(t)
	// The pcap is replayed forever into a net_null sink; dumpcap
	// captures what goes out of the sink.
	z := startReplaying(t, p, path)
	const count = 128
	out := filepath.Join(t.TempDir(), "live.pcapng")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dc, err := exec.CommandContext(ctx, "dpdk-dumpcap", "--file-prefix", p, "-i", "net_null0", "-c", strconv.Itoa(count), "-w", out).CombinedOutput()
	require.NoError(t, err, "dpdk-dumpcap: %s", dc)
	m := regexp.MustCompile(`Packets received/dropped on interface 'net_null0': (\d+)/(\d+)`).FindSubmatch(dc)
	require.NotNil(t, m, "dumpcap reports what it received: %s", dc)
	recv, _ := strconv.Atoi(string(m[1]))
	dropped, _ := strconv.Atoi(string(m[2]))
	assert.GreaterOrEqual(t, recv, count, "dumpcap received the packets it captured (%s)", dc)
	// A primary whose mempool ops table is numbered unlike dumpcap's
	// makes dumpcap drop every packet (DPDK bug 1073).
	assert.Less(t, dropped, recv, "dumpcap dropped not all it received: zcnic's mempool ops table is dumpcap's (%s)", dc)

	// tshark reads the capture and writes it again as a pcap to compare.
	pcap := filepath.Join(t.TempDir(), "live.pcap")
	ts, err := exec.Command("tshark", "-r", out, "-F", "pcap", "-w", pcap).CombinedOutput()
	require.NoError(t, err, "tshark: %s", ts)
	got, err := testpkts.ReadPcap(pcap)
	require.NoError(t, err)
	assert.Len(t, got, count, "exactly -c %d packets", count)
	sent := map[string]bool{}
	for _, b := range in {
		sent[string(b)] = true
	}
	for i, b := range got {
		assert.True(t, sent[string(b)], "captured packet %d (%d bytes) is one that was sent", i, len(b))
	}
	list, err := exec.Command("tshark", "-r", out).Output()
	require.NoError(t, err, "tshark -r %s", out)
	assert.Len(t, strings.Split(strings.TrimSpace(string(list)), "\n"), count, "tshark lists %d packets", count)
	t.Logf("tshark -r live.pcapng (first lines):\n%s", firstLines(string(list), 3))

	require.Equal(t, 0, z.stop(t, syscall.SIGINT), "stderr: %s", z.stderr.String())
	assert.Empty(t, prefixFiles(p), "nothing of %s is left after SIGINT", p)
}

// dumpcapRecv runs dpdk-dumpcap -c count on prefix p's net_null0 and
// returns what it says it received and dropped. A failure names z's
// state: whether the primary is still alive.
func dumpcapRecv(t *testing.T, z *bg, p, run string, count int, out string, extra ...string) (recv, dropped int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"--file-prefix", p, "-i", "net_null0", "-c", strconv.Itoa(count), "-w", out}, extra...)
	dc, err := exec.CommandContext(ctx, "dpdk-dumpcap", args...).CombinedOutput()
	if err != nil {
		// A primary that crashed under dumpcap's detach: say so
		// rather than just that dumpcap failed.
		select {
		case <-z.done:
		case <-time.After(5 * time.Second):
		}
	}
	requireAlive(t, z, run)
	require.NoError(t, err, "%s: %s", run, dc)
	m := regexp.MustCompile(`Packets received/dropped on interface 'net_null0': (\d+)/(\d+)`).FindSubmatch(dc)
	require.NotNil(t, m, "dumpcap reports what it received: %s", dc)
	recv, _ = strconv.Atoi(string(m[1]))
	dropped, _ = strconv.Atoi(string(m[2]))
	return recv, dropped
}

// requireAlive fails the test if z has exited.
func requireAlive(t *testing.T, z *bg, after string) {
	t.Helper()
	select {
	case <-z.done:
		t.Fatalf("zcnic died after %s: %v; stderr: %s", after, z.err, z.stderr.String())
	default:
	}
}

// dpdk-dumpcap attached and detached twenty times in a row (every
// fifth with a BPF filter and a snap length), then dpdk-pdump three
// times, while zcnic fwd replays a pcap as fast as it
// can: the primary survives every detach. DPDK 22.11's own server
// (rte_pdump_init) replied to a detach while an lcore could still be
// copying into the client's ring, which the client then freed: the
// primary died of SIGSEGV about once in six detaches. A dumpcap killed
// without detaching leaves its queues to the next one. At the end
// SIGINT stops zcnic with nothing left behind.
func TestAttachCaptureRepeatedUnderTraffic(t *testing.T) {
	needAttach(t, "dpdk-dumpcap", "dpdk-pdump", "tshark")
	p := prefix("rep")
	path, _ := writeInput(t)
	z := startReplaying(t, p, path)
	dir := t.TempDir()
	const runs, count = 20, 32
	for i := 1; i <= runs; i++ {
		out := filepath.Join(dir, fmt.Sprintf("run%d.pcapng", i))
		var extra []string
		if i%5 == 0 {
			extra = []string{"-f", "tcp", "-s", "64"}
		}
		recv, dropped := dumpcapRecv(t, z, p, fmt.Sprintf("dpdk-dumpcap run %d of %d", i, runs), count, out, extra...)
		assert.GreaterOrEqual(t, recv, count, "dumpcap run %d received the packets it captured", i)
		assert.Less(t, dropped, recv, "dumpcap run %d dropped not all it received", i)
		if extra == nil {
			continue
		}
		// The filter and the snap length were applied by the primary.
		pcap := filepath.Join(dir, fmt.Sprintf("run%d.pcap", i))
		ts, err := exec.Command("tshark", "-r", out, "-F", "pcap", "-w", pcap).CombinedOutput()
		require.NoError(t, err, "tshark: %s", ts)
		got, err := testpkts.ReadPcap(pcap)
		require.NoError(t, err)
		// dpdk-dumpcap checks -c after each ring burst of up to 32
		// (BURST_SIZE in app/dumpcap/main.c): it writes at least -c
		// packets and at most 31 more, as many as were queued at once.
		assert.GreaterOrEqual(t, len(got), count, "run %d: at least -c %d packets", i, count)
		assert.Less(t, len(got), count+32, "run %d: -c %d, and no more than one burst past it", i, count)
		for j, b := range got {
			assert.LessOrEqual(t, len(b), 64, "run %d packet %d: cut to -s 64", i, j)
			if assert.GreaterOrEqual(t, len(b), 24, "run %d packet %d", i, j) {
				assert.Equal(t, []byte{0x08, 0x00}, b[12:14], "run %d packet %d is IPv4", i, j)
				assert.Equal(t, byte(6), b[23], "run %d packet %d is TCP (-f tcp)", i, j)
			}
		}
	}

	// dpdk-pdump (plain mbuf copies, no pcapng) writes through a
	// net_pcap of its own until SIGINT: stop it once it has written.
	// Its vdev argument cuts a long path short: keep it short.
	short, err := os.MkdirTemp("", "zcpd")
	require.NoError(t, err)
	defer os.RemoveAll(short)
	for i := 1; i <= 3; i++ {
		out := filepath.Join(short, fmt.Sprintf("%d.pcap", i))
		var b syncBuf
		pd := exec.Command("dpdk-pdump", "--file-prefix", p, "--no-pci", "--",
			"--pdump", "device_id=net_null0,queue=*,tx-dev="+out+",ring-size=1024,mbuf-size=2176,total-num-mbufs=2047")
		pd.Stdout, pd.Stderr = &b, &b
		require.NoError(t, pd.Start())
		exited := make(chan error, 1)
		go func() { exited <- pd.Wait() }()
		for wrote := false; !wrote; time.Sleep(50 * time.Millisecond) {
			select {
			case err := <-exited:
				t.Fatalf("dpdk-pdump run %d exited before writing: %v: %s", i, err, b.String())
			default:
			}
			st, err := os.Stat(out)
			wrote = err == nil && st.Size() > 24+16+60 // the file header, then a record
		}
		require.NoError(t, pd.Process.Signal(syscall.SIGINT))
		select {
		case err := <-exited:
			require.NoError(t, err, "dpdk-pdump: %s", b.String())
		case <-time.After(20 * time.Second):
			pd.Process.Kill()
			t.Fatalf("dpdk-pdump did not stop on SIGINT: %s", b.String())
		}
		requireAlive(t, z, fmt.Sprintf("dpdk-pdump run %d", i))
		got, err := testpkts.ReadPcap(out)
		require.NoError(t, err)
		assert.NotEmpty(t, got, "dpdk-pdump run %d wrote packets", i)
	}

	// A dumpcap killed while capturing never detaches: the next one
	// takes its queues over (22.11 refused them, EEXIST).
	out := filepath.Join(dir, "killed.pcapng")
	k := exec.Command("dpdk-dumpcap", "--file-prefix", p, "-i", "net_null0", "-w", out)
	var kb syncBuf
	k.Stdout, k.Stderr = &kb, &kb
	require.NoError(t, k.Start())
	kexited := make(chan struct{})
	go func() { k.Wait(); close(kexited) }()
	waitFor(t, 20*time.Second, "the dumpcap to be killed to capture", func() bool {
		st, err := os.Stat(out) // pcapng blocks are written as they come
		return err == nil && st.Size() > 4096
	})
	require.NoError(t, k.Process.Kill())
	<-kexited
	recv, dropped := dumpcapRecv(t, z, p, "the dpdk-dumpcap after a killed one", count, filepath.Join(dir, "after-kill.pcapng"))
	assert.GreaterOrEqual(t, recv, count, "the dumpcap after the killed one received the packets it captured")
	assert.Less(t, dropped, recv)

	require.Equal(t, 0, z.stop(t, syscall.SIGINT), "stderr: %s", z.stderr.String())
	assert.Empty(t, prefixFiles(p), "nothing of %s is left after SIGINT", p)
}

// dpdk-proc-info's counts of a running zcnic fwd lie between those
// zcnic stats --attach read just before and just after it, and below
// the summary's.
func TestAttachProcInfoAgrees(t *testing.T) {
	needAttach(t, "dpdk-proc-info")
	p := prefix("procinfo")
	z := startZcnic(t, "fwd", "--file-prefix", p, "--json", "--stats-interval", "0", "--vdev", "net_null0", "--vdev", "net_null1")
	sample := func() attachSample {
		r := zcnic(t, 20*time.Second, "stats", "--attach", p, "--count", "1", "--json")
		require.Equal(t, 0, r.code, "stats --attach: %s", r.stderr)
		var s attachSample
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &s), r.stdout)
		require.Len(t, s.Ports, 2)
		return s
	}
	waitFor(t, 15*time.Second, p+" to run", func() bool {
		pid, _ := eal.PrimaryPID(p)
		return pid != 0
	})
	before := sample()
	pi := procInfoStats(t, p)
	after := sample()
	require.Equal(t, 0, z.stop(t, syscall.SIGTERM), "stderr: %s", z.stderr.String())
	s := runJSON(t, result{stdout: z.stdout.String()})
	for i := range 2 {
		id := int(before.Ports[i].PortID)
		b, a, got := before.Ports[i].Dev, after.Ports[i].Dev, pi[id]
		assert.Positive(t, b.RxPackets, "port %d: traffic flows", i)
		assert.True(t, b.RxPackets <= got[0] && got[0] <= a.RxPackets, "port %d: RX-packets %d within [%d, %d]", i, got[0], b.RxPackets, a.RxPackets)
		assert.True(t, b.TxPackets <= got[1] && got[1] <= a.TxPackets, "port %d: TX-packets %d within [%d, %d]", i, got[1], b.TxPackets, a.TxPackets)
		assert.LessOrEqual(t, a.RxPackets, s.Ports[i].Dev.RxPackets, "port %d: the summary counts on", i)
	}
	assert.Empty(t, prefixFiles(p))
}

func firstLines(s string, n int) string {
	l := strings.SplitN(s, "\n", n+1)
	return strings.Join(l[:min(n, len(l))], "\n")
}

// Two primaries with different prefixes run side by side; a prefix in
// use is refused, naming the live primary; a primary killed with
// SIGKILL leaves its files, which the next start of that name removes;
// a normal exit (--duration) leaves nothing.
func TestAttachPrefixesSideBySideAndKilled(t *testing.T) {
	needAttach(t, "dpdk-proc-info")
	a, b := prefix("a"), prefix("b")
	za := startZcnic(t, "fwd", "--file-prefix", a, "--stats-interval", "0", "--vdev", "net_null0", "--vdev", "net_null1")
	zb := startZcnic(t, "fwd", "--file-prefix", b, "--stats-interval", "0", "--vdev", "net_null0")
	for _, x := range []string{a, b} {
		waitFor(t, 15*time.Second, x+" to run", func() bool {
			pid, _ := eal.PrimaryPID(x)
			return pid != 0
		})
	}
	assert.Len(t, procInfoStats(t, a), 2, "%s has two ports", a)
	assert.Len(t, procInfoStats(t, b), 1, "%s has one port", b)

	r := zcnic(t, 20*time.Second, "fwd", "--file-prefix", a, "--vdev", "net_null0", "--duration", "1s")
	assert.Equal(t, exitFail, r.code)
	assert.Contains(t, r.stderr, fmt.Sprintf("file prefix %q is in use by a running primary process (pid %d)", a, za.cmd.Process.Pid))

	assert.Equal(t, 137, killed(t, za), "SIGKILL")
	assert.NotEmpty(t, prefixFiles(a), "a killed primary leaves its files")
	r = zcnic(t, 20*time.Second, "fwd", "--file-prefix", a, "--vdev", "net_null0", "--duration", "1s", "--json")
	s := runJSON(t, r)
	assert.Positive(t, s.Ports[0].RxPackets)
	assert.Empty(t, prefixFiles(a), "the next start cleaned what the killed one left, and its own exit left nothing")

	// B ran all along, undisturbed.
	assert.Len(t, procInfoStats(t, b), 1)
	require.Equal(t, 0, zb.stop(t, syscall.SIGTERM), "stderr: %s", zb.stderr.String())
	assert.Empty(t, prefixFiles(b))
}

func killed(t *testing.T, b *bg) int {
	t.Helper()
	require.NoError(t, b.cmd.Process.Kill())
	b.wait(t, 10*time.Second)
	if ws, ok := b.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return b.cmd.ProcessState.ExitCode()
}

// In memory (the default), telemetry answers under zcnic-PID, and the
// directory is gone after the exit; --no-telemetry makes none; a
// secondary attaching to no primary says so. With --latency, the loops'
// rx-to-tx percentiles are there too.
func TestTelemetryInMemory(t *testing.T) {
	needAttach(t, "dpdk-telemetry.py")
	z := startZcnic(t, "fwd", "--stats-interval", "0", "--latency", "--vdev", "net_null0", "--vdev", "net_null1")
	p := fmt.Sprintf("zcnic-%d", z.cmd.Process.Pid)
	var zp zcnicPorts
	waitFor(t, 15*time.Second, "telemetry of "+p, func() bool {
		c, err := telemetry.Dial(eal.RuntimeDir(p))
		if err != nil {
			return false
		}
		defer c.Close()
		return c.Query("/zcnic/ports", &zp) == nil && zp.Running == 1
	})
	var eth ethStats
	telemetryPy(t, p, "/ethdev/stats,1", &eth)
	assert.Positive(t, eth.OPackets, "dpdk-telemetry.py reads /ethdev/stats of an in-memory zcnic")
	var lc struct {
		Lcore     []uint   `json:"lcore"`
		BusyPolls []uint64 `json:"busy_polls"`
		Gaps      []uint64 `json:"stall_gaps"`
		P50       []uint64 `json:"stall_p50_ns"`
		P9999     []uint64 `json:"stall_p99_99_ns"`
		Max       []uint64 `json:"stall_max_ns"`
		Over64    []uint64 `json:"stalls_over_64us"`
		Over1ms   []uint64 `json:"stalls_over_1ms"`
		LatPkts   []uint64 `json:"latency_packets"`
		LatP50    []uint64 `json:"latency_p50_ns"`
		LatP99    []uint64 `json:"latency_p99_ns"`
		LatMax    []uint64 `json:"latency_max_ns"`
	}
	telemetryPy(t, p, "/zcnic/lcores", &lc)
	require.Len(t, lc.LatPkts, 1, "the loop's latency")
	assert.Positive(t, lc.LatPkts[0], "--latency: the packets are timed")
	assert.Positive(t, lc.LatP50[0])
	assert.LessOrEqual(t, lc.LatP50[0], lc.LatP99[0])
	assert.LessOrEqual(t, lc.LatP99[0], lc.LatMax[0])
	assert.Len(t, lc.Lcore, 1)
	require.Len(t, lc.Gaps, 1, "the loop's stalls")
	assert.Positive(t, lc.Gaps[0], "the loop's turns are timed")
	require.Len(t, lc.Max, 1)
	assert.LessOrEqual(t, lc.P50[0], lc.P9999[0])
	assert.LessOrEqual(t, lc.P9999[0], lc.Max[0])
	assert.GreaterOrEqual(t, lc.Over64[0], lc.Over1ms[0])
	var drops map[string]uint64
	telemetryPy(t, p, "/zcnic/drops", &drops)
	assert.Contains(t, drops, "tx_full")
	require.Equal(t, 0, z.stop(t, syscall.SIGTERM), "stderr: %s", z.stderr.String())
	assert.NoDirExists(t, eal.RuntimeDir(p), "the telemetry directory is removed at exit")

	z = startZcnic(t, "fwd", "--no-telemetry", "--duration", "1s", "--vdev", "net_null0")
	p = fmt.Sprintf("zcnic-%d", z.cmd.Process.Pid)
	assert.Equal(t, 0, z.wait(t, 20*time.Second))
	assert.NoDirExists(t, eal.RuntimeDir(p))

	r := zcnic(t, 20*time.Second, "stats", "--attach", prefix("nobody"), "--count", "1")
	assert.Equal(t, exitFail, r.code)
	assert.Contains(t, r.stderr, "no primary process runs with file prefix")
	assert.Empty(t, prefixFiles(prefix("nobody")))
}

// stats --attach ends when its primary exits: exit 1, saying so (it
// used to print zeros and "broken pipe" forever).
func TestAttachEndsWithItsPrimary(t *testing.T) {
	needAttach(t)
	p := prefix("ends")
	z := startZcnic(t, "fwd", "--file-prefix", p, "--stats-interval", "0", "--vdev", "net_null0", "--vdev", "net_null1")
	waitFor(t, 15*time.Second, "the primary's telemetry", func() bool {
		c, err := telemetry.Dial(eal.RuntimeDir(p))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	st := startZcnic(t, "stats", "--attach", p, "--interval", "200ms")
	waitFor(t, 15*time.Second, "a first sample", func() bool { return strings.Contains(st.stdout.String(), "net_null0") })
	require.Equal(t, 0, z.stop(t, syscall.SIGTERM))
	assert.Equal(t, exitFail, st.wait(t, 10*time.Second), "stats: %s", st.stderr.String())
	assert.Contains(t, st.stderr.String(), "the primary --file-prefix "+p+" has exited")
}

// Two primaries started at once with one file prefix: one runs, the
// other is refused with the first's pid (exit 1), not with EAL's lock
// error, and neither removes the other's files.
func TestRacingPrimaries(t *testing.T) {
	for round := range 4 {
		p := prefix(fmt.Sprintf("race%d", round))
		var zs [2]*bg
		for i := range zs {
			zs[i] = startZcnic(t, "fwd", "--file-prefix", p, "--stats-interval", "0", "--duration", "2s", "--vdev", "net_null0", "--vdev", "net_null1")
		}
		codes := [2]int{zs[0].wait(t, 30*time.Second), zs[1].wait(t, 30*time.Second)}
		won := 0
		if codes[0] != 0 {
			won = 1
		}
		lost := 1 - won
		require.Equal(t, 0, codes[won], "round %d: one primary runs; stderr: %s", round, zs[won].stderr.String())
		require.Equal(t, exitFail, codes[lost], "round %d: the other fails; stderr: %s", round, zs[lost].stderr.String())
		assert.Equal(t, fmt.Sprintf("zcnic fwd: eal: file prefix %q is in use by a running primary process (pid %d): choose another --file-prefix, or attach to it as a secondary", p, zs[won].cmd.Process.Pid),
			oneReason(t, zs[lost].stderr.String()), "round %d", round)
		assert.Empty(t, prefixFiles(p), "round %d: nothing of %s is left", round, p)
	}
}
