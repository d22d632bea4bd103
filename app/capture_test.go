package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal/ealtest"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/pkt/testpkts"
)

// replay writes pkts to a pcap file and returns the devargs of a pcap
// port that receives them (forever with infinite).
func replay(t *testing.T, pkts [][]byte, infinite bool) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in.pcap")
	require.NoError(t, testpkts.WritePcap(in, pkts))
	d := dev("net_pcap") + ",rx_pcap=" + in
	if infinite {
		d += ",infinite_rx=1"
	}
	return d
}

type record struct {
	data    []byte
	origLen int
}

func readRecords(t *testing.T, path string) []record {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	require.NoError(t, err)
	var out []record
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			return out
		}
		out = append(out, record{data, ci.Length})
	}
}

func TestCaptureByteExact(t *testing.T) {
	in, err := testpkts.Mixed()
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "out.pcap")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// 1 KiB mbufs: the 1400-byte payloads arrive as chains of two
	// segments, which the writer must join.
	cfg := Config{Ports: []PortConfig{{Device: replay(t, in, false)}}, DataRoom: 1024 + mbuf.Headroom}
	res, err := Capture(ctx, cfg, CaptureConfig{Path: out, Count: uint64(len(in))})
	require.NoError(t, err)
	require.NoError(t, ctx.Err(), "Count ended the capture")
	assert.Equal(t, uint64(len(in)), res.Captured)
	checkBalanced(t, res.Result)
	// Captured packets are the capture's (kept), not drops: they used
	// to be counted as dropped{reason="filtered"}.
	assert.Equal(t, uint64(len(in)), res.Ports[0].Kept)
	assert.Zero(t, res.Ports[0].Dropped)
	assert.Zero(t, res.Drops()[DropFiltered])

	got, err := testpkts.ReadPcap(out)
	require.NoError(t, err)
	require.Len(t, got, len(in))
	for i := range in {
		assert.Equal(t, in[i], got[i], "packet %d", i)
	}

	// tcpdump (and tshark, when installed) read the file too.
	for _, tool := range [][]string{{"tcpdump", "-nn", "-r", out}, {"tshark", "-n", "-r", out}} {
		if _, err := exec.LookPath(tool[0]); err != nil {
			t.Logf("%s not installed: not checked", tool[0])
			continue
		}
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(tool[0], tool[1:]...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		require.NoError(t, cmd.Run(), "%s: %s", tool[0], stderr.String())
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		assert.Len(t, lines, len(in), "%s lists every packet", tool[0])
	}
}

func TestCaptureSnaplen(t *testing.T) {
	in, err := testpkts.Mixed()
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "out.pcap")
	const snap = 60
	cfg := Config{Ports: []PortConfig{{Device: replay(t, in, false)}}}
	res, err := Capture(context.Background(), cfg, CaptureConfig{Path: out, Snaplen: snap, Count: uint64(len(in))})
	require.NoError(t, err)
	require.Equal(t, uint64(len(in)), res.Captured)
	recs := readRecords(t, out)
	require.Len(t, recs, len(in))
	truncated := 0
	for i, r := range recs {
		want := in[i][:min(len(in[i]), snap)]
		assert.Equal(t, want, r.data, "packet %d: the first %d bytes", i, snap)
		assert.Equal(t, len(in[i]), r.origLen, "packet %d: the original length is kept", i)
		if len(in[i]) > snap {
			truncated++
		}
	}
	assert.Positive(t, truncated, "some packets were longer than the snaplen")
}

func TestCaptureCountStops(t *testing.T) {
	in, err := testpkts.Mixed()
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "out.pcap")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const count = 1000 // the replay never ends; the count does
	cfg := Config{Ports: []PortConfig{{Device: replay(t, in, true)}}}
	res, err := Capture(ctx, cfg, CaptureConfig{Path: out, Count: count})
	require.NoError(t, err)
	require.NoError(t, ctx.Err(), "Count ended the capture")
	assert.Equal(t, uint64(count), res.Captured)
	checkBalanced(t, res.Result)
	got, err := testpkts.ReadPcap(out)
	require.NoError(t, err)
	require.Len(t, got, count)
	for i := range got {
		assert.Equal(t, in[i%len(in)], got[i], "packet %d", i)
	}
}

func TestCaptureDurationStops(t *testing.T) {
	in, err := testpkts.Mixed()
	require.NoError(t, err)
	var buf bytes.Buffer
	cfg := Config{Ports: []PortConfig{{Device: replay(t, in, false)}}}
	start := time.Now()
	res, err := Capture(context.Background(), cfg, CaptureConfig{Writer: &buf, Duration: 500 * time.Millisecond})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 500*time.Millisecond, "Duration ended the capture, not before")
	assert.Equal(t, uint64(len(in)), res.Captured)
	r, err := pcapgo.NewReader(&buf)
	require.NoError(t, err)
	n := 0
	for ; ; n++ {
		if _, _, err := r.ReadPacketData(); err != nil {
			break
		}
	}
	assert.Equal(t, len(in), n)
}

func TestCaptureBadConfig(t *testing.T) {
	ports := []PortConfig{{Device: "net_null0"}}
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		cfg  Config
		cc   CaptureConfig
		msg  string
	}{
		{"no output", Config{Ports: ports}, CaptureConfig{}, "exactly one of Path and Writer"},
		{"port out of range", Config{Ports: ports}, CaptureConfig{Path: filepath.Join(dir, "a.pcap"), Ports: []int{1}}, "capture port 1: there are 1 ports"},
		{"bad snaplen", Config{Ports: ports}, CaptureConfig{Path: filepath.Join(dir, "b.pcap"), Snaplen: -1}, "snaplen -1"},
		{"unwritable", Config{Ports: []PortConfig{{Device: dev("net_null")}}}, CaptureConfig{Path: filepath.Join(dir, "no/such/dir.pcap")}, "no such file"},
		{"bad device", Config{Ports: []PortConfig{{Device: "net_bogus7"}}}, CaptureConfig{Path: filepath.Join(dir, "c.pcap")}, "no driver of that name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Capture(context.Background(), tc.cfg, tc.cc)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
	_, err := os.Stat(filepath.Join(dir, "c.pcap"))
	assert.True(t, os.IsNotExist(err), "a capture that failed to start leaves no file")
}

// failWriter fails every write after the first n bytes.
type failWriter struct{ n int }

func (w *failWriter) Write(b []byte) (int, error) {
	if len(b) > w.n {
		return 0, errors.New("disk full")
	}
	w.n -= len(b)
	return len(b), nil
}

func TestCaptureWriteErrorStops(t *testing.T) {
	in, err := testpkts.Mixed()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg := Config{Ports: []PortConfig{{Device: replay(t, in, true)}}}
	res, err := Capture(ctx, cfg, CaptureConfig{Writer: &failWriter{n: 100}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "disk full")
	require.NoError(t, ctx.Err(), "the error stopped the capture")
	checkBalanced(t, res.Result)
}

func TestPcapWriter(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewPcapWriter(&buf, 0)
	require.NoError(t, err)
	assert.Equal(t, DefaultSnaplen, w.Snaplen())
	ts := time.Unix(1_700_000_000, 123_456_789)
	require.NoError(t, w.WritePacket(ts, []byte("hello")))
	require.NoError(t, w.WritePacket(ts, nil))
	require.NoError(t, w.Flush())
	assert.Equal(t, uint64(2), w.Packets())

	r, err := pcapgo.NewReader(&buf)
	require.NoError(t, err)
	assert.Equal(t, uint32(DefaultSnaplen), r.Snaplen())
	data, ci, err := r.ReadPacketData()
	require.NoError(t, err)
	assert.Equal(t, []byte("hello"), data)
	assert.Equal(t, ts.Truncate(time.Microsecond).UnixNano(), ci.Timestamp.UnixNano(), "microsecond timestamps")
	data, _, err = r.ReadPacketData()
	require.NoError(t, err)
	assert.Empty(t, data)

	pkt := make([]byte, 1500)
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		if err := w.WritePacket(ts, pkt); err != nil {
			panic(err)
		}
	}), "writing a packet allocates nothing")

	_, err = NewPcapWriter(&buf, DefaultSnaplen+1)
	assert.ErrorContains(t, err, "snaplen")

	// A write error sticks: later writes return it too.
	w, err = NewPcapWriter(&failWriter{n: 24}, 0)
	require.NoError(t, err)
	big := make([]byte, DefaultSnaplen)
	for i := 0; i < 3; i++ { // fills the buffer, not yet written
		require.NoError(t, w.WritePacket(ts, big))
	}
	assert.ErrorContains(t, w.WritePacket(ts, big), "disk full")
	assert.ErrorContains(t, w.WritePacket(ts, []byte("x")), "disk full")
	assert.ErrorContains(t, w.Flush(), "disk full")
}

func TestCaptureAllocatesNothing(t *testing.T) {
	cfg := Config{Ports: []PortConfig{{Device: dev("net_null")}}}
	require.NoError(t, cfg.normalize())
	cfg.defaultLcores(nil)
	w, err := NewPcapWriter(discard{}, 0)
	require.NoError(t, err)
	cp, err := newCapturer(0, func() {})
	require.NoError(t, err)
	defer cp.close()
	cp.w = w
	r := &runner{cfg: cfg}
	require.NoError(t, r.setup())
	c := r.ctxs[0]
	allocs := testing.AllocsPerRun(1000, func() { c.step(cp.handle) })
	c.flush()
	assert.Zero(t, allocs, "a capture turn allocates nothing")
	assert.Positive(t, w.Packets())
	require.NoError(t, r.teardown())
	assert.Zero(t, r.leaked)
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

// A capture whose start fails leaves an existing file as it was (it was
// truncated before the ports were set up).
func TestCaptureFailedStartKeepsFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "keep.pcap")
	require.NoError(t, os.WriteFile(out, []byte("precious"), 0o644))
	cfg := Config{Ports: []PortConfig{{Device: dev("net_pcap") + ",rx_pcap=" + filepath.Join(t.TempDir(), "missing.pcap")}}}
	_, err := Capture(context.Background(), cfg, CaptureConfig{Path: out, Count: 1})
	require.Error(t, err)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "precious", string(b))
}

// The header is written at once and packets reach the file while the
// capture runs (it buffered 1 MiB and flushed at the end only: 0 bytes
// while running, no header after a SIGKILL).
func TestCaptureFlushesWhileRunning(t *testing.T) {
	in, err := testpkts.Mixed()
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "out.pcap")
	cfg := Config{Ports: []PortConfig{{Device: replay(t, in, false)}}}
	done := make(chan error, 1)
	go func() {
		_, err := Capture(context.Background(), cfg, CaptureConfig{Path: out, Duration: 3 * time.Second})
		done <- err
	}()
	time.Sleep(FlushInterval + 700*time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("the capture ended early: %v", err)
	default:
	}
	assert.Len(t, readRecords(t, out), len(in), "every packet is in the file while the capture runs")
	require.NoError(t, <-done)
	assert.Len(t, readRecords(t, out), len(in))
}

// A chain that holds fewer bytes than its PktLen (what net_pcap makes of
// a frame over 64 KiB) is refused by WriteMbuf, which used to pad it
// with zeros, and nothing of it reaches the file.
func TestPcapWriterShortChain(t *testing.T) {
	pool := ealtest.Pool(t, 63, 0)
	m := pool.Alloc()
	require.NotNil(t, m)
	defer m.Free()
	require.NoError(t, m.SetData(make([]byte, 100)))
	pktLen := (*uint32)(unsafe.Add(unsafe.Pointer(m), 36)) // struct rte_mbuf's pkt_len
	*pktLen = 80054
	require.Equal(t, 80054, m.PktLen())

	var buf bytes.Buffer
	w, err := NewPcapWriter(&buf, 0)
	require.NoError(t, err)
	ts := time.Unix(1_700_000_000, 0)
	assert.ErrorIs(t, w.WriteMbuf(ts, m), ErrShortChain)
	assert.Zero(t, w.Packets())
	*pktLen = 100
	require.NoError(t, w.WriteMbuf(ts, m), "the writer is still usable")
	require.NoError(t, w.Flush())
	assert.Equal(t, 24+16+100, buf.Len(), "only the whole packet was written")
}
