// Package mbufcheck lets a checked run (app.Config.Debug) watch the
// frees and allocations package mbuf makes from Go, to catch an mbuf
// freed twice or freed while the loop still owns it. With no checker
// set, which is the normal case, each of those calls costs one atomic
// load and a predictable branch beside its cgo call.
package mbufcheck

import (
	"sync/atomic"
	"unsafe"
)

// Checker is told of mbuf frees and allocations made through package
// mbuf. Its methods run on the caller's thread, concurrently.
type Checker interface {
	// Free is called before call (such as "mbuf.Free") returns m to its
	// pool; false means the free must not happen (it is a misuse the
	// checker has recorded, and freeing would corrupt the pool).
	Free(m unsafe.Pointer, call string) bool
	// Alloc is called for every mbuf taken from a pool.
	Alloc(m unsafe.Pointer)
}

var active atomic.Pointer[Checker]

// Set makes c the checker (nil for none).
func Set(c Checker) {
	if c == nil {
		active.Store(nil)
		return
	}
	active.Store(&c)
}

// Get returns the checker, or nil.
func Get() Checker {
	if p := active.Load(); p != nil {
		return *p
	}
	return nil
}
