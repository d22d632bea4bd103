// Package ealtest starts the EAL the way every zcnic test binary needs
// it: once per process, from TestMain, with PCI off and runtime state kept
// in memory so that package test binaries can run side by side.
//
// When no hugepages are ready, or ZCNIC_NO_HUGE=1 is set, it falls back
// to --no-huge and says so loudly on stderr, with ZCNIC_NO_HUGE_REASON
// when that says why (ci/arm64.sh: under qemu-user), and with
// ZCNIC_NO_HUGE_MB MiB of memory instead of eal.NoHugeDefaultMB.
package ealtest

import (
	"fmt"
	"os"
	"strconv"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/hugepages"
)

// Config returns the EAL config for a test binary: every allowed CPU as
// an lcore, --in-memory, --no-pci, warnings only, the given vdevs, and
// NoHuge when hugepages are not ready (or ZCNIC_NO_HUGE=1).
func Config(vdevs ...string) eal.Config {
	cfg := eal.Config{
		VDevs:       vdevs,
		LogLevel:    "warning",
		ProgramName: "zcnic-test",
	}
	if os.Getenv("ZCNIC_NO_HUGE") == "1" {
		why := "ZCNIC_NO_HUGE=1"
		if r := os.Getenv("ZCNIC_NO_HUGE_REASON"); r != "" {
			why += " (" + r + ")"
		}
		cfg.NoHuge = true
		if mb, err := strconv.Atoi(os.Getenv("ZCNIC_NO_HUGE_MB")); err == nil && mb > 0 {
			cfg.MemoryMB = mb // instead of eal.NoHugeDefaultMB
			why += fmt.Sprintf(", -m %d", mb)
		}
		fmt.Fprintf(os.Stderr, "ealtest: %s: running EAL with --no-huge\n", why)
	} else if err := eal.Preflight(&cfg, hugepages.Default); err != nil {
		fmt.Fprintf(os.Stderr, "ealtest: WARNING: FALLING BACK TO --no-huge: %v\n", err)
		cfg.NoHuge = true
	}
	return cfg
}

// Init starts the EAL with Config(vdevs...). A test binary calls it
// once, from TestMain, and exits non-zero if it fails.
func Init(vdevs ...string) error {
	if err := eal.Init(Config(vdevs...)); err != nil {
		return fmt.Errorf("ealtest: %w", err)
	}
	return nil
}
