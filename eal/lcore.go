package eal

/*
#cgo pkg-config: libdpdk
#include <stdint.h>
#include <rte_launch.h>
#include <rte_lcore.h>

int zc_remote_launch(uintptr_t handle, unsigned int lcore);
*/
import "C"

import (
	"fmt"
	"runtime"
	"runtime/cgo"
	"runtime/debug"
	"syscall"
)

// PanicError is what a Job returns when its function panicked. The
// panic is recovered on the lcore and the process goes on.
type PanicError struct {
	Lcore uint   // where it ran
	Value any    // the value passed to panic
	Stack []byte // the goroutine's stack at the panic
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("eal: function on lcore %d panicked: %v", e.Lcore, e.Value)
}

// Job is a function running on a worker lcore, started by Launch.
type Job struct {
	lcore  uint
	fn     func() error
	err    error
	done   chan struct{}
	waited bool // guarded by eal.mu
}

// Lcore returns the lcore the job runs on.
func (j *Job) Lcore() uint { return j.lcore }

// Done is closed when the function has returned.
func (j *Job) Done() <-chan struct{} { return j.done }

// Wait blocks until the function returns and gives its error, a
// *PanicError if it panicked. After Wait the lcore can take a new job.
// Calling Wait more than once returns the same error.
func (j *Job) Wait() error {
	<-j.done
	eal.mu.Lock()
	defer eal.mu.Unlock()
	if !j.waited {
		j.waited = true
		// The Go side has finished; EAL flips the lcore back to WAIT
		// right after our entry returns. rte_eal_wait_lcore spins, but
		// only for that instant.
		C.rte_eal_wait_lcore(C.uint(j.lcore))
		eal.running--
	}
	return j.err
}

// Launch starts fn on the worker lcore and returns at once. While fn
// runs, its goroutine stays on the lcore's thread: rte_lcore_id() there
// is the lcore's id (so per-lcore mempool caches work) and the thread is
// pinned to the lcore's CPU. A panic in fn is recovered and returned by
// Wait as a *PanicError.
//
// The lcore must be an enabled worker with no job running; the main
// lcore takes functions through RunOnMain instead.
func Launch(lcore uint, fn func() error) (*Job, error) {
	if fn == nil {
		return nil, fmt.Errorf("eal: Launch on lcore %d: nil function", lcore)
	}
	eal.mu.Lock()
	defer eal.mu.Unlock()
	if eal.state != stateRunning {
		return nil, ErrNotInitialized
	}
	if lcore == eal.main {
		return nil, fmt.Errorf("eal: Launch: lcore %d is the main lcore; use RunOnMain", lcore)
	}
	known := false
	for _, l := range eal.lcores {
		known = known || l.ID == lcore
	}
	if !known {
		return nil, fmt.Errorf("eal: Launch: lcore %d is not enabled (workers: %v)", lcore, workerIDs())
	}
	// Threads the program made since Init (C code may make them) leave
	// the workers' CPUs before a loop starts on one.
	if err := confineThreads(); err != nil {
		return nil, err
	}
	j := &Job{lcore: lcore, fn: fn, done: make(chan struct{})}
	h := cgo.NewHandle(j)
	if r := C.zc_remote_launch(C.uintptr_t(h), C.uint(lcore)); r < 0 {
		h.Delete()
		return nil, &Error{Call: "rte_eal_remote_launch", Errno: syscall.Errno(-r), Detail: fmt.Sprintf("lcore %d is busy with another job", lcore)}
	}
	eal.running++
	return j, nil
}

// Run runs fn on the worker lcore and waits for it: Launch, then Wait.
func Run(lcore uint, fn func() error) error {
	j, err := Launch(lcore, fn)
	if err != nil {
		return err
	}
	return j.Wait()
}

// RunOnMain runs fn on the main lcore's thread and waits for it. A panic
// in fn comes back as a *PanicError.
func RunOnMain(fn func() error) error {
	eal.mu.Lock()
	if eal.state != stateRunning {
		eal.mu.Unlock()
		return ErrNotInitialized
	}
	main := eal.main
	eal.mu.Unlock()
	var err error
	runOnMain(func() { err = call(main, fn) })
	return err
}

// runOnMain runs f on the main thread; the EAL must be running.
func runOnMain(f func()) {
	done := make(chan struct{})
	eal.calls <- func() { f(); close(done) }
	<-done
}

// call runs fn, turning a panic into a *PanicError.
func call(lcore uint, fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Lcore: lcore, Value: v, Stack: debug.Stack()}
		}
	}()
	return fn()
}

//export goLcoreEntry
func goLcoreEntry(handle C.uintptr_t) C.int {
	h := cgo.Handle(handle)
	j := h.Value().(*Job)
	h.Delete()
	// Locked so, the runtime makes any thread it needs while this job
	// runs from its template thread, never from this one, whose
	// affinity (the worker's CPU) a new thread would inherit.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	j.err = call(j.lcore, j.fn)
	close(j.done)
	if j.err != nil {
		return -1
	}
	return 0
}

func workerIDs() []uint {
	var w []uint
	for _, l := range eal.lcores {
		if !l.Main {
			w = append(w, l.ID)
		}
	}
	return w
}
