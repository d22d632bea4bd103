// Package fdlimit checks the process's open-file limit, which DPDK
// needs far more of than a Go program usually does: EAL opens a
// descriptor per hugepage it maps when it runs in memory (one per 2 MiB
// of pools), besides its own files, sockets and the drivers'. Past the
// limit EAL panics (it cannot open /proc/meminfo) or reports the
// failure as a lack of memory.
package fdlimit

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Min is the fewest descriptors zcnic starts EAL with: what a run on two
// net_null ports with a small pool takes (about 30 here), with room.
const Min = 64

// Raise lifts the soft open-file limit to the hard one, as the Go
// runtime does at start (a program may have lowered it since), and
// returns the limit then in force.
func Raise() (uint64, error) {
	var l unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &l); err != nil {
		return 0, fmt.Errorf("getrlimit(RLIMIT_NOFILE): %w", err)
	}
	if l.Cur < l.Max {
		want := l
		want.Cur = l.Max
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &want); err == nil {
			l = want
		}
	}
	return l.Cur, nil
}

// Check raises the limit and says, in an error, when it is below Min.
func Check() error {
	n, err := Raise()
	if err != nil {
		return err
	}
	if n < Min {
		return fmt.Errorf("the open-file limit is %d (ulimit -n), and its hard limit too: DPDK needs at least %d, and one more per 2 MiB hugepage its pools take in memory (a pool of 131071 mbufs: about 190): raise it, e.g. ulimit -n 4096", n, Min)
	}
	return nil
}

// Open counts the process's open descriptors (/proc/self/fd), or -1.
func Open() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents) - 1 // the directory's own
}

// Short says whether need more descriptors would take the process past
// its limit, with the count open and the limit: for an error that may
// come from a lack of descriptors, and not say so.
func Short(need int) (bool, int, uint64) {
	var l unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &l) != nil {
		return false, 0, 0
	}
	n := Open()
	return n >= 0 && uint64(n+need) > l.Cur, n, l.Cur
}
