package app

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ErrRunning is the error (wrapped) of a Run started while another is in
// progress in the same process: the second is refused at once, before it
// touches a port, and the first goes on untouched.
//
// One Run at a time, whatever the devices: a process has one EAL, and a
// run's ports, lcores (a Config without Lcores takes the first worker),
// telemetry commands and Debug checks are the EAL's or the process's, not
// the run's. Two runs on disjoint devices would still share those; what
// would run concurrently is better one Run with both sets of ports and
// lcores. Capture, Generate and Forward are Runs too.
var ErrRunning = errors.New("app: another Run is in progress in this process")

// ErrStopTimeout is wrapped by the *StopTimeoutError a Run returns when
// its loops did not stop within Config.StopTimeout.
var ErrStopTimeout = errors.New("app: loops did not stop in time")

// StopTimeoutError is Run's error when one or more loops did not come
// back within Config.StopTimeout of the stop: their handler (or Source)
// blocks. Run then returns without waiting, and abandons the run: the
// stuck lcores' threads are left as they are, and so are the run's
// ports, pool and loop memory, which such a thread still uses. If a
// stuck loop wakes up later, it finds the run stopped: it ends its turn
// on ports that are still started, flushes and returns; once every
// stuck loop has returned, the run is torn down (its ports closed, its
// pool freed) and a new Run may start. Until then every Run in the
// process fails with ErrRunning. A loop that never returns keeps its
// lcore busy, and the EAL cannot be cleaned up: the caller should
// report the error and exit.
type StopTimeoutError struct {
	Lcores  []uint        // the loops that did not come back
	Timeout time.Duration // Config.StopTimeout
}

func (e *StopTimeoutError) Error() string {
	return fmt.Sprintf("app: lcore %s did not stop within %v (StopTimeout): its handler blocks; the run is abandoned: "+
		"its threads, ports and pool are left as they are, torn down only if every stuck loop returns, and until then "+
		"no Run can start in this process; exit it", joinLcores(e.Lcores), e.Timeout)
}

// Is makes errors.Is(err, ErrStopTimeout) true.
func (e *StopTimeoutError) Is(target error) bool { return target == ErrStopTimeout }

func joinLcores(ls []uint) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = fmt.Sprint(l)
	}
	return strings.Join(s, ", ")
}

// The Run in progress in this process, if any.
var current struct {
	mu  sync.Mutex
	run *runSlot
}

// runSlot is a Run's hold on the process.
type runSlot struct {
	since   time.Time
	devices []string
	// Set when the run was abandoned (StopTimeoutError): its lcores
	// that did not come back.
	stuck []uint
	// done is closed when the slot is released; lateErr is then the
	// error of an abandoned run's late teardown.
	done    chan struct{}
	lateErr error
}

// acquireRun takes the process's one run slot for a run of cfg, or says
// which run holds it.
func acquireRun(cfg *Config) (*runSlot, error) {
	current.mu.Lock()
	defer current.mu.Unlock()
	if o := current.run; o != nil {
		if o.stuck != nil {
			return nil, fmt.Errorf("%w (since %s, on devices %s): it was abandoned with lcore %s stuck in its handler; no Run can start until it returns: exit the process",
				ErrRunning, o.since.Format(time.RFC3339), strings.Join(o.devices, ", "), joinLcores(o.stuck))
		}
		return nil, fmt.Errorf("%w (since %s, on devices %s): one Run at a time per process; wait for it to return",
			ErrRunning, o.since.Format(time.RFC3339), strings.Join(o.devices, ", "))
	}
	s := &runSlot{since: time.Now(), done: make(chan struct{})}
	for _, p := range cfg.Ports {
		s.devices = append(s.devices, p.Device)
	}
	current.run = s
	return s, nil
}

// release gives the slot back.
func (s *runSlot) release(lateErr error) {
	current.mu.Lock()
	defer current.mu.Unlock()
	if current.run == s {
		current.run = nil
	}
	s.lateErr = lateErr
	close(s.done)
}

// abandon marks the slot as held by an abandoned run.
func (s *runSlot) abandon(stuck []uint) {
	current.mu.Lock()
	defer current.mu.Unlock()
	s.stuck = stuck
}
