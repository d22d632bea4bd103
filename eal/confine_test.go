package eal_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/zcnic/zcnic/eal"
)

// threadCPUs reads every thread of this process and the CPUs it may run
// on (Cpus_allowed_list), by thread id.
func threadCPUs(t *testing.T) map[int][]int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/task")
	require.NoError(t, err)
	out := map[int][]int{}
	for _, e := range ents {
		tid, err := strconv.Atoi(e.Name())
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join("/proc/self/task", e.Name(), "status"))
		if err != nil {
			continue // it ended meanwhile
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
				out[tid] = parseCPUList(t, strings.TrimSpace(v))
			}
		}
	}
	return out
}

// parseCPUList reads a kernel CPU list: "0-2,5".
func parseCPUList(t *testing.T, s string) []int {
	var cpus []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, rng := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		require.NoError(t, err, s)
		b := a
		if rng {
			b, err = strconv.Atoi(hi)
			require.NoError(t, err, s)
		}
		for c := a; c <= b; c++ {
			cpus = append(cpus, c)
		}
	}
	return cpus
}

// The forwarding CPUs are the loops': while a job runs on a worker and
// the runtime grows new threads (goroutines blocked in system calls,
// and the worker's own goroutine blocking too, so that the runtime
// hands its P to a new thread from there), no thread but the workers'
// may run on a worker's CPU, threads made after Init included.
func TestConfinementKeepsWorkerCPUsForTheLoops(t *testing.T) {
	workers := eal.Workers()
	if len(workers) == 0 {
		t.Skip("no worker lcore: this machine has one CPU")
	}
	ctl := eal.ControlCPUs()
	require.NotEmpty(t, ctl, "confinement is on by default")
	workerCPU := map[int]uint{}
	workerTid := map[int]bool{}
	for _, l := range eal.Lcores() {
		if l.Main {
			continue
		}
		workerCPU[l.CPU] = l.ID
		tid, ok := eal.LcoreThread(l.ID)
		require.True(t, ok, "lcore %d", l.ID)
		workerTid[tid] = true
	}
	for _, c := range ctl {
		_, onWorker := workerCPU[c]
		assert.False(t, onWorker, "control CPU %d is a worker's (control CPUs %v)", c, ctl)
	}
	before := len(threadCPUs(t))

	// Goroutines blocked in system calls each hold a thread: the
	// runtime must start new ones to run the others.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 2*runtime.GOMAXPROCS(0)+4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				ts := unix.NsecToTimespec(int64(20 * time.Millisecond))
				unix.Nanosleep(&ts, nil)
			}
		}()
	}
	var grown map[int][]int
	err := eal.Run(workers[0], func() error {
		// Blocking system calls on the worker: its P goes to another
		// thread, started (if none is idle) on the worker's behalf.
		for i := 0; i < 20; i++ {
			ts := unix.NsecToTimespec(int64(5 * time.Millisecond))
			unix.Nanosleep(&ts, nil)
			go func() { // and more goroutines to run elsewhere
				ts := unix.NsecToTimespec(int64(30 * time.Millisecond))
				unix.Nanosleep(&ts, nil)
			}()
		}
		grown = threadCPUs(t)
		return nil
	})
	close(stop)
	wg.Wait()
	require.NoError(t, err)
	assert.Greater(t, len(grown), before, "the runtime started threads during the test (%d before)", before)
	for tid, cpus := range grown {
		if workerTid[tid] {
			continue
		}
		for _, c := range cpus {
			if l, ok := workerCPU[c]; ok {
				comm, _ := os.ReadFile(filepath.Join("/proc/self/task", strconv.Itoa(tid), "comm"))
				t.Errorf("thread %d (%s) may run on CPU %d, worker lcore %d's (allowed: %v; control CPUs %v)", tid, strings.TrimSpace(string(comm)), c, l, cpus, ctl)
			}
		}
	}
}

// GOMAXPROCS stays what it was at Init: the runtime would otherwise
// shrink it to the control CPUs it sees from its own threads.
func TestConfinementKeepsGOMAXPROCS(t *testing.T) {
	if len(eal.Workers()) == 0 {
		t.Skip("no worker lcore")
	}
	n := runtime.GOMAXPROCS(0)
	assert.GreaterOrEqual(t, n, len(eal.ControlCPUs())+len(eal.Workers()), "a P for each worker and each control CPU")
}

// A thread the program pinned to a control CPU stays there; one it
// pinned to a worker's CPU is moved off it when a job launches.
func TestConfinementKeepsPinsOnControlCPUs(t *testing.T) {
	workers := eal.Workers()
	if len(workers) == 0 {
		t.Skip("no worker lcore")
	}
	ctl := eal.ControlCPUs()
	var workerCPU int
	for _, l := range eal.Lcores() {
		if l.ID == workers[0] {
			workerCPU = l.CPU
		}
	}
	pin := func(cpu int) (tid int, release func()) {
		ready, done := make(chan int), make(chan struct{})
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var s unix.CPUSet
			s.Set(cpu)
			require.NoError(t, unix.SchedSetaffinity(0, &s))
			ready <- unix.Gettid()
			<-done
		}()
		return <-ready, func() { close(done) }
	}
	onCtl, release1 := pin(ctl[0])
	defer release1()
	onWorker, release2 := pin(workerCPU)
	defer release2()
	require.NoError(t, eal.Run(workers[0], func() error { return nil }))
	cpus := threadCPUs(t)
	assert.Equal(t, []int{ctl[0]}, cpus[onCtl], "pinned to a control CPU: kept")
	assert.Equal(t, ctl, cpus[onWorker], "pinned to a worker's CPU: moved to the control CPUs")
}
