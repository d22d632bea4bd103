// Package bench runs zcnic's benchmark against dpdk-testpmd: the same
// scenarios on the same EAL settings, forwarding lcore, burst, mempool
// and descriptors, the two programs alternating for several rounds. It
// parses both programs' per-second statistics, takes medians, and
// writes the results as JSON, a Markdown table and a PNG chart.
//
// S5 compares zcnic's software flow rules (zcnic fwd --rules, DPDK's
// librte_acl in the loop) with dpdk-test-acl classifying the same
// generated rule sets and traces (acl.go writes both programs' formats).
//
// S8 measures latency through the forwarder: bench/cmd/zcnic-ping (on
// package bench/ping) pings through dpdk-testpmd, zcnic fwd --latency
// and a bare C join over two memif pairs, open loop at shares of the
// path's measured maximum (s8.go).
//
// The command is bench/cmd/zcnic-bench (make bench, make bench-quick).
package bench
