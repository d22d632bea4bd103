package eal

import "github.com/zcnic/zcnic/internal/dpdklog"

// FlushLog waits until what DPDK logged so far has reached
// Config.Logger: call it before printing a last error and exiting, so
// that the log comes first.
func FlushLog() { dpdklog.Flush() }
