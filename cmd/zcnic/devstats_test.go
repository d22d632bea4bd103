package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/app"
	"github.com/zcnic/zcnic/pkt/testpkts"
)

// The live line names a device's error counters once one is non-zero,
// and stays as it was while they are all zero.
func TestLiveLineDeviceErrors(t *testing.T) {
	r := &reporter{c: &common{}}
	s := app.Snapshot{
		Elapsed: time.Second,
		Ports:   make([]app.PortCounters, 2),
		Devices: []app.DevCounters{{Read: true}, {Read: true}},
	}
	assert.NotContains(t, r.line(s), "device")
	s.Devices[1].RxMissed, s.Devices[1].RxNoMbuf = 7, 3
	l := r.line(s)
	assert.Contains(t, l, "| p1 device: imissed 7 rx_nombuf 3")
	assert.NotContains(t, l, "p0 device")
	assert.NotContains(t, l, "ierrors", "zero counters are left out")
	j := r.jsonLine(s)
	assert.Contains(t, j, `"rx_missed":7`)
	assert.Contains(t, j, `"rx_nombuf":3`)
}

// The first scrape, before the runner's first snapshot, already lists
// every port (device counters included) and the process and Go
// collectors.
func TestMetricsFirstScrape(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, zcnicBin, "fwd", "--stats-interval", "10s", "--metrics-addr", ":0",
		"--vdev", "net_null0", "--vdev", "net_null1")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stderr)
	var addr string
	re := regexp.MustCompile(`metrics at http://(\S+)/metrics`)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
			break
		}
	}
	require.NotEmpty(t, addr, "the CLI printed where the metrics are")
	go io.Copy(io.Discard, stderr)
	// Scrape at once: the first snapshot comes a second after the loops start.
	resp, err := http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	body := string(b)
	for _, want := range []string{
		`zcnic_port_rx_packets_total{device="net_null0",port="0"} `,
		`zcnic_port_tx_packets_total{device="net_null1",port="1"} `,
		`zcnic_port_rx_missed_packets_total{device="net_null0",port="0"} `,
		`zcnic_port_rx_errors_total{device="net_null1",port="1"} `,
		`zcnic_port_tx_errors_total{device="net_null0",port="0"} `,
		`zcnic_port_rx_nombuf_total{device="net_null1",port="1"} `,
		"\ngo_goroutines ",
		"\nprocess_cpu_seconds_total ",
	} {
		assert.Contains(t, body, want)
	}
	assert.True(t, strings.Contains(body, "zcnic_port_dev_rx_packets_total"), "device packet counters are exported")
	// Stop it once it runs (a SIGINT before its handler is set would kill it).
	rx := regexp.MustCompile(`(?m)^zcnic_port_dev_rx_packets_total\{device="net_null0",port="0"\} [1-9]`)
	for deadline := time.Now().Add(10 * time.Second); !rx.MatchString(body) && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/metrics")
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		body = string(b)
	}
	require.Regexp(t, rx, body, "traffic is counted once the loops run")
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, cmd.Wait())
}

// Byte figures say where they come from, and are null rather than 0
// when nothing counted them: net_null's driver counts no bytes, so
// without --count-bytes there are none; with it the loops count 64 bytes
// a packet; a pcap port's come from the device (ibytes).
func TestByteFigureSources(t *testing.T) {
	none := runJSON(t, zcnic(t, 20*time.Second, "fwd", "--json", "--duration", "300ms", "--stats-interval", "0",
		"--vdev", "net_null0", "--vdev", "net_null1"))
	for _, p := range none.Ports {
		assert.Equal(t, "none", p.BytesFrom)
		assert.Nil(t, p.RxBytes, "no figure, not 0")
		assert.Nil(t, p.TxGbps)
		assert.Positive(t, p.RxPackets)
	}
	loop := runJSON(t, zcnic(t, 20*time.Second, "fwd", "--json", "--count-bytes", "--duration", "300ms", "--stats-interval", "0",
		"--vdev", "net_null0", "--vdev", "net_null1"))
	for _, p := range loop.Ports {
		assert.Equal(t, "loop", p.BytesFrom)
		require.NotNil(t, p.RxBytes)
		require.NotNil(t, p.TxBytes)
		assert.Equal(t, 64*p.RxPackets, *p.RxBytes, "net_null's packets are 64 bytes")
		assert.Equal(t, 64*p.TxPackets, *p.TxBytes)
	}

	in, err := testpkts.Mixed()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "in.pcap")
	require.NoError(t, testpkts.WritePcap(path, in))
	r := zcnic(t, 20*time.Second, "fwd", "--json", "--duration", "500ms", "--stats-interval", "100ms", "--stats-format", "json",
		"--vdev", "net_pcap0,rx_pcap="+path+",infinite_rx=1", "--vdev", "net_null0,no-rx=1")
	dev := runJSON(t, r)
	require.Len(t, dev.Ports, 2)
	assert.Equal(t, "device", dev.Ports[0].BytesFrom)
	require.NotNil(t, dev.Ports[0].RxBytes)
	assert.Equal(t, dev.Ports[0].Dev.RxBytes, *dev.Ports[0].RxBytes)
	assert.Positive(t, *dev.Ports[0].RxGbps)
	assert.Equal(t, "none", dev.Ports[1].BytesFrom, "port 1 is net_null")
	// The live lines say the same.
	assert.Contains(t, r.stderr, `"bytes_from":"device","rx_bytes":`)
	assert.Contains(t, r.stderr, `"bytes_from":"none","rx_bytes":null,"tx_bytes":null`)
}

func TestSnapshotBytes(t *testing.T) {
	s := app.Snapshot{
		Ports:   []app.PortCounters{{LoopRxBytes: 10, LoopTxBytes: 20}, {}},
		Devices: []app.DevCounters{{Read: true, Bytes: true, RxBytes: 100, TxBytes: 200}, {Read: true}},
	}
	rx, tx, src := s.Bytes(0)
	assert.Equal(t, [3]any{uint64(100), uint64(200), app.BytesDevice}, [3]any{rx, tx, src})
	_, _, src = s.Bytes(1)
	assert.Equal(t, app.BytesNone, src)
	_, _, src = s.Bytes(5)
	assert.Equal(t, app.BytesNone, src)
	s.LoopBytes = true
	rx, tx, src = s.Bytes(0)
	assert.Equal(t, [3]any{uint64(10), uint64(20), app.BytesLoop}, [3]any{rx, tx, src})
	r := &reporter{c: &common{}}
	assert.Contains(t, r.line(s), "Gbit/s (loop)")
	s.LoopBytes = false
	assert.Contains(t, r.line(s), "p1 rx/tx 0.000/0.000 Mpps Gbit/s n/a")
}
