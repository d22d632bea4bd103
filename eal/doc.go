// Package eal starts and stops DPDK's Environment Abstraction Layer and
// runs Go functions on its lcores.
//
// A process initialises the EAL once, with a Config:
//
//	err := eal.Init(eal.Config{
//		Lcores: []uint{0, 1},          // lcore 0 is main, 1 a worker
//		VDevs:  []string{"net_null0"}, // virtual devices; PCI stays off
//	})
//
// The zero Config is what the zcnic command does: every CPU an lcore,
// runtime state in memory (so copies of a program run side by side), PCI
// off. Init checks hugepages first and, if none are ready, fails with one
// line that says how to reserve them (or set NoHuge). Every DPDK failure
// comes back as an *Error naming the call and the errno text, with what
// the driver logged about it.
//
// DPDK's log goes to log/slog: Config.Logger, or slog.Default(). Which
// messages DPDK writes is Config.LogLevel's choice; FlushLog waits until
// what it wrote has been handed on.
//
// Launch runs a function on a worker lcore; while it runs, its goroutine
// owns the lcore's OS thread, pinned to the lcore's CPU, where
// rte_lcore_id() returns the lcore's id. That is where packet loops go.
// RunOnMain does the same on the main lcore's thread. A panic in either
// comes back as a *PanicError, and the process goes on.
package eal
