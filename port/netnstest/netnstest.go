// Package netnstest holds what tests need to put traffic into network
// namespaces they create, and to read a child process's output while it
// runs.
package netnstest

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

// In runs fn on an OS thread moved into the network namespace ns (as
// made by `ip netns add`). Sockets fn creates belong to ns for their
// whole life, whichever thread uses them later. The thread stays locked
// and exits with its goroutine, so it never goes back to the Go
// scheduler in the wrong namespace.
func In(ns string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with us
		f, err := os.Open("/var/run/netns/" + ns)
		if err != nil {
			errc <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns into %s: %w", ns, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// Buffer is a bytes.Buffer that a child process's output copier and the
// test may use at once.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
