package bench

import (
	"strconv"
	"strings"
)

// TestpmdStats parses dpdk-testpmd's output under --stats-period: every
// period it prints a "Port statistics" block with, per port, a
// "Tx-pps:" line (packets transmitted per second since the last block).
// Each complete block is one sample: Tx-pps summed over the ports.
// testpmd's first block always shows 0 (it has no previous block).
type TestpmdStats struct {
	key     string    // the per-port line summed: "Tx-pps:" or "Rx-pps:"
	ports   int       // ports per block
	inBlock bool      // a block has started
	cur     []float64 // Tx-pps of this block so far
	// Samples are the complete blocks' totals, in packets per second.
	Samples []float64
}

// NewTestpmdStats parses the output of a testpmd with ports ports.
func NewTestpmdStats(ports int) *TestpmdStats { return &TestpmdStats{key: "Tx-pps:", ports: ports} }

// NewTestpmdRxStats is NewTestpmdStats summing Rx-pps (packets received
// per second) instead: a receiver's rate.
func NewTestpmdRxStats(ports int) *TestpmdStats { return &TestpmdStats{key: "Rx-pps:", ports: ports} }

// Line feeds one line of output; it reports whether the line completed
// a sample.
func (t *TestpmdStats) Line(line string) bool {
	if strings.Contains(line, "Port statistics ====") {
		t.inBlock, t.cur = true, t.cur[:0]
		return false
	}
	if !t.inBlock {
		return false
	}
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != t.key {
		return false
	}
	v, err := strconv.ParseFloat(f[1], 64)
	if err != nil {
		return false
	}
	t.cur = append(t.cur, v)
	if len(t.cur) < t.ports {
		return false
	}
	var sum float64
	for _, x := range t.cur {
		sum += x
	}
	t.Samples = append(t.Samples, sum)
	t.inBlock = false
	return true
}

// ParseTestpmd parses a whole output.
func ParseTestpmd(out string, ports int) []float64 {
	t := NewTestpmdStats(ports)
	for _, l := range strings.Split(out, "\n") {
		t.Line(l)
	}
	return t.Samples
}
