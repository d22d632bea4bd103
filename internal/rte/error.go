// Package rte holds what every zcnic cgo package shares: the error type
// that turns a failing DPDK call into a Go error.
//
// DPDK reports failure either by returning a negative errno or by setting
// the per-thread rte_errno. Both end up here as an *Error that names the
// call. rte_errno must be read on the thread that made the call, so the
// cgo wrappers in each package read it inside the same C function and pass
// it back; nothing here reads rte_errno on its own.
package rte

/*
#cgo pkg-config: libdpdk
#include <rte_errno.h>
*/
import "C"

import (
	"fmt"
	"strings"
	"syscall"
)

// Error is a failed DPDK call: which call failed, and the errno it gave.
// It unwraps to the syscall.Errno, so errors.Is(err, syscall.ENODEV) works.
type Error struct {
	// Call is the DPDK function that failed, e.g. "rte_eth_dev_configure".
	Call string
	// Errno is the positive error number (a Linux errno or one of DPDK's
	// own, such as E_RTE_NO_CONFIG).
	Errno syscall.Errno
	// Detail is optional context added by zcnic (the port, the device
	// string, the limit that was exceeded).
	Detail string
	// Said is what the driver (or EAL) logged while the call failed, in
	// its own words, if anything.
	Said string
}

// Error returns "call: rte_strerror text", with the detail and what the
// driver said, if any.
func (e *Error) Error() string {
	msg := e.Call + ": " + Strerror(int(e.Errno))
	var more []string
	if e.Detail != "" {
		more = append(more, e.Detail)
	}
	if e.Said != "" {
		more = append(more, "the driver said: "+e.Said)
	}
	if len(more) > 0 {
		msg += " (" + strings.Join(more, "; ") + ")"
	}
	return msg
}

// Unwrap returns the errno so that errors.Is matches syscall errors.
func (e *Error) Unwrap() error { return e.Errno }

// Err returns an *Error for call with the given code, which may be a
// negative return value (-errno) or a positive rte_errno. A zero code
// (DPDK failed without setting rte_errno) becomes EIO rather than nil:
// the caller only calls Err when the call failed.
func Err(call string, code int) error {
	if code < 0 {
		code = -code
	}
	if code == 0 {
		code = int(syscall.EIO)
	}
	return &Error{Call: call, Errno: syscall.Errno(code)}
}

// Errf is Err with a formatted detail.
func Errf(call string, code int, format string, args ...any) error {
	e := Err(call, code).(*Error)
	e.Detail = fmt.Sprintf(format, args...)
	return e
}

// Strerror returns DPDK's text for an errno, covering DPDK's own codes.
func Strerror(errno int) string {
	return C.GoString(C.rte_strerror(C.int(errno)))
}
