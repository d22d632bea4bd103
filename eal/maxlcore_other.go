//go:build !arm64

package eal

// MaxLcore is the number of lcores DPDK was built for (RTE_MAX_LCORE);
// lcore ids run from 0 to MaxLcore-1. Debian's x86-64 DPDK is built for
// 128 (its arm64 DPDK for 256, maxlcore_arm64.go); eal.go checks the
// value against the headers at compile time.
const MaxLcore = 128 // RTE_MAX_LCORE
