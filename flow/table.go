package flow

/*
#include <stdlib.h>
#include <rte_cycles.h>
#include "zflow.h"
*/
import "C"

import (
	"fmt"
	"slices"
	"sync"
	"time"
	"unsafe"
)

// Placement says where a table's rules run.
type Placement int

// Placements. Auto tries the NIC for each rule and runs in software the
// rules the NIC refuses; Hardware refuses what the NIC refuses; Software
// never asks the NIC.
const (
	Auto Placement = iota
	Hardware
	Software
)

var placementNames = [...]string{"auto", "hardware", "software"}

// String is "auto", "hardware" or "software".
func (p Placement) String() string {
	if p >= 0 && int(p) < len(placementNames) {
		return placementNames[p]
	}
	return fmt.Sprintf("Placement(%d)", int(p))
}

// ParsePlacement reads "auto", "hardware" or "software".
func ParsePlacement(s string) (Placement, error) {
	for i, n := range placementNames {
		if n == s {
			return Placement(i), nil
		}
	}
	return 0, fmt.Errorf("%w: placement %q: want auto, hardware or software", ErrRule, s)
}

// RuleStats is one rule's state: where it runs, why, and its counters.
type RuleStats struct {
	// Rule is the rule's text (as written, or Rule.String).
	Rule     string
	Priority uint32
	// Placement is where the rule runs: Hardware or Software once the
	// table is on a port; the table's own placement before.
	Placement Placement
	// Reason says why a rule of an Auto table runs in software: the
	// NIC's error text. Empty otherwise.
	Reason string
	// Counted says Hits and Bytes are counted: always in software; on a
	// NIC only for rules with a count action.
	Counted bool
	// Hits and Bytes are the packets the rule matched and their bytes
	// (pkt_len): dropped, marked or only counted.
	Hits, Bytes uint64
	// Drop says the rule drops what it matches: then Hits are its drops.
	Drop bool
}

// ClassifyStats is the software classification's cost on a port: the
// packets classified and the TSC cycles it took (keys, rte_acl_classify
// and the actions), measured once per vector. Hz is the TSC's rate.
type ClassifyStats struct {
	Packets, Cycles, Hz uint64
}

// NsPerPacket is the classification's cost per packet, in ns.
func (c ClassifyStats) NsPerPacket() float64 {
	if c.Packets == 0 || c.Hz == 0 {
		return 0
	}
	return float64(c.Cycles) / float64(c.Packets) * 1e9 / float64(c.Hz)
}

// placed is where one rule of the current set runs.
type placed struct {
	where  Placement
	reason string
	hw     *Flow
	sw     int // index in the software set, or -1
	// base: counts of earlier bindings of this same rule set.
	hits, bytes uint64
}

// Table is a port's rule set, given to the runner with the port
// (app.PortConfig.Rules). It is safe for concurrent use: Stats while
// traffic flows, Replace to swap the rules under traffic.
type Table struct {
	rmu       sync.Mutex // serializes Replace, Bind and Close
	mu        sync.Mutex // guards the fields below
	placement Placement
	rules     []Rule
	placed    []placed
	retired   [][]RuleStats
	b         *Binding
	cls       ClassifyStats // of earlier bindings
}

// NewTable makes a table of rules with a placement. It checks each rule
// (Rule.Validate) and, with Software, refuses what software cannot do
// (queue steering, groups other than 0); what depends on the port (the
// NIC's answer, the number of rx queues) is checked when the table is
// put on a port.
func NewTable(p Placement, rules []Rule) (*Table, error) {
	if p < Auto || p > Software {
		return nil, fmt.Errorf("%w: bad placement %d", ErrRule, int(p))
	}
	t := &Table{placement: p}
	if err := t.check(rules); err != nil {
		return nil, err
	}
	t.rules = slices.Clone(rules)
	t.placed = t.unplaced(len(rules))
	return t, nil
}

// Placement is the table's placement.
func (t *Table) Placement() Placement { return t.placement }

// Rules returns the table's current rules.
func (t *Table) Rules() []Rule {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.rules)
}

// rulePart names rule i of a table in an error: where it was written
// (Rule.Source), or its place in the table.
func rulePart(i int, r *Rule) string {
	if r.Source != "" {
		return r.Source
	}
	return fmt.Sprintf("rule %d", i+1)
}

// softwareErr says why software cannot run r, or nil.
func softwareErr(r *Rule) string {
	switch {
	case r.Actions.HasQueue:
		return "action queue: software cannot steer to an rx queue (no ring to the queue's lcore)"
	case r.Group != 0:
		return fmt.Sprintf("group %d: software runs group 0 only (no jump)", r.Group)
	}
	return ""
}

func (t *Table) check(rules []Rule) error {
	for i := range rules {
		r := &rules[i]
		if err := r.Validate(); err != nil {
			return fmt.Errorf("%s: %w", rulePart(i, r), err)
		}
		if t.placement == Software {
			if why := softwareErr(r); why != "" {
				return ruleErr(rulePart(i, r)+" ("+r.text()+")", "placement software: %s", why)
			}
		}
	}
	return nil
}

func (t *Table) unplaced(n int) []placed {
	p := make([]placed, n)
	for i := range p {
		p[i] = placed{where: t.placement, sw: -1}
		if t.placement == Auto {
			p[i].reason = "not placed yet: the table is not on a port"
		}
	}
	return p
}

// Stats returns each rule's placement and counters, in the order of the
// rules.
func (t *Table) Stats() []RuleStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	var set *C.struct_zf_set
	if t.b != nil {
		set = t.b.set
	}
	return statsOf(t.rules, t.placed, set)
}

func statsOf(rules []Rule, pl []placed, set *C.struct_zf_set) []RuleStats {
	out := make([]RuleStats, len(rules))
	for i := range rules {
		r, p := &rules[i], &pl[i]
		s := RuleStats{
			Rule: r.text(), Priority: r.Priority, Placement: p.where, Reason: p.reason,
			Hits: p.hits, Bytes: p.bytes, Drop: r.Actions.Drop,
		}
		switch {
		case p.where == Software:
			s.Counted = true
			if set != nil && p.sw >= 0 {
				var h, b C.uint64_t
				C.zf_set_count(set, C.uint32_t(p.sw), &h, &b)
				s.Hits += uint64(h)
				s.Bytes += uint64(b)
			}
		case p.where == Hardware && r.Actions.Count:
			s.Counted = true
			if p.hw != nil {
				if h, b, err := p.hw.Query(); err == nil {
					s.Hits += h
					s.Bytes += b
				} else {
					s.Counted = false
				}
			}
		}
		out[i] = s
	}
	return out
}

// Retired returns the final stats of the rule sets Replace took out, in
// order, oldest first.
func (t *Table) Retired() [][]RuleStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.retired)
}

// Classify is the software classification's cost so far.
func (t *Table) Classify() ClassifyStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.cls
	if t.b != nil {
		p, cy := t.b.classified()
		c.Packets += p
		c.Cycles += cy
		c.Hz = t.b.hz
	}
	return c
}

// Replace swaps the table's rules for rules, while traffic flows: the
// new set is placed and compiled aside, then published between the
// loops' turns; every packet is classified by the old set or the new
// one, never by both, and none is lost. The old set is freed once every
// loop has passed a turn without it (a QSBR grace period, librte_rcu).
// NIC rules are created before the old ones are destroyed. On error the
// old rules stay in place.
func (t *Table) Replace(rules []Rule) error {
	if err := t.check(rules); err != nil {
		return err
	}
	rules = slices.Clone(rules)
	// rmu keeps Bind and Close out; mu is only taken to swap, so that
	// Stats is not held up while the NIC is asked and the set compiled.
	t.rmu.Lock()
	defer t.rmu.Unlock()
	t.mu.Lock()
	b := t.b
	if b == nil {
		t.retired = append(t.retired, statsOf(t.rules, t.placed, nil))
		t.rules, t.placed = rules, t.unplaced(len(rules))
		t.mu.Unlock()
		return nil
	}
	t.mu.Unlock()
	pl, err := t.place(rules, b.port, b.rxq)
	if err != nil {
		return err
	}
	set, err := buildSet(rules, pl, b.nslots)
	if err != nil {
		destroyHW(pl)
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old := C.zf_table_publish(b.ct, set)
	b.set = set
	passed := b.grace()
	t.retired = append(t.retired, statsOf(t.rules, t.placed, old))
	destroyHW(t.placed)
	if passed {
		C.zf_set_free(old)
	} else {
		// A loop did not pass a turn in time: keep the old set until
		// the table leaves the port, when no loop runs.
		b.zombies = append(b.zombies, old)
	}
	t.rules, t.placed = rules, pl
	return nil
}

func destroyHW(pl []placed) {
	for i := range pl {
		if pl[i].hw != nil {
			pl[i].hw.Destroy()
			pl[i].hw = nil
		}
	}
}

// place decides where each rule runs on port, creating the NIC's rules
// for Hardware and Auto. On error nothing is left on the NIC.
func (t *Table) place(rules []Rule, port uint16, rxq int) ([]placed, error) {
	pl := make([]placed, len(rules))
	fail := func(err error) ([]placed, error) {
		destroyHW(pl)
		return nil, err
	}
	nsw := 0
	for i := range rules {
		r := &rules[i]
		part := rulePart(i, r) + " (" + r.text() + ")"
		pl[i].sw = -1
		if r.Actions.HasQueue && int(r.Actions.Queue) >= rxq {
			return fail(ruleErr(part, "action queue: index %d is beyond the port's %d rx queues", r.Actions.Queue, rxq))
		}
		if t.placement == Software {
			pl[i].where, pl[i].sw = Software, nsw
			nsw++
			continue
		}
		f, err := Create(port, *r)
		if err == nil {
			pl[i].where, pl[i].hw = Hardware, f
			continue
		}
		reason := err.Error()
		if fe, ok := err.(*Error); ok {
			reason = fe.Reason()
		}
		if t.placement == Hardware {
			return fail(ruleErr(part, "placement hardware: the NIC refused it: %v", err))
		}
		if why := softwareErr(r); why != "" {
			return fail(ruleErr(part, "placement auto: the NIC refused it (%s), and %s", reason, why))
		}
		pl[i].where, pl[i].reason, pl[i].sw = Software, reason, nsw
		nsw++
	}
	return pl, nil
}

// buildSet compiles the software rules of pl into an ACL context.
// rte_flow's order (lowest priority number first, then the first rule
// of that priority) becomes ACL priorities, unique, higher winning.
func buildSet(rules []Rule, pl []placed, nslots int) (*C.struct_zf_set, error) {
	var idx []int
	for i := range pl {
		if pl[i].sw >= 0 {
			idx = append(idx, i)
		}
	}
	order := slices.Clone(idx)
	slices.SortStableFunc(order, func(a, b int) int {
		switch pa, pb := rules[a].Priority, rules[b].Priority; {
		case pa < pb:
			return -1
		case pa > pb:
			return 1
		}
		return 0
	})
	rank := map[int]int{}
	for k, i := range order {
		rank[i] = k
	}
	n := len(idx)
	size := max(n, 1)
	cr := (*[1 << 24]C.struct_zf_rule)(C.calloc(C.size_t(size), C.sizeof_struct_zf_rule))[:size:size]
	prio := (*[1 << 24]C.uint32_t)(C.calloc(C.size_t(size), 4))[:size:size]
	defer C.free(unsafe.Pointer(&cr[0]))
	defer C.free(unsafe.Pointer(&prio[0]))
	for k, i := range idx {
		cr[k] = crule(&rules[i])
		prio[k] = C.uint32_t(n - rank[i])
	}
	var e C.struct_zf_err
	s := C.zf_set_build(&cr[0], &prio[0], C.uint32_t(n), C.uint32_t(nslots), &e)
	if s == nil {
		return nil, fmt.Errorf("%w: software rules: %s", ErrRule, C.GoString(&e.msg[0]))
	}
	return s, nil
}

// Binding is a table on a port in a run: the runner's side of a Table.
// The runner (app.Run) binds a table when it sets the port up, hands
// each loop that polls the port its Loop, calls Online and Offline on
// the loop's own thread around its polling, and Closes the binding
// when the loops have ended.
type Binding struct {
	t       *Table
	port    uint16
	rxq     int
	nslots  int
	hz      uint64
	ct      *C.struct_zf_table
	set     *C.struct_zf_set
	loops   []*C.struct_zf_loop
	zombies []*C.struct_zf_set
}

// Bind puts the table on port (a DPDK port id, configured with rxQueues
// rx queues) for loops loops, each gathering up to vector packets a
// call: rules go to the NIC as the placement says, the software ones are
// compiled. A table is on one port at a time.
func (t *Table) Bind(port uint16, rxQueues, loops, vector int) (*Binding, error) {
	t.rmu.Lock()
	defer t.rmu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.b != nil {
		return nil, fmt.Errorf("%w: the table is already on port %d", ErrRule, t.b.port)
	}
	if vector < 1 || vector > 0xffff {
		return nil, fmt.Errorf("%w: vector %d", ErrRule, vector)
	}
	loops = max(loops, 1)
	pl, err := t.place(t.rules, port, rxQueues)
	if err != nil {
		return nil, err
	}
	b := &Binding{t: t, port: port, rxq: rxQueues, nslots: loops, hz: uint64(C.rte_get_tsc_hz())}
	var e C.struct_zf_err
	if b.ct = C.zf_table_new(C.uint32_t(loops), &e); b.ct == nil {
		destroyHW(pl)
		return nil, fmt.Errorf("%w: %s", ErrRule, C.GoString(&e.msg[0]))
	}
	if b.set, err = buildSet(t.rules, pl, loops); err != nil {
		destroyHW(pl)
		b.free()
		return nil, err
	}
	C.zf_table_publish(b.ct, b.set)
	for i := 0; i < loops; i++ {
		l := C.zf_loop_new(b.ct, C.uint32_t(i), C.uint16_t(vector))
		if l == nil {
			destroyHW(pl)
			b.free()
			return nil, fmt.Errorf("%w: no memory for loop %d's classification scratch", ErrRule, i)
		}
		b.loops = append(b.loops, l)
	}
	// Keep the counts of earlier bindings of these same rules.
	for i := range pl {
		pl[i].hits, pl[i].bytes = t.placed[i].hits, t.placed[i].bytes
	}
	t.placed = pl
	t.b = b
	return b, nil
}

// ClassifyFunc is the C function the runner's turn calls on each vector
// of a bound port (zf_classify, of type zc_classify_fn in app/turn.h),
// with a Loop as its first argument.
func ClassifyFunc() unsafe.Pointer { return C.zf_classify_fn() }

// Loop is loop i's classification state, the first argument of
// ClassifyFunc.
func (b *Binding) Loop(i int) unsafe.Pointer { return unsafe.Pointer(b.loops[i]) }

// Online says loop i starts classifying; call it on the loop's thread
// before its first turn.
func (b *Binding) Online(i int) { C.zf_loop_online(b.loops[i]) }

// Offline says loop i classifies no more (until Online); call it on the
// loop's thread after its last turn that polls the port.
func (b *Binding) Offline(i int) { C.zf_loop_offline(b.loops[i]) }

// graceTimeout bounds how long Replace waits for the loops to pass a
// turn without the old set.
const graceTimeout = 2 * time.Second

// grace waits for a grace period: every online loop has passed a turn.
func (b *Binding) grace() bool {
	tok := C.zf_table_start(b.ct)
	deadline := time.Now().Add(graceTimeout)
	for C.zf_table_check(b.ct, tok) == 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Microsecond)
	}
	return true
}

func (b *Binding) classified() (pkts, cycles uint64) {
	for _, l := range b.loops {
		var p, c C.uint64_t
		C.zf_loop_stats(l, &p, &c)
		pkts += uint64(p)
		cycles += uint64(c)
	}
	return pkts, cycles
}

func (b *Binding) free() {
	for _, l := range b.loops {
		C.zf_loop_free(l)
	}
	b.loops = nil
	if b.ct != nil {
		C.zf_table_publish(b.ct, nil)
	}
	C.zf_set_free(b.set)
	b.set = nil
	for _, z := range b.zombies {
		C.zf_set_free(z)
	}
	b.zombies = nil
	C.zf_table_free(b.ct)
	b.ct = nil
}

// Close takes the table off the port, once no loop runs: the counts so
// far are kept (Stats), the NIC's rules destroyed, the C memory freed.
func (b *Binding) Close() error {
	t := b.t
	t.rmu.Lock()
	defer t.rmu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.b != b {
		return nil
	}
	st := statsOf(t.rules, t.placed, b.set)
	p, c := b.classified()
	t.cls.Packets += p
	t.cls.Cycles += c
	t.cls.Hz = b.hz
	var errs []error
	for i := range t.placed {
		pl := &t.placed[i]
		pl.hits, pl.bytes = st[i].Hits, st[i].Bytes
		if pl.hw != nil {
			if err := pl.hw.Destroy(); err != nil {
				errs = append(errs, err)
			}
			pl.hw = nil
		}
	}
	b.free()
	t.b = nil
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}
