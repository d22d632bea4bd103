// Package bench runs zcnic's benchmark against dpdk-testpmd: the same
// scenarios on the same EAL settings, forwarding lcore, burst, mempool
// and descriptors, the two programs alternating for several rounds. It
// parses both programs' per-second statistics, takes medians, and
// writes the results as JSON, a Markdown table and a PNG chart.
//
// The command is bench/cmd/zcnic-bench (make bench, make bench-quick).
package bench
