package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Machine describes where the benchmark ran.
type Machine struct {
	CPU       string `json:"cpu"`
	CPUs      int    `json:"cpus"`
	Kernel    string `json:"kernel"`
	OS        string `json:"os"`
	DPDK      string `json:"dpdk"`
	Go        string `json:"go"`      // the Go zcnic was built with
	Zcnic     string `json:"zcnic"`   // zcnic's version
	Testpmd   string `json:"testpmd"` // path
	Hugepages bool   `json:"hugepages"`
	LoadAvg   string `json:"loadavg_at_start"`
	Date      string `json:"date"`
}

// CPUModel is the first "model name" of a /proc/cpuinfo text.
func CPUModel(cpuinfo string) string {
	sc := bufio.NewScanner(strings.NewReader(cpuinfo))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// OSName is PRETTY_NAME of an /etc/os-release text.
func OSName(osRelease string) string {
	for _, l := range strings.Split(osRelease, "\n") {
		if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return runtime.GOOS
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// DescribeMachine gathers the machine's description; zcnic is the
// zcnic binary (asked for its versions and whether hugepages are
// ready) and testpmd dpdk-testpmd's path.
func DescribeMachine(ctx context.Context, zcnic, testpmd string) Machine {
	m := Machine{
		CPUs:    runtime.NumCPU(),
		Kernel:  readTrim("/proc/sys/kernel/osrelease"),
		Testpmd: testpmd,
		Date:    time.Now().UTC().Format(time.RFC3339),
		Go:      runtime.Version(),
	}
	m.CPU = CPUModel(readTrim("/proc/cpuinfo"))
	m.OS = OSName(readTrim("/etc/os-release"))
	if f := strings.Fields(readTrim("/proc/loadavg")); len(f) >= 3 {
		m.LoadAvg = strings.Join(f[:3], " ")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, zcnic, "version", "--json").Output(); err == nil {
		var v map[string]string
		if json.Unmarshal(out, &v) == nil {
			m.DPDK, m.Go, m.Zcnic = v["dpdk"], v["go"], v["zcnic"]
		}
	}
	if out, err := exec.CommandContext(ctx, zcnic, "hugepages", "--json").Output(); err == nil {
		var h struct {
			Ready bool `json:"ready"`
		}
		if json.Unmarshal(out, &h) == nil {
			m.Hugepages = h.Ready
		}
	}
	return m
}
