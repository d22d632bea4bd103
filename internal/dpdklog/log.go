// Package dpdklog routes DPDK's log into Go's log/slog, and keeps the
// last lines so that a failed DPDK call can say what the driver said.
//
// DPDK writes its log to a C stream (rte_openlog_stream). Here that
// stream's write callback is C that hands each message, whole, to a pipe;
// it never calls into Go, so it is safe on any thread, DPDK's own
// included. A goroutine reads the pipe, passes every line to the
// slog.Logger and keeps the last ones, tagged with the thread that
// logged them. Lines is how a caller gets what its own thread logged
// during a call: it flushes the pipe first (a marker round trip), so the
// answer is complete. None of this is on a packet path.
package dpdklog

/*
#cgo pkg-config: libdpdk
#include "log.h"
*/
import "C"

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Line is one line of DPDK's log.
type Line struct {
	Seq   uint64 // its number, from 1, in the order read
	Level int    // DPDK's level: 1 (emergency) to 8 (debug)
	TID   int    // the Linux thread that logged it
	Text  string // without its newline
}

// keep is how many lines are kept for Lines.
const keep = 512

var st struct {
	mu      sync.Mutex
	cond    *sync.Cond
	started bool
	logger  *slog.Logger
	lines   []Line // the last keep lines, oldest first
	seq     uint64 // the last line's Seq
	marked  uint32 // the last marker read
	nextMk  uint32 // the last marker written
}

// Start routes DPDK's log to logger (slog.Default() if nil). Call it
// once, before rte_eal_init; later calls only change the logger.
func Start(logger *slog.Logger) error {
	if logger == nil {
		logger = slog.Default()
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.logger = logger
	if st.started {
		return nil
	}
	fd := C.zc_log_open()
	if fd < 0 {
		return os.NewSyscallError("dpdklog: pipe or fopencookie", syscall.Errno(-fd))
	}
	st.started = true
	st.cond = sync.NewCond(&st.mu)
	go read(os.NewFile(uintptr(fd), "dpdk-log"))
	return nil
}

// Started reports whether DPDK's log goes through here.
func Started() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.started
}

// Level is the slog level of a DPDK log level.
func Level(l int) slog.Level {
	switch {
	case l <= 4: // emergency, alert, critical, error
		return slog.LevelError
	case l == 5:
		return slog.LevelWarn
	case l <= 7: // notice, info
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

func read(f *os.File) {
	var h [12]byte
	for {
		if _, err := io.ReadFull(f, h[:]); err != nil {
			return
		}
		n := binary.NativeEndian.Uint32(h[0:])
		level := int(binary.NativeEndian.Uint32(h[4:]))
		tid := binary.NativeEndian.Uint32(h[8:])
		body := make([]byte, n)
		if _, err := io.ReadFull(f, body); err != nil {
			return
		}
		st.mu.Lock()
		if level == 0 {
			st.marked = tid
			st.cond.Broadcast()
			st.mu.Unlock()
			continue
		}
		logger := st.logger
		var out []string
		for _, t := range strings.Split(strings.TrimRight(string(body), "\n"), "\n") {
			if t == "" {
				continue
			}
			st.seq++
			if len(st.lines) == keep {
				st.lines = st.lines[1:]
			}
			st.lines = append(st.lines, Line{Seq: st.seq, Level: level, TID: int(tid), Text: t})
			out = append(out, t)
		}
		st.mu.Unlock()
		for _, t := range out {
			logger.Log(context.Background(), Level(level), t)
		}
	}
}

// flushTimeout bounds a Flush: a marker that did not fit in a full pipe
// never comes back.
const flushTimeout = time.Second

// Flush waits until every message logged so far on the calling thread
// has been read (and passed to the logger).
func Flush() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.started {
		return
	}
	st.nextMk++
	mk := st.nextMk
	if C.zc_log_mark(C.uint32_t(mk)) < 0 {
		return
	}
	deadline := time.Now().Add(flushTimeout)
	timer := time.AfterFunc(flushTimeout, func() {
		st.mu.Lock()
		st.cond.Broadcast()
		st.mu.Unlock()
	})
	defer timer.Stop()
	for int32(st.marked-mk) < 0 && time.Now().Before(deadline) {
		st.cond.Wait()
	}
}

// Mark flushes and returns the Seq of the last line read: Lines(Mark())
// after a call is what the call logged.
func Mark() uint64 {
	Flush()
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.seq
}

// Lines flushes and returns the lines thread tid logged after mark at
// level maxLevel or more severe (4 for errors, 5 with warnings), oldest
// first.
func Lines(mark uint64, tid, maxLevel int) []Line {
	Flush()
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []Line
	for _, l := range st.lines {
		if l.Seq > mark && l.TID == tid && l.Level <= maxLevel {
			out = append(out, l)
		}
	}
	return out
}

// Dropped is how many messages were lost because the pipe was full.
func Dropped() uint64 { return uint64(C.zc_log_dropped()) }

var funcPrefix = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*\(\): `)

// Clean turns a driver's log line into words for an error: without the
// "EAL: " or "function(): " prefix, and without a part repeated right
// after itself, as libpcap's "Couldn't open F: F: No such file".
func Clean(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "EAL: ")
	s = funcPrefix.ReplaceAllString(s, "")
	parts := strings.Split(s, ": ")
	out := parts[:1]
	for _, p := range parts[1:] {
		if strings.HasSuffix(out[len(out)-1], p) {
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ": ")
}

// Said is what thread tid logged since mark, in the driver's own words,
// for the error of the call it made: the error and warning lines,
// cleaned (see Clean), joined by "; ", or "" if there were none. The
// generic lines EAL adds after any failed probe ("Driver cannot attach
// the device") are left out: they say nothing of the cause.
//
// The caller locks its goroutine to its thread (runtime.LockOSThread),
// takes mark := Mark() and tid := unix.Gettid(), makes the call, then
// asks Said(mark, tid).
func Said(mark uint64, tid int) string {
	var own []string
	for _, l := range Lines(mark, tid, 5) {
		if t := Clean(l.Text); t != "" && !isGeneric(t) {
			own = append(own, t)
		}
	}
	return strings.Join(own, "; ")
}

// genericLines are what EAL logs after any failed probe, saying nothing
// of the cause.
var genericLines = []string{
	"Driver cannot attach the device",
	"Failed to attach device on primary process",
	"Bus (vdev) probe failed",
}

func isGeneric(t string) bool {
	for _, g := range genericLines {
		if strings.HasPrefix(t, g) {
			return true
		}
	}
	return false
}
