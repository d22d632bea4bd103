package eal

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeCPUs pretends the process may run on the given CPUs.
func fakeCPUs(t *testing.T, cpus ...uint) {
	t.Helper()
	old := allowedCPUs
	allowedCPUs = func() ([]uint, error) { return cpus, nil }
	t.Cleanup(func() { allowedCPUs = old })
}

func TestArgsRendering(t *testing.T) {
	fakeCPUs(t, 0, 1, 2, 3)
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"zero value: all CPUs, in memory, PCI off", Config{},
			[]string{"zcnic", "-l", "0,1,2,3", "--main-lcore", "0", "--in-memory", "--no-pci", "--no-telemetry"}},
		{"lcores sorted, main chosen", Config{Lcores: []uint{3, 1, 2}, MainLcore: 2},
			[]string{"zcnic", "-l", "1,2,3", "--main-lcore", "2", "--in-memory", "--no-pci", "--no-telemetry"}},
		{"lcores mapped onto fewer CPUs", Config{Lcores: []uint{0, 1, 2, 3}, LcoreCPUs: map[uint]int{2: 0, 3: 1}},
			[]string{"zcnic", "--lcores", "0@0,1@1,2@0,3@1", "--main-lcore", "0", "--in-memory", "--no-pci", "--no-telemetry"}},
		{"no-huge gets default memory", Config{Lcores: []uint{0}, NoHuge: true, SharedFiles: true},
			[]string{"zcnic", "-l", "0", "--main-lcore", "0", "-m", "512", "--no-huge", "--no-pci", "--no-telemetry"}},
		{"in-memory under no-huge is no-shconf", Config{Lcores: []uint{0}, NoHuge: true},
			[]string{"zcnic", "-l", "0", "--main-lcore", "0", "-m", "512", "--no-huge", "--no-shconf", "--no-pci", "--no-telemetry"}},
		{"everything", Config{
			Lcores: []uint{0, 1}, MemoryMB: 256, HugeDir: "/dev/hugepages",
			FilePrefix: "zc1",
			VDevs:      []string{"net_null0", "net_pcap0,rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap", "net_ring0,nodeaction=r0:0:CREATE"},
			LogLevel:   "pmd.net.*:debug", ExtraArgs: []string{"--iova-mode=va"}, ProgramName: "fwd",
		}, []string{"fwd", "-l", "0,1", "--main-lcore", "0", "-m", "256", "--huge-dir", "/dev/hugepages",
			"--file-prefix", "zc1", "--in-memory",
			"--vdev", "net_null0", "--vdev", "net_pcap0,rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap",
			"--vdev", "net_ring0,nodeaction=r0:0:CREATE",
			"--no-pci", "--log-level", "pmd.net.*:debug", "--no-telemetry", "--iova-mode=va"}},
		{"PCI opt-in replaces --no-pci", Config{Lcores: []uint{0}, PCIAllow: []string{"0000:03:00.0", "04:00.1,rxq=[0,1]"}, LogLevel: "7"},
			[]string{"zcnic", "-l", "0", "--main-lcore", "0", "--in-memory", "-a", "0000:03:00.0", "-a", "04:00.1,rxq=[0,1]", "--log-level", "7", "--no-telemetry"}},
		{"single-file segments for memif zero-copy", Config{Lcores: []uint{0}, SingleFileSegments: true, VDevs: []string{"net_memif0,zero-copy=yes"}},
			[]string{"zcnic", "-l", "0", "--main-lcore", "0", "--in-memory", "--single-file-segments", "--vdev", "net_memif0,zero-copy=yes", "--no-pci", "--no-telemetry"}},
		{"single-file segments in memory may unlink", Config{Lcores: []uint{0}, SingleFileSegments: true, ExtraArgs: []string{"--huge-unlink"}},
			[]string{"zcnic", "-l", "0", "--main-lcore", "0", "--in-memory", "--single-file-segments", "--no-pci", "--no-telemetry", "--huge-unlink"}},
		{"single-file segments keep files with huge-unlink=never", Config{Lcores: []uint{0}, SingleFileSegments: true, SharedFiles: true, ExtraArgs: []string{"--huge-unlink=never"}},
			[]string{"zcnic", "-l", "0", "--main-lcore", "0", "--single-file-segments", "--no-pci", "--no-telemetry", "--huge-unlink=never"}},
		{"memif copy mode needs nothing", Config{Lcores: []uint{0}, VDevs: []string{"net_memif0,zero-copy=no"}},
			[]string{"zcnic", "-l", "0", "--main-lcore", "0", "--in-memory", "--vdev", "net_memif0,zero-copy=no", "--no-pci", "--no-telemetry"}},
		{"telemetry kept on request", Config{Lcores: []uint{0}, Telemetry: true},
			[]string{"zcnic", "-l", "0", "--main-lcore", "0", "--in-memory", "--no-pci"}},
		{"attachable primary", Config{Lcores: []uint{0}, FilePrefix: "fwd1", Attachable: true},
			[]string{"zcnic", "-l", "0", "--main-lcore", "0", "--file-prefix", "fwd1", "--no-pci", "--no-telemetry"}},
		{"secondary", Config{Lcores: []uint{0}, FilePrefix: "fwd1", ProcType: ProcSecondary},
			[]string{"zcnic", "-l", "0", "--main-lcore", "0", "--file-prefix", "fwd1", "--proc-type", "secondary", "--no-pci", "--no-telemetry"}},
		{"auto", Config{Lcores: []uint{0}, ProcType: ProcAuto},
			[]string{"zcnic", "-l", "0", "--main-lcore", "0", "--proc-type", "auto", "--no-pci", "--no-telemetry"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.cfg.Args()
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestArgsValidation(t *testing.T) {
	fakeCPUs(t, 0, 1)
	tests := []struct {
		name, field, msg string
		cfg              Config
	}{
		{"lcore twice", "Lcores", "listed twice", Config{Lcores: []uint{1, 1}}},
		{"lcore beyond RTE_MAX_LCORE", "Lcores", "out of range", Config{Lcores: []uint{MaxLcore}}},
		{"lcore without CPU", "Lcores", "no CPU 5", Config{Lcores: []uint{0, 5}}},
		{"main not listed", "MainLcore", "not in Lcores", Config{Lcores: []uint{0}, MainLcore: 1}},
		{"lcore on a CPU not allowed", "LcoreCPUs", "lcore 2 on CPU 7", Config{Lcores: []uint{0, 2}, LcoreCPUs: map[uint]int{2: 7}}},
		{"mapped lcore not listed", "LcoreCPUs", "lcore 3 is not in Lcores", Config{Lcores: []uint{0, 1}, LcoreCPUs: map[uint]int{3: 0}}},
		{"negative memory", "MemoryMB", "negative", Config{MemoryMB: -1}},
		{"huge dir with no-huge", "HugeDir", "NoHuge", Config{NoHuge: true, HugeDir: "/dev/hugepages"}},
		{"file prefix with slash", "FilePrefix", "no '/' or spaces", Config{FilePrefix: "a/b"}},
		{"file prefix too long", "FilePrefix", "1 to 64", Config{FilePrefix: strings.Repeat("p", 65)}},
		{"attachable without prefix", "Attachable", "needs a FilePrefix", Config{Attachable: true}},
		{"attachable without hugepages", "Attachable", "NoHuge", Config{Attachable: true, FilePrefix: "p", NoHuge: true}},
		{"attachable secondary", "Attachable", "only a primary", Config{Attachable: true, FilePrefix: "p", ProcType: ProcSecondary}},
		{"unknown proc type", "ProcType", "is not ProcPrimary", Config{ProcType: 7}},
		{"empty vdev", "VDevs", "empty", Config{VDevs: []string{""}}},
		{"vdev without index", "VDevs", "driver name and an index", Config{VDevs: []string{"net_null"}}},
		{"vdev with space", "VDevs", "driver name and an index", Config{VDevs: []string{"net null0"}}},
		{"vdev arg without value", "VDevs", "not key=value", Config{VDevs: []string{"net_pcap0,rx_pcap"}}},
		{"vdev arg without key", "VDevs", "not key=value", Config{VDevs: []string{"net_pcap0,=x"}}},
		{"vdev trailing comma", "VDevs", "not key=value", Config{VDevs: []string{"net_null0,"}}},
		{"vdev twice", "VDevs", "appears twice", Config{VDevs: []string{"net_null0", "net_null0,size=64"}}},
		{"bad PCI address", "PCIAllow", "not a PCI address", Config{PCIAllow: []string{"eth0"}}},
		{"bad log level", "LogLevel", "must be one of", Config{LogLevel: "loud"}},
		{"log level out of range", "LogLevel", "1-8", Config{LogLevel: "9"}},
		{"single-file segments with huge-unlink", "SingleFileSegments", "--huge-unlink", Config{SingleFileSegments: true, SharedFiles: true, ExtraArgs: []string{"--huge-unlink"}}},
		{"single-file segments with huge-unlink=always", "SingleFileSegments", "--huge-unlink", Config{SingleFileSegments: true, SharedFiles: true, ExtraArgs: []string{"--huge-unlink=always"}}},
		{"memif zero-copy without single-file segments", "VDevs", "SingleFileSegments", Config{VDevs: []string{"net_memif0,role=client,zero-copy=yes"}}},
		{"no-pci with PCI allow", "ExtraArgs", "contradicts", Config{PCIAllow: []string{"0000:03:00.0"}, ExtraArgs: []string{"--no-pci"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.cfg.Args()
			var ce *ConfigError
			require.True(t, errors.As(err, &ce), "want a *ConfigError, got %v", err)
			assert.Equal(t, tc.field, ce.Field)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Contains(t, err.Error(), "Config."+tc.field)
		})
	}
}

// The zero value runs in memory, as the zcnic command does, so that two
// copies of a program written from the README do not collide; shared
// files are asked for, or implied by what needs them.
func TestZeroValueInMemory(t *testing.T) {
	fakeCPUs(t, 0)
	for _, c := range []struct {
		name   string
		cfg    Config
		memory bool
	}{
		{"zero value", Config{}, true},
		{"a prefix alone (telemetry)", Config{FilePrefix: "p"}, true},
		{"shared files asked for", Config{SharedFiles: true}, false},
		{"attachable", Config{FilePrefix: "p", Attachable: true}, false},
		{"secondary", Config{ProcType: ProcSecondary}, false},
		{"auto", Config{ProcType: ProcAuto}, false},
	} {
		args, err := c.cfg.Args()
		require.NoError(t, err, c.name)
		assert.Equal(t, c.memory, slices.Contains(args, "--in-memory"), "%s: %v", c.name, args)
		assert.Equal(t, c.memory, c.cfg.InMemory(), c.name)
	}
}
