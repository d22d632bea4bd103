// Package aslimit checks the process's address-space limit (RLIMIT_AS,
// ulimit -v), which DPDK needs far more of than its memory: EAL reserves
// virtual address space for its whole memory map at start (about 64 GiB
// with hugepages here, a few hundred MiB more than its memory with
// --no-huge), and the Go runtime reserves its own. Under a smaller limit
// EAL fails with "Cannot get a virtual area", which reads like a lack of
// memory, or a thread cannot be created and the process aborts.
//
// aslimit.c checks the limit once more, before the Go runtime starts, in
// every program that links this package: a limit too small for the
// runtime itself ends the process with a message and exit status 1
// rather than the runtime's fatal error and status 2.
package aslimit

import "C"

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Min is the smallest limit under which zcnic does not try to start EAL:
// no configuration of EAL and the Go runtime fits below it (with
// --no-huge and 512 MiB of memory EAL needs about 2 GiB here).
const Min = 2 << 30

// Raise lifts the soft address-space limit to the hard one and returns
// the limit then in force, or 0 when there is none.
func Raise() (uint64, error) {
	var l unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_AS, &l); err != nil {
		return 0, fmt.Errorf("getrlimit(RLIMIT_AS): %w", err)
	}
	if l.Cur < l.Max {
		want := l
		want.Cur = l.Max
		if err := unix.Setrlimit(unix.RLIMIT_AS, &want); err == nil {
			l = want
		}
	}
	if l.Cur == unix.RLIM_INFINITY {
		return 0, nil
	}
	return l.Cur, nil
}

// Check raises the limit and says, in an error, when it is below Min.
func Check() error {
	n, err := Raise()
	if err != nil {
		return err
	}
	if n != 0 && n < Min {
		return fmt.Errorf("%s, and its hard limit too: DPDK's EAL and the Go runtime reserve more address space than that at start (it is not memory they use): raise it, e.g. ulimit -v unlimited", Text(n))
	}
	return nil
}

// Hint is a sentence for an EAL failure that a limit may have caused
// ("Cannot get a virtual area"), or "" when there is no limit.
func Hint() string {
	n, err := Raise()
	if err != nil || n == 0 {
		return ""
	}
	return Text(n) + ": EAL reserves address space for its whole memory map (about 64 GiB with hugepages): raise it, e.g. ulimit -v unlimited"
}

// Text is "the address-space limit is N KiB (ulimit -v)".
func Text(n uint64) string {
	return fmt.Sprintf("the address-space limit is %d KiB (ulimit -v)", n>>10)
}
