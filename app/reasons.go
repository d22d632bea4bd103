package app

/*
#include <stdlib.h>
#include "turn.h"
#include "telemetry.h"
*/
import "C"

import (
	"fmt"
	"regexp"
	"sync"
	"unsafe"
)

// DropReason says why a packet was dropped: a built-in reason, or one
// the program named with NewDropReason. Every reason is counted apart
// (LcoreCounters.Drops, by reason), and named so in zcnic's summary, its
// live line, /metrics and telemetry.
type DropReason int

// The built-in drop reasons, the values the loop's C turn counts under
// (turn.h). Handlers use DropFiltered, DropMalformed, DropTTL and
// DropNoRoute, or reasons of their own from NewDropReason.
const (
	DropUnhandled   DropReason = iota // the handler gave the packet no (valid) verdict
	DropTxFull                        // the output queue stayed full
	DropFiltered                      // the handler dropped it on purpose
	DropMalformed                     // the packet did not parse
	DropTTL                           // TTL or hop limit ran out
	DropNoRoute                       // no output for it
	DropRule                          // a flow rule's drop action (PortConfig.Rules, in software)
	DropWriteFailed                   // received after its capture's output failed (Capture)
	// DropUser is the first reason NewDropReason hands out.
	DropUser
	// NumDropReasons bounds every reason: the counters are an array of
	// this many.
	NumDropReasons = DropUser + MaxUserReasons
)

// MaxUserReasons is how many reasons NewDropReason can name in a
// process.
const MaxUserReasons = 16

// The values above are turn.h's: each line fails to compile if they
// differ.
var (
	_ = [1]struct{}{}[DropUnhandled-C.ZC_DROP_UNHANDLED]
	_ = [1]struct{}{}[DropTxFull-C.ZC_DROP_TXFULL]
	_ = [1]struct{}{}[DropFiltered-C.ZC_DROP_FILTERED]
	_ = [1]struct{}{}[DropMalformed-C.ZC_DROP_MALFORMED]
	_ = [1]struct{}{}[DropTTL-C.ZC_DROP_TTL]
	_ = [1]struct{}{}[DropNoRoute-C.ZC_DROP_NOROUTE]
	_ = [1]struct{}{}[DropRule-C.ZC_DROP_RULE]
	_ = [1]struct{}{}[DropWriteFailed-C.ZC_DROP_WRITE]
	_ = [1]struct{}{}[DropUser-C.ZC_DROP_USER]
	_ = [1]struct{}{}[NumDropReasons-C.ZC_NREASONS]
)

var builtinNames = [DropUser]string{"unhandled", "tx_full", "filtered", "malformed", "ttl", "no_route", "rule", "write_failed"}

var userReasons struct {
	mu    sync.Mutex
	names [NumDropReasons - DropUser]string
	n     int
}

var reasonNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// NewDropReason returns a drop reason of the program's own, named name
// ("firewall", "not_ipv4"): a handler drops with it as with a built-in
// one (Ctx.Drop), at the same cost, and the counts show under that name.
// Calling it again with a name it has given returns the same reason. A
// name is 1 to 32 lower-case letters, digits and '_', starting with a
// letter (it becomes a Prometheus label value and a telemetry key), and
// not a built-in's. A process has MaxUserReasons of them.
func NewDropReason(name string) (DropReason, error) {
	if !reasonNameRe.MatchString(name) {
		return 0, cfgErr("drop reason %q: use 1 to 32 of a-z, 0-9 and '_', starting with a letter", name)
	}
	for _, b := range builtinNames {
		if b == name {
			return 0, cfgErr("drop reason %q is a built-in one (Drop%s)", name, name)
		}
	}
	userReasons.mu.Lock()
	defer userReasons.mu.Unlock()
	for i := 0; i < userReasons.n; i++ {
		if userReasons.names[i] == name {
			return DropUser + DropReason(i), nil
		}
	}
	if userReasons.n == MaxUserReasons {
		return 0, cfgErr("drop reason %q: all %d reasons of a process are named already (%v)", name, MaxUserReasons, userReasons.names)
	}
	i := userReasons.n
	userReasons.names[i] = name
	userReasons.n++
	cs := C.CString(name)
	C.zc_tel_name_reason(C.int(DropUser)+C.int(i), cs)
	C.free(unsafe.Pointer(cs))
	return DropUser + DropReason(i), nil
}

// MustDropReason is NewDropReason that panics on a bad name, for
// package-level variables:
//
//	var dropFirewall = app.MustDropReason("firewall")
func MustDropReason(name string) DropReason {
	r, err := NewDropReason(name)
	if err != nil {
		panic(err)
	}
	return r
}

// Named reports whether r is a built-in reason or one NewDropReason
// named: the reasons summaries and metrics list even when nothing was
// dropped for them.
func (r DropReason) Named() bool {
	if r >= 0 && r < DropUser {
		return true
	}
	if r < DropUser || r >= NumDropReasons {
		return false
	}
	userReasons.mu.Lock()
	defer userReasons.mu.Unlock()
	return int(r-DropUser) < userReasons.n
}

// String is the reason's name: a built-in's ("ttl"), the name given to
// NewDropReason, "userN" for a reason from DropUser on that was never
// named, and "drop(N)" for a value that is no reason.
func (r DropReason) String() string {
	switch {
	case r >= 0 && r < DropUser:
		return builtinNames[r]
	case r >= DropUser && r < NumDropReasons:
		userReasons.mu.Lock()
		defer userReasons.mu.Unlock()
		if n := userReasons.names[r-DropUser]; n != "" {
			return n
		}
		return fmt.Sprintf("user%d", int(r-DropUser))
	}
	return fmt.Sprintf("drop(%d)", int(r))
}
