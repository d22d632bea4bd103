package eal

/*
#cgo pkg-config: libdpdk
#include <stdint.h>
#include "confine.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Confinement: the CPUs of the worker lcores belong to their loops. Init
// confines every other thread of the process (the Go runtime's, EAL's
// control threads, any the program made) to the control CPUs, as
// dpdk-testpmd's threads are confined to its main lcore's CPU.
//
// Threads made later inherit the affinity of the thread that makes
// them (clone copies it). The Go runtime makes threads from a running
// one, or, when the maker is locked to its thread or runs C code, from
// its template thread, itself made by the first LockOSThread, the main
// lcore's, before EAL started (so confined like the others). A worker
// lcore's goroutine is locked to its thread with LockOSThread while its
// job runs, so that the runtime never makes a thread from there, which
// would inherit the worker's CPU. Launch confines again before each job,
// for threads made by C code.

var confined struct {
	on   bool
	set  unix.CPUSet // the control CPUs
	cpus []int
	// lcoreTids are the threads of the lcores (main and workers): left
	// pinned where EAL put them.
	lcoreTids map[int]bool
	// tids are the lcores' thread ids, by lcore.
	tids map[uint]int
}

// LcoreThread returns the OS thread id (gettid) of an enabled lcore's
// thread, and false for an lcore that is not enabled or before Init.
func LcoreThread(lcore uint) (int, bool) {
	eal.mu.Lock()
	defer eal.mu.Unlock()
	tid, ok := confined.tids[lcore]
	return tid, ok
}

// ControlCPUs returns the CPUs every thread that is not an lcore's is
// confined to: those this process could run on when Init was called
// that no worker lcore uses, or, when the workers use them all, the main
// lcore's (DPDK's rule for its control threads). It returns nil when
// the EAL is not running or Config.NoConfine was set.
func ControlCPUs() []int {
	eal.mu.Lock()
	defer eal.mu.Unlock()
	if !confined.on || eal.state != stateRunning {
		return nil
	}
	return slices.Clone(confined.cpus)
}

// processCPUs is the calling thread's affinity: before Init, the
// process's.
func processCPUs() (unix.CPUSet, error) {
	var s unix.CPUSet
	if err := unix.SchedGetaffinity(0, &s); err != nil {
		return s, fmt.Errorf("eal: sched_getaffinity: %w", err)
	}
	return s, nil
}

// lcoreCPUs is the CPU set of an enabled lcore.
func lcoreCPUs(id uint) []int {
	var mask [1024]C.uint8_t
	C.zc_lcore_cpus(C.uint(id), &mask[0], C.int(len(mask)))
	var cpus []int
	for c, on := range mask {
		if on != 0 {
			cpus = append(cpus, c)
		}
	}
	return cpus
}

// learnThreads reads every lcore's thread id. eal.mu is held; the EAL
// is running.
func learnThreads(mainTid int) error {
	tids := map[uint]int{eal.main: mainTid}
	var err error
	runOnMain(func() {
		for _, l := range eal.lcores {
			if l.Main {
				continue
			}
			var tid C.int
			if r := C.zc_worker_tid(C.uint(l.ID), &tid); r != 0 || tid == 0 {
				err = &Error{Call: "rte_eal_remote_launch", Errno: syscall.Errno(max(-r, 0)), Detail: fmt.Sprintf("reading lcore %d's thread id", l.ID)}
				return
			}
			tids[l.ID] = int(tid)
		}
	})
	if err != nil {
		return err
	}
	confined.tids = tids
	confined.lcoreTids = map[int]bool{}
	for _, t := range tids {
		confined.lcoreTids[t] = true
	}
	return nil
}

// setupConfine works out the control CPUs from the process's CPUs at
// Init (orig), fixes GOMAXPROCS and confines every thread that is not an
// lcore's. eal.mu is held; the EAL is running and learnThreads has run.
func setupConfine(orig unix.CPUSet) error {
	var ctl unix.CPUSet
	ctl.Zero()
	workers := map[int]bool{}
	for _, l := range eal.lcores {
		if !l.Main {
			for _, c := range lcoreCPUs(l.ID) {
				workers[c] = true
			}
		}
	}
	for c := 0; c < len(ctl)*64; c++ {
		if orig.IsSet(c) && !workers[c] {
			ctl.Set(c)
		}
	}
	if ctl.Count() == 0 {
		for _, c := range lcoreCPUs(eal.main) {
			ctl.Set(c)
		}
	}
	// The runtime re-reads GOMAXPROCS from its own threads' affinity
	// (Go 1.25 and later) and would shrink it to the control CPUs,
	// leaving the loops too few Ps. Fix it at its value: unless the
	// user set it, the CPUs the process had, which is the control CPUs
	// and one per worker CPU.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	}
	confined.on, confined.set = true, ctl
	confined.cpus = nil
	for c := 0; c < len(ctl)*64; c++ {
		if ctl.IsSet(c) {
			confined.cpus = append(confined.cpus, c)
		}
	}
	return confineThreads()
}

// confineThreads confines every thread of the process that is not an
// lcore's to the control CPUs: it takes the workers' CPUs out of each
// thread's affinity. eal.mu is held.
func confineThreads() error {
	if !confined.on {
		return nil
	}
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("eal: confining threads: %w", err)
	}
	var errs []error
	for _, e := range ents {
		tid, err := strconv.Atoi(e.Name())
		if err != nil || confined.lcoreTids[tid] {
			continue
		}
		// Keep what the thread allows of the control CPUs (a thread the
		// program pinned to one of them stays there); only a thread
		// left with none gets them all.
		var cur unix.CPUSet
		if err := unix.SchedGetaffinity(tid, &cur); err != nil {
			continue // it ended meanwhile
		}
		want := cur
		for c := 0; c < len(want)*64; c++ {
			if want.IsSet(c) && !confined.set.IsSet(c) {
				want.Clear(c)
			}
		}
		if want == cur {
			continue
		}
		if want.Count() == 0 {
			want = confined.set
		}
		if err := unix.SchedSetaffinity(tid, &want); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("eal: sched_setaffinity(thread %d, CPUs %v): %w", tid, confined.cpus, err))
		}
	}
	return errors.Join(errs...)
}
