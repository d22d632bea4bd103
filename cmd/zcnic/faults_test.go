package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/hugepages"
	"github.com/zcnic/zcnic/pkt/testpkts"
	"github.com/zcnic/zcnic/port/netnstest"
)

// udpFrame is a valid UDP/IPv4 frame of n bytes.
func udpFrame(n int) []byte {
	b := make([]byte, n)
	copy(b, []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00})
	ip := b[14:]
	ip[0], ip[8], ip[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(ip[2:], uint16(n-14))
	copy(ip[12:], []byte{198, 18, 0, 1, 198, 18, 0, 2})
	binary.BigEndian.PutUint16(ip[20:], 1000)
	binary.BigEndian.PutUint16(ip[22:], 53)
	binary.BigEndian.PutUint16(ip[24:], uint16(n-34))
	return b
}

// writeFrames writes count copies of frame to a new pcap file in dir.
func writeFrames(t *testing.T, dir, name string, frame []byte, count int) string {
	t.Helper()
	p := filepath.Join(dir, name)
	pkts := make([][]byte, count)
	for i := range pkts {
		pkts[i] = frame
	}
	require.NoError(t, testpkts.WritePcap(p, pkts))
	return p
}

// bigTCP6 is a TCP/IPv6 frame of n bytes over 64 KiB, as BIG TCP (a
// hop-by-hop jumbo option would carry the length; net_pcap only sees the
// record's length).
func bigTCP6(n int) []byte {
	b := make([]byte, n)
	copy(b, []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd})
	b[14] = 0x60
	b[14+6], b[14+7] = 6, 64
	b[14+8+15], b[14+24+15] = 1, 2
	b[54+12] = 0x50
	return b
}

// oneReason is the single line zcnic wrote about a failure (its record
// count notes and the no-huge fallback warning aside).
func oneReason(t *testing.T, stderr string) string {
	t.Helper()
	lines := slices.DeleteFunc(zcnicLines(stderr), func(l string) bool {
		return strings.HasPrefix(l, "zcnic: WARNING: FALLING BACK TO --no-huge")
	})
	require.Len(t, lines, 1, "one line of reason: %q", stderr)
	return lines[0]
}

// infinite_rx with a file the pool
// could not hold crashed (SIGSEGV, exit 2); a frame needing a chain or a
// header-only file failed late, with a wrong blame for the lost mbufs.
func TestInfiniteRxInputs(t *testing.T) {
	dir := t.TempDir()
	f100k := writeFrames(t, dir, "100k.pcap", udpFrame(64), 100000)
	jumbo := writeFrames(t, dir, "jumbo.pcap", udpFrame(9000), 1)
	empty := writeFrames(t, dir, "empty.pcap", nil, 0)

	r := zcnic(t, 30*time.Second, "fwd", "--vdev", "net_pcap0,rx_pcap="+f100k+",infinite_rx=1", "--vdev", "net_null0,no-rx=1",
		"--duration", "1s", "--json", "--stats-interval", "0")
	s := runJSON(t, r)
	checkSums(t, s)
	assert.Greater(t, s.Ports[1].TxPackets, uint64(100000), "the file was replayed")
	assert.Contains(t, r.stderr, "zcnic: net_pcap0: rx_pcap "+f100k+": 100000 records (pcap, 64 to 64 bytes)")

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--vdev", "net_pcap0,rx_pcap=" + f100k + ",infinite_rx=1", "--pool-size", "8191"}, exitUsage,
			"--pool-size 8191: infinite_rx=1 keeps all 100000 records of its rx_pcap files in the pool"},
		{[]string{"--vdev", "net_pcap0,rx_pcap=" + jumbo + ",infinite_rx=1"}, exitFail,
			"record 1 is 9000 bytes, more than one mbuf holds (2048): infinite_rx=1 replays only frames that fit one mbuf"},
		{[]string{"--vdev", "net_pcap0,rx_pcap=" + empty + ",infinite_rx=1"}, exitFail,
			"holds no packets: infinite_rx=1 has nothing to replay"},
	} {
		r := zcnic(t, 20*time.Second, append([]string{"fwd", "--vdev", "net_null0", "--duration", "1s"}, tc.args...)...)
		assert.Equal(t, tc.code, r.code, "stderr: %s", r.stderr)
		assert.Contains(t, oneReason(t, r.stderr), tc.msg)
		assert.NotContains(t, r.stderr, "SIGSEGV")
		assert.NotContains(t, r.stderr, "mbufs were not returned")
	}
}

// A crash must not look like a bad command line: the Go runtime exits 2
// on one, zcnic's status for a bad command line. It dies by SIGABRT.
func TestCrashIsNotAUsageError(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ZCNIC_TEST_CRASH=1", "GOTRACEBACK=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	ws := ee.Sys().(syscall.WaitStatus)
	assert.True(t, ws.Signaled(), "killed by a signal, not exit %d", ee.ExitCode())
	assert.Equal(t, syscall.SIGABRT, ws.Signal())
	assert.NotEqual(t, exitUsage, ee.ExitCode())
	assert.Contains(t, stderr.String(), "nil pointer dereference", "the Go trace is still printed")
}

// Outputs: a capture may not write its own input; a failed start
// leaves an existing tx_pcap output as it was; a run that starts
// replaces it.
func TestOutputsAreNotClobbered(t *testing.T) {
	dir := t.TempDir()
	in := writeFrames(t, dir, "in.pcap", udpFrame(100), 50)
	orig, err := os.ReadFile(in)
	require.NoError(t, err)

	r := zcnic(t, 20*time.Second, "capture", "--vdev", "net_pcap0,rx_pcap="+in, "-w", in, "--count", "10")
	assert.Equal(t, exitUsage, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, oneReason(t, r.stderr), "-w "+in+" is also the rx_pcap of --vdev net_pcap0: writing it would destroy the input")
	r = zcnic(t, 20*time.Second, "fwd", "--vdev", "net_pcap0,rx_pcap="+in+",tx_pcap="+in, "--duration", "1s")
	assert.Equal(t, exitUsage, r.code, "stderr: %s", r.stderr)
	got, err := os.ReadFile(in)
	require.NoError(t, err)
	assert.Equal(t, orig, got, "the input is intact")

	keep := filepath.Join(dir, "keep.pcap")
	require.NoError(t, os.WriteFile(keep, orig, 0o644))
	r = zcnic(t, 20*time.Second, "fwd", "--vdev", "net_pcap0,tx_pcap="+keep, "--vdev", "net_pcap1,rx_pcap=/nonexistent", "--duration", "1s")
	assert.Equal(t, exitFail, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, oneReason(t, r.stderr), "--vdev net_pcap1: rx_pcap open /nonexistent: no such file or directory")
	r = zcnic(t, 20*time.Second, "fwd", "--vdev", "net_pcap0,tx_pcap="+keep, "--vdev", "net_pcap1,rx_iface=zcnoiface0", "--duration", "1s")
	assert.Equal(t, exitFail, r.code, "a device that fails once EAL runs: stderr: %s", r.stderr)
	r = zcnic(t, 20*time.Second, "ports", "--vdev", "net_pcap0,tx_pcap="+keep)
	assert.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	got, err = os.ReadFile(keep)
	require.NoError(t, err)
	assert.Equal(t, orig, got, "runs that never started leave the output as it was")
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"in.pcap", "keep.pcap"}, names, "no staging file is left")

	empty := writeFrames(t, dir, "empty.pcap", nil, 0)
	r = zcnic(t, 20*time.Second, "fwd", "--vdev", "net_pcap0,rx_pcap="+in, "--vdev", "net_pcap1,rx_pcap="+empty+",tx_pcap="+keep,
		"--duration", "1s", "--json", "--stats-interval", "0")
	checkSums(t, runJSON(t, r))
	frames, err := testpkts.ReadPcap(keep)
	require.NoError(t, err)
	assert.Len(t, frames, 50, "a run that started wrote its output")
}

// A capture's file has its header at once and its packets within
// a second, while running, and survives a SIGKILL.
func TestCaptureFileWhileRunning(t *testing.T) {
	dir := t.TempDir()
	in := writeFrames(t, dir, "in.pcap", udpFrame(100), 20)
	out := filepath.Join(dir, "out.pcap")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, zcnicBin, "capture", "--vdev", "net_pcap0,rx_pcap="+in, "-w", out, "--stats-interval", "0")
	require.NoError(t, cmd.Start())
	deadline := time.Now().Add(10 * time.Second)
	var frames [][]byte
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		if frames, _ = testpkts.ReadPcap(out); len(frames) == 20 {
			break
		}
	}
	require.NoError(t, cmd.Process.Kill())
	cmd.Wait()
	assert.Len(t, frames, 20, "the packets are in the file while the capture runs")
	frames, err := testpkts.ReadPcap(out)
	require.NoError(t, err, "the file is a pcap after SIGKILL")
	assert.Len(t, frames, 20)
}

// A file cut mid-record is used with a warning that says so; a
// record with an impossible length is refused (libpcap read the bytes
// after it as 6 bogus packets).
func TestBadPcaps(t *testing.T) {
	dir := t.TempDir()
	full := writeFrames(t, dir, "full.pcap", udpFrame(100), 10)
	b, err := os.ReadFile(full)
	require.NoError(t, err)
	cut := filepath.Join(dir, "cut.pcap")
	require.NoError(t, os.WriteFile(cut, b[:len(b)-50], 0o644))
	empty := writeFrames(t, dir, "empty.pcap", nil, 0)
	out := filepath.Join(dir, "out.pcap")

	r := zcnic(t, 20*time.Second, "fwd", "--vdev", "net_pcap0,rx_pcap="+cut, "--vdev", "net_pcap1,rx_pcap="+empty+",tx_pcap="+out,
		"--duration", "1s", "--json", "--stats-interval", "0")
	s := runJSON(t, r)
	checkSums(t, s)
	assert.Contains(t, r.stderr, "zcnic: net_pcap0: rx_pcap "+cut+": 9 records (pcap, 100 to 100 bytes)")
	assert.Contains(t, r.stderr, "zcnic: WARNING: net_pcap0: rx_pcap "+cut+": it ends inside record 10 (at byte 1068): the file was cut short; the 9 complete records before it are used")
	assert.Equal(t, uint64(9), s.Ports[1].TxPackets)

	bogus := filepath.Join(dir, "bogus.pcap")
	bb := append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(bb[24+116+8:], 0x7fffffff) // record 2's captured length
	require.NoError(t, os.WriteFile(bogus, bb, 0o644))
	r = zcnic(t, 20*time.Second, "fwd", "--vdev", "net_pcap0,rx_pcap="+bogus, "--vdev", "net_null0", "--duration", "1s")
	assert.Equal(t, exitFail, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, oneReason(t, r.stderr), "record 2 (at byte 140): captured length 2147483647 is impossible (at most 262144): the file is corrupt")

	// A record whose captured length is more than its length is read by
	// libpcap (and dpdk-testpmd replays it); it was refused.
	over := filepath.Join(dir, "caplen.pcap")
	bb = append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(bb[24+116+12:], 60) // record 2's length, below its 100 captured bytes
	require.NoError(t, os.WriteFile(over, bb, 0o644))
	r = zcnic(t, 20*time.Second, "fwd", "--mode", "io", "--vdev", "net_pcap0,rx_pcap="+over, "--vdev", "net_pcap1,rx_pcap="+empty+",tx_pcap="+out,
		"--idle", "1s", "--json", "--stats-interval", "0")
	s = runJSON(t, r)
	checkSums(t, s)
	assert.Contains(t, r.stderr, "zcnic: WARNING: net_pcap0: rx_pcap "+over+": 1 records have a captured length over their packet's length (the first is record 2): replayed as libpcap reads them, with their captured length")
	got, err := testpkts.ReadPcap(out)
	require.NoError(t, err)
	assert.Equal(t, 10, len(got))
	assert.Equal(t, udpFrame(100), got[1], "record 2 with its captured bytes")

	// A record longer than the file's snapshot length is read by libpcap
	// cut to it (tcpdump's tests/aoe-oobr-1.pcap): replayed so, and said.
	snap := filepath.Join(dir, "snap.pcap")
	bb = append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(bb[16:], 50) // the header's snapshot length
	require.NoError(t, os.WriteFile(snap, bb, 0o644))
	r = zcnic(t, 20*time.Second, "fwd", "--mode", "io", "--vdev", "net_pcap0,rx_pcap="+snap, "--vdev", "net_pcap1,rx_pcap="+empty+",tx_pcap="+out,
		"--idle", "1s", "--json", "--stats-interval", "0")
	s = runJSON(t, r)
	checkSums(t, s)
	assert.Contains(t, r.stderr, "zcnic: WARNING: net_pcap0: rx_pcap "+snap+": 10 records are longer than the file's snapshot length, 50 bytes (the first is record 1): libpcap, and so net_pcap, replays their first 50 bytes")
	assert.Contains(t, r.stderr, "zcnic: net_pcap0: rx_pcap "+snap+": 10 records (pcap, 50 to 50 bytes)")
	got, err = testpkts.ReadPcap(out)
	require.NoError(t, err)
	require.Len(t, got, 10)
	assert.Equal(t, udpFrame(100)[:50], got[0])

	notPcap := filepath.Join(dir, "text.pcap")
	require.NoError(t, os.WriteFile(notPcap, []byte("not a capture file\n"), 0o644))
	r = zcnic(t, 20*time.Second, "rxonly", "--vdev", "net_pcap0,rx_pcap="+notPcap, "--duration", "1s")
	assert.Equal(t, exitFail, r.code)
	assert.Contains(t, oneReason(t, r.stderr), "not a pcap or pcapng file")
}

// Frames over the mbuf data room forward in 5tswap (2100 bytes:
// 0 of 10 passed).
func TestFwdJumboFrames(t *testing.T) {
	dir := t.TempDir()
	in := writeFrames(t, dir, "in.pcap", udpFrame(2100), 10)
	empty := writeFrames(t, dir, "empty.pcap", nil, 0)
	out := filepath.Join(dir, "out.pcap")
	r := zcnic(t, 20*time.Second, "fwd", "--mode", "5tswap", "--vdev", "net_pcap0,rx_pcap="+in, "--vdev", "net_pcap1,rx_pcap="+empty+",tx_pcap="+out,
		"--duration", "1s", "--json", "--stats-interval", "0")
	s := runJSON(t, r)
	checkSums(t, s)
	assert.Equal(t, uint64(10), s.Ports[0].Forwarded)
	frames, err := testpkts.ReadPcap(out)
	require.NoError(t, err)
	require.Len(t, frames, 10)
	assert.Equal(t, []byte{198, 18, 0, 2, 198, 18, 0, 1}, frames[0][26:34], "addresses swapped")
}

// A frame over 64 KiB made net_pcap build a chain shorter than its
// length, and the forwarder crashed (SIGSEGV, exit 2); then every
// command refused the whole file for it. Now such a frame is left out
// of a copy the driver reads: the others are replayed byte for byte,
// the one left out is counted as dropped (over_65535) and said, and the
// copy is gone at the end.
func TestOver64KiBSkipped(t *testing.T) {
	dir := t.TempDir()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where zcnic makes its copy
	frames := [][]byte{udpFrame(100), bigTCP6(80054), udpFrame(1514), bigTCP6(65535), udpFrame(64)}
	big := filepath.Join(dir, "big.pcap")
	require.NoError(t, testpkts.WritePcap(big, frames))
	before, err := os.ReadFile(big)
	require.NoError(t, err)
	// Its snapshot length 262144, as tcpdump's bigtcp captures: with the
	// 65535 written, libpcap would read the long frame cut to 65535.
	binary.LittleEndian.PutUint32(before[16:], 262144)
	require.NoError(t, os.WriteFile(big, before, 0o644))
	empty := writeFrames(t, dir, "empty.pcap", nil, 0)
	out := filepath.Join(dir, "out.pcap")
	warning := "zcnic: WARNING: net_pcap0: rx_pcap " + big + ": 1 records over 65535 bytes are not replayed (the first is record 2; the longest, 80054 bytes): net_pcap keeps a frame's length in 16 bits; they are counted as dropped (over_65535)"
	for _, args := range [][]string{
		{"fwd", "--mode", "io", "--vdev", "net_pcap0,rx_pcap=" + big, "--vdev", "net_pcap1,rx_pcap=" + empty + ",tx_pcap=" + out},
		{"fwd", "--mode", "5tswap", "--vdev", "net_pcap0,rx_pcap=" + big, "--vdev", "net_null0,no-rx=1"},
		{"capture", "--vdev", "net_pcap0,rx_pcap=" + big, "-w", filepath.Join(dir, "cap.pcap")},
		{"rxonly", "--vdev", "net_pcap0,rx_pcap=" + big},
	} {
		r := zcnic(t, 20*time.Second, append(args, "--idle", "1s", "--json", "--stats-interval", "0")...)
		s := runJSON(t, r)
		assert.Contains(t, r.stderr, warning, "%v", args)
		assert.Equal(t, uint64(4), s.Ports[0].RxPackets, "%v: the other frames are replayed", args)
		assert.Equal(t, uint64(1), s.Ports[0].RxPcapSkipped, "%v", args)
		assert.Equal(t, uint64(1), s.Drops["over_65535"], "%v: counted under its reason", args)
		assert.Zero(t, s.Leaked, "%v", args)
		left, err := os.ReadDir(tmp)
		require.NoError(t, err)
		assert.Empty(t, left, "%v: the copy is removed at exit", args)
		if args[0] == "fwd" && args[2] == "io" {
			checkSums(t, s)
			got, err := testpkts.ReadPcap(out)
			require.NoError(t, err)
			want := [][]byte{frames[0], frames[2], frames[3], frames[4]}
			require.Len(t, got, len(want))
			for i := range want {
				assert.True(t, bytes.Equal(want[i], got[i]), "frame %d (%d bytes) byte for byte", i, len(want[i]))
			}
		}
	}
	after, err := os.ReadFile(big)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the input is left as it was")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.NotContains(t, e.Name(), "zcnic", "nothing is written beside the input")
	}

	// The text summary names the reason too.
	r := zcnic(t, 20*time.Second, "rxonly", "--vdev", "net_pcap0,rx_pcap="+big, "--idle", "1s", "--stats-interval", "0")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "over_65535 1 (rx_pcap records not replayed)")
}

// net_pcap's tx_pcap wrote at most 16128 bytes of a chained frame (its
// original length kept in the record), saying nothing: a 65000-byte
// frame became 16128. Chained frames are now written whole.
func TestChainedFramesWrittenWhole(t *testing.T) {
	dir := t.TempDir()
	empty := writeFrames(t, dir, "empty.pcap", nil, 0)
	out := filepath.Join(dir, "out.pcap")
	frames := [][]byte{bigTCP6(20000), udpFrame(100), bigTCP6(65000), bigTCP6(65535), bigTCP6(16129)}
	for i, f := range frames {
		for j := 74; j < len(f); j++ {
			f[j] = byte(i + j*31) // payload that differs all along
		}
	}
	in := filepath.Join(dir, "in.pcap")
	require.NoError(t, testpkts.WritePcap(in, frames))
	r := zcnic(t, 20*time.Second, "fwd", "--mode", "io", "--vdev", "net_pcap0,rx_pcap="+in, "--vdev", "net_pcap1,rx_pcap="+empty+",tx_pcap="+out,
		"--idle", "1s", "--json", "--stats-interval", "0")
	s := runJSON(t, r)
	checkSums(t, s)
	assert.Zero(t, s.Ports[1].Dev.TxCut)
	assert.NotContains(t, r.stderr, "written cut")
	got, err := testpkts.ReadPcap(out)
	require.NoError(t, err)
	require.Len(t, got, len(frames))
	for i := range frames {
		assert.Equal(t, len(frames[i]), len(got[i]), "frame %d: its length", i)
		assert.True(t, bytes.Equal(frames[i], got[i]), "frame %d (%d bytes) byte for byte", i, len(frames[i]))
	}
}

// holder runs an rxonly on vdev until the test ends, and waits up to
// 15 s for ready; up says whether it came. stderr is the holder's.
func holder(t *testing.T, vdev string, ready func() bool) (cmd *exec.Cmd, stderr *netnstest.Buffer, up bool) {
	t.Helper()
	cmd = exec.Command(zcnicBin, "rxonly", "--vdev", vdev, "--stats-interval", "0", "--lcores", "0-1")
	stderr = &netnstest.Buffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if ready() {
			return cmd, stderr, true
		}
	}
	return cmd, stderr, false
}

// tapHolder runs an rxonly on tap iface until the test ends, and waits
// for the interface to exist, held, and up: its port started (the PMD
// sets the link up at start, which comes later on a slow machine or
// without hugepages, and a test that looks before then sees it down).
func tapHolder(t *testing.T, iface string) *exec.Cmd {
	t.Helper()
	cmd, stderr, up := holder(t, "net_tap0,iface="+iface, func() bool {
		ifc, err := net.InterfaceByName(iface)
		return err == nil && ifc.Flags&net.FlagUp != 0 && tunFree(iface) != nil
	})
	if !up {
		t.Fatalf("tap %s did not come up; stderr: %s", iface, stderr.String())
	}
	return cmd
}

// A second process on a tap in use got another queue pair on
// it, and when it exited it set the tap down under the first, exiting 0.
func TestTapInUseIsRefused(t *testing.T) {
	iface := fmt.Sprintf("zct%d", os.Getpid()%100000)
	a := tapHolder(t, iface)
	r := zcnic(t, 20*time.Second, "rxonly", "--vdev", "net_tap0,iface="+iface, "--duration", "1s")
	assert.Equal(t, exitFail, r.code, "stderr: %s", r.stderr)
	reason := oneReason(t, r.stderr)
	assert.Contains(t, reason, fmt.Sprintf("interface %s is in use: process %d (zcnic) has it open", iface, a.Process.Pid))
	ifc, err := net.InterfaceByName(iface)
	require.NoError(t, err)
	assert.NotZero(t, ifc.Flags&net.FlagUp, "the first process's tap is still up")
	assert.Nil(t, a.ProcessState, "the first process still runs")
	// A zcnic that holds an interface by af_packet is seen as well.
	r = zcnic(t, 20*time.Second, "rxonly", "--vdev", "net_af_packet0,iface="+iface, "--duration", "1s")
	assert.Equal(t, exitFail, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, oneReason(t, r.stderr), "interface "+iface+" is in use by another zcnic process")
}

// machineState is what a zcnic process could leave behind on the
// machine: hugepage files, DPDK runtime files, network interfaces.
func machineState(t *testing.T) map[string]bool {
	t.Helper()
	m := map[string]bool{}
	for _, dir := range []string{"/dev/hugepages", "/var/run/dpdk"} {
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && p != dir {
				m[p] = true
			}
			return nil
		})
	}
	ifs, err := net.Interfaces()
	require.NoError(t, err)
	for _, i := range ifs {
		m["link:"+i.Name] = true
	}
	return m
}

// ours is whether a new entry could come from the guard's zcnic
// processes: files of EAL's default prefix (zcnic runs in memory with
// it), and the interfaces the guard names or a tap PMD's default names.
// Other test binaries running beside it use prefixes and interfaces of
// their own.
func ours(entry string, ifaces []string) bool {
	if name, ok := strings.CutPrefix(entry, "link:"); ok {
		return slices.Contains(ifaces, name) || strings.HasPrefix(name, "dtap")
	}
	if !strings.HasPrefix(entry, "/var/run/dpdk/rte") && !strings.HasPrefix(entry, "/dev/hugepages/rte") {
		return false
	}
	// The default prefix's files of a primary that runs (a dpdk-testpmd
	// of make bench-quick beside the tests) are its own, not left behind.
	pid, err := eal.PrimaryPID("rte")
	return err != nil || pid == 0
}

// The standing guard: every bad input of the CLI tests, the command-line
// errors and the bad files, leaves /dev/hugepages, /var/run/dpdk and the
// network interfaces as they were.
func TestBadInputsLeaveNothing(t *testing.T) {
	dir := t.TempDir()
	f10k := writeFrames(t, dir, "10k.pcap", udpFrame(64), 10000)
	empty := writeFrames(t, dir, "empty.pcap", nil, 0)
	jumbo := writeFrames(t, dir, "jumbo.pcap", udpFrame(9000), 1)
	b, err := os.ReadFile(f10k)
	require.NoError(t, err)
	bogus := filepath.Join(dir, "bogus.pcap")
	binary.LittleEndian.PutUint32(b[24+8:], 0x7fffffff)
	require.NoError(t, os.WriteFile(bogus, b, 0o644))
	tap := fmt.Sprintf("zcg%d", os.Getpid()%100000)
	ifaces := []string{tap}

	cases := badInputs()
	for _, a := range [][]string{
		{"fwd", "--vdev", "net_tap0,iface=" + tap, "--vdev", "net_pcap0,rx_pcap=" + bogus},
		{"fwd", "--vdev", "net_tap0,iface=" + tap, "--vdev", "net_pcap0,rx_pcap=/nonexistent"},
		{"fwd", "--vdev", "net_tap0,iface=" + tap, "--lcores", "0,99"},
		{"fwd", "--vdev", "net_tap0,iface=" + tap, "--pool-size", "1", "--pool-cache", "1"},
		{"fwd", "--vdev", "net_pcap0,rx_pcap=" + f10k + ",infinite_rx=1", "--vdev", "net_tap0,iface=" + tap, "--pool-size", "8191"},
		{"fwd", "--vdev", "net_pcap0,rx_pcap=" + jumbo + ",infinite_rx=1", "--vdev", "net_tap0,iface=" + tap},
		{"fwd", "--vdev", "net_pcap0,rx_pcap=" + empty + ",infinite_rx=1", "--vdev", "net_tap0,iface=" + tap},
		{"capture", "--vdev", "net_pcap0,rx_pcap=" + f10k, "-w", f10k},
		{"fwd", "--vdev", "net_tap0,iface=" + tap, "--vdev", "net_pcap1,rx_iface=zcnoiface0"},
	} {
		cases = append(cases, badInput{strings.Join(a, " "), a, ""})
	}
	before := machineState(t)
	for _, tc := range cases {
		r := zcnic(t, 20*time.Second, append(tc.args, "--duration", "1s")...)
		assert.NotEqual(t, 0, r.code, "%s: a bad input fails", tc.name)
		assert.Contains(t, []int{exitUsage, exitFail}, r.code, "%s: exit 1 or 2, not a crash: %s", tc.name, r.stderr)
	}
	// The default prefix's runtime directory is also that of any other
	// in-memory EAL running beside this test (another package's test
	// binary, a program an example's test runs): what is left must stay
	// left, not vanish when that process ends.
	var left []string
	for try := 0; try < 30; try++ {
		left = left[:0]
		for e := range machineState(t) {
			if !before[e] && ours(e, ifaces) {
				left = append(left, e)
			}
		}
		if len(left) == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	sort.Strings(left)
	assert.Empty(t, left, "left behind by the bad inputs")

	// A reader that goes away (SIGPIPE at the next write) and a closed
	// terminal (SIGHUP) end the run as SIGTERM does: exit 0, and
	// nothing of the --file-prefix process left behind.
	t.Run("SIGPIPE", func(t *testing.T) { endedBy(t, "pipe") })
	t.Run("SIGHUP", func(t *testing.T) { endedBy(t, "hup") })
}

// endedBy runs a fwd with a stats line every 100ms and ends it by how:
// "pipe" closes the read end of its stderr after the first line, "hup"
// sends SIGHUP. With hugepages it runs as an attachable --file-prefix
// primary, whose hugepage files and runtime directory must be gone.
func endedBy(t *testing.T, how string) {
	args := []string{"fwd", "--vdev", "net_null0", "--vdev", "net_null1", "--stats-interval", "100ms", "--duration", "20s"}
	p := ""
	if os.Getenv("ZCNIC_NO_HUGE") != "1" && eal.Preflight(&eal.Config{}, hugepages.Default) == nil {
		p = prefix("sig" + how)
		args = append(args, "--file-prefix", p)
	}
	cmd := exec.Command(zcnicBin, args...)
	var stdout syncBuf
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	lines := bufio.NewReader(stderr)
	for n := 0; ; n++ { // up to the first stats line (past a --no-huge warning)
		line, err := lines.ReadString('\n')
		require.NoError(t, err, "no stats line")
		if strings.Contains(line, "p0 rx/tx") {
			break
		}
		require.Less(t, n, 20, "no stats line in the first 20: %q", line)
	}
	if p != "" {
		assert.NotEmpty(t, prefixFiles(p), "the primary's files exist while it runs")
	}
	start := time.Now()
	switch how {
	case "pipe":
		require.NoError(t, stderr.Close()) // the reader goes away: the next line hits EPIPE
		go func() { done <- cmd.Wait() }()
	case "hup":
		go func() {
			io.Copy(io.Discard, lines)
			done <- cmd.Wait()
		}()
		require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	}
	select {
	case err = <-done:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%s: zcnic did not stop", how)
	}
	require.NoError(t, err, "%s: exit 0, as on SIGTERM (not 141, not 129)", how)
	assert.Less(t, time.Since(start), 10*time.Second, "stopped at once, not at --duration")
	assert.Contains(t, stdout.String(), "zcnic fwd (io):", "%s: the summary was printed", how)
	if p != "" {
		assert.Empty(t, prefixFiles(p), "%s: the primary's files were removed", how)
	}
}

// An interface that another process receives from by af_xdp (an XDP
// program is attached) is refused, whoever that process is.
func TestAfXdpInUseIsRefused(t *testing.T) {
	a, b := fmt.Sprintf("zcxa%d", os.Getpid()%10000), fmt.Sprintf("zcxb%d", os.Getpid()%10000)
	if out, err := exec.Command("ip", "link", "add", a, "type", "veth", "peer", "name", b).CombinedOutput(); err != nil {
		t.Skipf("no veth pair: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "link", "del", a).Run() })
	require.NoError(t, exec.Command("ip", "link", "set", a, "up").Run())
	require.NoError(t, exec.Command("ip", "link", "set", b, "up").Run())
	if _, stderr, up := holder(t, "net_af_xdp0,iface="+a, func() bool { return xdpFree(a) != nil }); !up {
		t.Skipf("af_xdp did not attach to %s (stderr: %s)", a, stderr.String())
	}
	r := zcnic(t, 20*time.Second, "rxonly", "--vdev", "net_af_xdp0,iface="+a, "--duration", "1s")
	assert.Equal(t, exitFail, r.code, "stderr: %s", r.stderr)
	assert.Regexp(t, `interface `+a+` is in use: XDP program \d+ is attached to it`, oneReason(t, r.stderr))
}

// A small open-file limit: EAL used to panic (`ulimit -n 16`: it cannot
// open /proc/meminfo, SIGABRT and a trace) or blame hugepage memory
// (`ulimit -n 24`). zcnic checks the limit before EAL starts and names
// it; a pool that needs more descriptors than the limit leaves (EAL
// holds one per 2 MiB hugepage it maps) says so.
func TestOpenFileLimit(t *testing.T) {
	limited := func(n int, args ...string) result {
		t.Helper()
		return ulimited(t, fmt.Sprintf("-n %d", n), args...)
	}
	for _, n := range []int{16, 24} {
		r := limited(n, "fwd", "--vdev", "net_null0", "--vdev", "net_null1", "--duration", "500ms")
		assert.Equal(t, exitFail, r.code, "ulimit -n %d: a failed run, not a crash; stderr: %s", n, r.stderr)
		assert.NotContains(t, r.stderr, "PANIC")
		assert.Contains(t, oneReason(t, r.stderr), fmt.Sprintf("the open-file limit is %d (ulimit -n)", n))
	}
	if os.Getenv("ZCNIC_NO_HUGE") == "1" || eal.Preflight(&eal.Config{}, hugepages.Default) != nil {
		return // without hugepages a pool takes no descriptor per page
	}
	r := limited(96, "fwd", "--vdev", "net_null0", "--vdev", "net_null1", "--pool-size", "131071", "--duration", "500ms")
	assert.Equal(t, exitFail, r.code, r.stderr)
	assert.Contains(t, oneReason(t, r.stderr), "likely out of file descriptors, not memory")
}

// ulimited runs zcnic with args under `ulimit LIMIT` (e.g. "-n 16").
func ulimited(t *testing.T, limit string, args ...string) result {
	t.Helper()
	script := "ulimit " + limit + " && exec \"$0\" \"$@\""
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", append([]string{"-c", script, zcnicBin}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	}
	return r
}

// An address-space limit (ulimit -v) too small for the Go runtime used
// to end zcnic with the runtime's fatal error and exit 2, the code of a
// bad command line; one too small for EAL with "Cannot get a virtual
// area", read as a lack of memory. Both are failed runs that say the
// limit, and a soft limit under a larger hard one is raised.
func TestAddressSpaceLimit(t *testing.T) {
	fwd := []string{"fwd", "--vdev", "net_null0", "--vdev", "net_null1", "--duration", "500ms", "--stats-interval", "0"}
	for _, kib := range []int{200000, 1500000, 16000000} {
		r := ulimited(t, fmt.Sprintf("-v %d", kib), fwd...)
		assert.Equal(t, exitFail, r.code, "ulimit -v %d: a failed run; stderr: %s", kib, r.stderr)
		assert.NotContains(t, r.stderr, "fatal error")
		assert.Contains(t, oneReason(t, r.stderr), fmt.Sprintf("the address-space limit is %d KiB (ulimit -v)", kib))
		assert.Contains(t, r.stderr, "ulimit -v unlimited")
	}
	r := ulimited(t, "-H -v unlimited && ulimit -S -v 200000", fwd...)
	assert.Equal(t, 0, r.code, "a soft limit is raised to the hard one; stderr: %s", r.stderr)
}

// A tx_pcap on a disk that fills: net_pcap writes through libpcap's
// pcap_dump, which reports no error, and the run used to end with exit
// 0 and 26 million packets "sent" to a file that held 2,007. zcnic
// checks the file against what the port sent and fails the run.
func TestFullDiskIsNotSilent(t *testing.T) {
	small := filepath.Join(t.TempDir(), "small")
	require.NoError(t, os.Mkdir(small, 0o755))
	require.NoError(t, syscall.Mount("tmpfs", small, "tmpfs", 0, "size=1m"))
	t.Cleanup(func() { _ = syscall.Unmount(small, 0) })
	in := writeFrames(t, t.TempDir(), "in.pcap", udpFrame(512), 1000)
	out := filepath.Join(small, "out.pcap")
	r := zcnic(t, 30*time.Second, "fwd", "--mode", "io", "--duration", "1s", "--stats-interval", "0",
		"--vdev", "net_pcap0,rx_pcap="+in+",infinite_rx=1", "--vdev", "net_pcap1,tx_pcap="+out)
	assert.Equal(t, exitFail, r.code, "a run that lost its output fails; stderr: %s", r.stderr)
	assert.Regexp(t, `(?m)^zcnic fwd: .*port 1 sent \d+ packets to tx_pcap `+regexp.QuoteMeta(out)+`, which hold \d+: \d+ lost in writing \(is the disk full\?\)`, r.stderr)
	assert.Contains(t, r.stdout, "zcnic fwd (io):", "the summary is still printed")

	// capture on the same disk fails too, and says it: the packets after
	// the failure are drops under write_failed (not "filtered"), and the
	// file ends at its last whole record (it was left cut inside one).
	capOut := filepath.Join(small, "cap.pcap")
	os.Remove(out)
	r = zcnic(t, 30*time.Second, "capture", "--duration", "1s", "--stats-interval", "0", "--json",
		"--vdev", "net_pcap0,rx_pcap="+in+",infinite_rx=1", "-w", capOut)
	assert.Equal(t, exitFail, r.code, r.stderr)
	assert.Contains(t, r.stderr, "no space left on device")
	var s summary
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &s), r.stdout)
	assert.Greater(t, s.Drops["write_failed"], uint64(0), "drops: %v", s.Drops)
	assert.Zero(t, s.Drops["filtered"])
	frames, err := testpkts.ReadPcap(capOut)
	require.NoError(t, err, "the capture is a whole pcap file")
	require.NotNil(t, s.Captured)
	assert.Equal(t, int(*s.Captured), len(frames), "captured is what the file holds")

	// The same run on a disk with room passes the check.
	ok := filepath.Join(t.TempDir(), "ok.pcap")
	r = zcnic(t, 30*time.Second, "fwd", "--mode", "io", "--idle", "5s", "--stats-interval", "0",
		"--vdev", "net_pcap0,rx_pcap="+in, "--vdev", "net_pcap1,tx_pcap="+ok)
	assert.Equal(t, 0, r.code, r.stderr)
}
