package eal

// MaxLcore is the number of lcores DPDK was built for (RTE_MAX_LCORE);
// lcore ids run from 0 to MaxLcore-1. Debian's arm64 DPDK (the generic
// armv8 build) is built for 256, its x86-64 DPDK for 128; eal.go checks
// the value against the headers at compile time.
const MaxLcore = 256 // RTE_MAX_LCORE
