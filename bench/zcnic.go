package bench

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ZcnicStatsLine is one line of `zcnic fwd --stats-format json`.
type ZcnicStatsLine struct {
	ElapsedSeconds  float64 `json:"elapsed_seconds"`
	IntervalSeconds float64 `json:"interval_seconds"`
	Ports           []struct {
		Port      int     `json:"port"`
		TxPackets uint64  `json:"tx_packets"`
		TxPps     float64 `json:"tx_pps"`
		RxPps     float64 `json:"rx_pps"`
	} `json:"ports"`
	Dropped uint64 `json:"dropped"`
}

// TxPps is the line's packets transmitted per second, summed over the
// ports: the same quantity as TestpmdStats' samples.
func (l ZcnicStatsLine) TxPps() float64 {
	var s float64
	for _, p := range l.Ports {
		s += p.TxPps
	}
	return s
}

// ParseZcnicStatsLine parses a line of zcnic's stderr; ok is false for
// lines that are not JSON stats lines (EAL and PMD logs, warnings).
func ParseZcnicStatsLine(line string) (l ZcnicStatsLine, ok bool) {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, `{"elapsed_seconds"`) {
		return l, false
	}
	if err := json.Unmarshal([]byte(line), &l); err != nil {
		return l, false
	}
	return l, true
}

// ParseZcnicStats returns the per-interval samples (packets
// transmitted per second, summed over ports) of zcnic's stderr.
func ParseZcnicStats(stderr string) []float64 {
	var s []float64
	for _, line := range strings.Split(stderr, "\n") {
		if l, ok := ParseZcnicStatsLine(line); ok {
			s = append(s, l.TxPps())
		}
	}
	return s
}

// GoRuntime is the "go_runtime" object of zcnic's JSON summary: heap
// allocations and GC cycles while the loops forwarded.
type GoRuntime struct {
	WindowSeconds  float64 `json:"window_seconds"`
	HeapAllocs     uint64  `json:"heap_allocs"`
	HeapAllocBytes uint64  `json:"heap_alloc_bytes"`
	GCCycles       uint64  `json:"gc_cycles"`
	NewThreads     int64   `json:"new_threads"`
	NewGoroutines  uint64  `json:"new_goroutines"`
	Bursts         uint64  `json:"bursts"`
	AllocsPerBurst float64 `json:"allocs_per_burst"`
}

// ZcnicSummary is the part of `zcnic fwd --json`'s summary the bench
// reads.
type ZcnicSummary struct {
	Command        string  `json:"command"`
	Mode           string  `json:"mode"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	Ports          []struct {
		Port      int    `json:"port"`
		Device    string `json:"device"`
		RxPackets uint64 `json:"rx_packets"`
		TxPackets uint64 `json:"tx_packets"`
	} `json:"ports"`
	// Lcores are the forwarding loops, one per worker lcore.
	Lcores []struct {
		Lcore     uint   `json:"lcore"`
		BusyPolls uint64 `json:"busy_polls"`
	} `json:"lcores"`
	PoolSize  int        `json:"pool_size"`
	Leaked    int        `json:"leaked_mbufs"`
	Error     string     `json:"error"`
	GoRuntime *GoRuntime `json:"go_runtime"`
	// Rules and Classify are the flow rules' lines (zcnic fwd --rules).
	Rules    []ZcnicRuleStat `json:"rules"`
	Classify []ZcnicClassify `json:"classify"`
}

// ParseZcnicSummary parses zcnic's --json stdout and checks that the
// run reported no error and leaked nothing.
func ParseZcnicSummary(stdout string) (ZcnicSummary, error) {
	var s ZcnicSummary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		return s, fmt.Errorf("zcnic summary: %w", err)
	}
	switch {
	case s.Error != "":
		return s, fmt.Errorf("zcnic reported: %s", s.Error)
	case s.Leaked != 0:
		return s, fmt.Errorf("zcnic leaked %d mbufs", s.Leaked)
	}
	return s, nil
}
