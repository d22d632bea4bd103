package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/app"
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
