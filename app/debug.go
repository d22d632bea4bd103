package app

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/zcnic/zcnic/internal/mbufcheck"
	"github.com/zcnic/zcnic/mbuf"
)

// Checked mode (Config.Debug). The run keeps a debugRun: the mbufs Go
// freed during the run and not seen since, and, for each loop, the burst
// its handler is given and which of its packets the handler freed. Package
// mbuf tells it of every free and allocation made from Go (through
// internal/mbufcheck), and the Ctx calls check themselves against it.
// Everything is under one mutex: this is for tests, not for speed.

// ErrMisuse is wrapped by every *MisuseError.
var ErrMisuse = errors.New("app: misuse")

// MisuseError is a misuse Config.Debug caught: the run stopped, and the
// misused call was not carried out.
type MisuseError struct {
	// Lcore is the loop whose Ctx or packet was misused, or -1 when
	// the call came from no loop's thread and was about no loop's
	// packet (an mbuf freed twice from another goroutine).
	Lcore int
	// Call is the call that was refused: "Ctx.Send", "Ctx.Inject",
	// "mbuf.Free", ...
	Call string
	// Packet is the packet's index in the burst handed to the handler,
	// or -1 if the call was about no packet of the burst.
	Packet int
	// Mbuf is the mbuf's address, 0 if the call was about none.
	Mbuf uintptr
	// Problem says what was wrong.
	Problem string
}

func (e *MisuseError) Error() string {
	s := "app: misuse"
	if e.Lcore >= 0 {
		s += fmt.Sprintf(" on lcore %d", e.Lcore)
	}
	s += ": " + e.Call
	switch {
	case e.Packet >= 0:
		s += fmt.Sprintf(" of packet %d of the burst", e.Packet)
		if e.Mbuf != 0 {
			s += fmt.Sprintf(" (mbuf %#x)", e.Mbuf)
		}
	case e.Mbuf != 0:
		s += fmt.Sprintf(" of mbuf %#x", e.Mbuf)
	}
	return s + ": " + e.Problem
}

// Is makes errors.Is(err, ErrMisuse) true.
func (e *MisuseError) Is(target error) bool { return target == ErrMisuse }

// maxMisuses is how many misuses a run keeps for its error.
const maxMisuses = 8

// A burst packet's state in a checked loop.
const (
	slotLive      = iota
	slotFreedKept // kept, then freed by the handler: fine, it is gone
	slotFreedOwn  // freed while the loop owned it: refused, still the loop's
)

type debugRun struct {
	mu     sync.Mutex
	ctxs   []*Ctx
	freed  map[unsafe.Pointer]string // freed from Go, not seen since: by which call
	errs   []error
	failed chan struct{} // closed at the first misuse
}

// ctxDebug is a loop's share of the checks. While its handler runs,
// the handler's verdicts go to shadow, not to the turn's verdict array:
// end checks them against what the handler freed before it copies them
// there, so that Send, Drop, Keep and the others are the same code, and
// cost the same, with the checks on or off.
type ctxDebug struct {
	run *debugRun
	tid atomic.Int64 // the loop's thread, once it runs
	// The burst the handler has, under run.mu (but shadow, which the
	// handler writes on the loop's thread).
	src    *source
	pkts   []*mbuf.Mbuf
	shadow []int16 // [vector]: the handler's verdicts
	state  []uint8 // [vector]: slotLive, ...
}

func newDebugRun() *debugRun {
	return &debugRun{freed: map[unsafe.Pointer]string{}, failed: make(chan struct{})}
}

func (d *debugRun) newCtx(c *Ctx, vector int) {
	c.dbg = &ctxDebug{run: d, state: make([]uint8, vector), shadow: make([]int16, vector)}
	d.ctxs = append(d.ctxs, c)
}

func (d *debugRun) install()   { mbufcheck.Set(d) }
func (d *debugRun) uninstall() { mbufcheck.Set(nil) }

// errors are the misuses caught.
func (d *debugRun) errors() []error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]error(nil), d.errs...)
}

// record keeps e, and stops the run at the first (d.mu held).
func (d *debugRun) record(e *MisuseError) {
	if len(d.errs) == 0 {
		close(d.failed)
	}
	if len(d.errs) < maxMisuses {
		d.errs = append(d.errs, e)
	}
}

// byThread is the loop running on thread tid, or nil.
func (d *debugRun) byThread(tid int) *Ctx {
	for _, c := range d.ctxs {
		if c.dbg.tid.Load() == int64(tid) {
			return c
		}
	}
	return nil
}

// Free is mbufcheck's: m is about to be freed by call.
func (d *debugRun) Free(m unsafe.Pointer, call string) bool {
	tid := syscall.Gettid()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.ctxs {
		cd := c.dbg
		for i, p := range cd.pkts {
			if unsafe.Pointer(p) != m {
				continue
			}
			if _, gone := d.freed[m]; cd.state[i] == slotFreedKept && !gone {
				continue // freed, then allocated again: another packet now
			}
			e := &MisuseError{Lcore: int(c.lcore), Call: call, Packet: i, Mbuf: uintptr(m)}
			switch {
			case cd.tid.Load() != int64(tid):
				e.Problem = fmt.Sprintf("freed from thread %d, not from its loop's thread (%d), while its handler has it", tid, cd.tid.Load())
			case cd.state[i] != slotLive:
				e.Problem = "freed twice: the handler freed it before"
			case cd.shadow[i] == vKeep:
				cd.state[i] = slotFreedKept
				d.freed[m] = call
				return true
			default:
				cd.state[i] = slotFreedOwn
				e.Problem = fmt.Sprintf("the loop still owns it (no Keep(%d) before): its next turn would free or send it again; drop it with Drop(%d), or Keep(%d) it first", i, i, i)
			}
			d.record(e)
			return false
		}
	}
	if by, ok := d.freed[m]; ok {
		e := &MisuseError{Lcore: -1, Call: call, Packet: -1, Mbuf: uintptr(m),
			Problem: fmt.Sprintf("freed twice: it was freed before (%s) and not allocated or received since", by)}
		if c := d.byThread(tid); c != nil {
			e.Lcore = int(c.lcore)
		}
		d.record(e)
		return false
	}
	d.freed[m] = call
	return true
}

// Alloc is mbufcheck's: m was taken from a pool.
func (d *debugRun) Alloc(m unsafe.Pointer) {
	d.mu.Lock()
	delete(d.freed, m)
	d.mu.Unlock()
}

// begin hands the loop's handler the burst of n packets of source s,
// and returns where its verdicts go.
func (cd *ctxDebug) begin(c *Ctx, s *source, n int) []int16 {
	d := cd.run
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, x := range cd.shadow {
		if x != 0 {
			d.record(&MisuseError{Lcore: int(c.lcore), Call: verdictCall(x, 0), Packet: i,
				Problem: "a verdict given while the loop's handler was not running: from another goroutine, or kept from an earlier call"})
			break
		}
	}
	clear(cd.shadow)
	cd.src, cd.pkts = s, s.pkts[:n]
	clear(cd.state[:n])
	for _, m := range cd.pkts {
		delete(d.freed, unsafe.Pointer(m)) // received: it was allocated again
	}
	return cd.shadow[:n]
}

// end takes the burst back from the handler and hands its verdicts to
// the turn: a packet it freed after Keep stays kept (it is gone), one
// whose free was refused is dropped as unhandled; a verdict given to a
// freed packet is a misuse, and is not carried out.
func (cd *ctxDebug) end(c *Ctx) {
	d := cd.run
	d.mu.Lock()
	defer d.mu.Unlock()
	s := cd.src
	vall := int16(s.s.vall)
	for i := range cd.pkts {
		x := cd.shadow[i]
		switch cd.state[i] {
		case slotLive:
			s.v[i] = x
			continue
		case slotFreedKept:
			if x != vKeep {
				d.record(cd.freedVerdict(c, i, x, vall))
			}
			s.v[i] = vKeep
		case slotFreedOwn:
			if x != 0 || vall != 0 {
				d.record(cd.freedVerdict(c, i, x, vall))
			}
			s.v[i] = dropVerdict(DropUnhandled)
		}
	}
	cd.finish()
}

func (cd *ctxDebug) freedVerdict(c *Ctx, i int, x, vall int16) *MisuseError {
	return &MisuseError{Lcore: int(c.lcore), Call: verdictCall(x, vall), Packet: i, Mbuf: uintptr(unsafe.Pointer(cd.pkts[i])),
		Problem: "a verdict for a packet the handler freed (mbuf.Free): a freed packet takes none"}
}

// abort is end for a handler that panicked: every verdict is lost but
// those of the packets it freed (d.mu not held).
func (cd *ctxDebug) abort() {
	d := cd.run
	d.mu.Lock()
	defer d.mu.Unlock()
	if cd.src == nil {
		return
	}
	for i := range cd.pkts {
		switch cd.state[i] {
		case slotFreedKept:
			cd.src.v[i] = vKeep
		case slotFreedOwn:
			cd.src.v[i] = dropVerdict(DropUnhandled)
		}
	}
	cd.finish()
}

// finish forgets the burst (d.mu held).
func (cd *ctxDebug) finish() {
	clear(cd.shadow)
	clear(cd.state[:len(cd.pkts)])
	cd.src, cd.pkts = nil, nil
}

// verdictCall names the call that gives verdict x (or, for x == 0, the
// burst's verdict vall).
func verdictCall(x, vall int16) string {
	switch {
	case x == 0 && vall > 0:
		return "Ctx.SendAll or Ctx.SendRest"
	case x == 0 && vall < 0:
		return "Ctx.DropAll"
	case x > 0 && x < vRing:
		return "Ctx.Send"
	case x >= vRing && x < vKeep:
		return "Ctx.ToRing"
	case x == vKeep:
		return "Ctx.Keep"
	case x < 0:
		return "Ctx.Drop"
	}
	return "a verdict"
}

// check is the Debug check of call (Ctx.Inject, Ctx.TxRoom) on c, about
// mbuf m (nil for none): it must come from the loop's thread, and m must
// not have been freed. It returns false if the call must not be carried
// out.
func (c *Ctx) check(call string, m *mbuf.Mbuf) bool {
	cd := c.dbg
	tid := syscall.Gettid()
	d := cd.run
	d.mu.Lock()
	defer d.mu.Unlock()
	e := &MisuseError{Lcore: int(c.lcore), Call: call, Packet: -1, Mbuf: uintptr(unsafe.Pointer(m))}
	switch {
	case cd.tid.Load() != int64(tid):
		e.Problem = fmt.Sprintf("called from thread %d, not from the thread of lcore %d (%d): a Ctx is only for its loop's handler and Source", tid, c.lcore, cd.tid.Load())
	case m != nil && d.freed[unsafe.Pointer(m)] != "":
		e.Problem = fmt.Sprintf("the mbuf was freed before (%s)", d.freed[unsafe.Pointer(m)])
	default:
		return true
	}
	d.record(e)
	return false
}
