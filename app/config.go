package app

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/flow"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/port"
)

// PortConfig is one port the runner sets up.
type PortConfig struct {
	// Device is a device name ("net_null0", "0000:03:00.0") or a devargs
	// string to hot-plug ("net_pcap0,rx_pcap=in.pcap"). A name that is
	// not already a port is attached.
	Device string
	// RxDesc and TxDesc are descriptors per queue; 0 for the default.
	RxDesc, TxDesc int
	// MTU, if not 0, is set on the port.
	MTU int
	// Promiscuous turns promiscuous mode on.
	Promiscuous bool
	// RSSHash spreads packets over rx queues (port.RSSIP, ...).
	RSSHash uint64
	// TxOffloads requests tx offloads (port.TxOffload...).
	TxOffloads uint64
	// Rules, if set, are the port's flow rules, placed as the table
	// says (on the NIC with rte_flow, or in software in the loops that
	// poll the port, before the handler sees a packet: drops never reach
	// it, marks are in the mbufs). The table stays usable while the run
	// goes: Stats, and Replace to swap the rules under traffic. A table
	// is on one port at a time.
	Rules *flow.Table
}

// Queue names an rx queue: the index of a port in Config.Ports and the
// queue number on it.
type Queue struct {
	Port  int
	Queue int
}

// LcoreConfig says which rx queues an lcore polls, round robin. An lcore
// that is the consumer (RingConfig.To) of rings polls those too, after
// its queues; such an lcore may poll no queue at all.
type LcoreConfig struct {
	Lcore uint
	Rx    []Queue
	// NoTx says the loop transmits nothing (a pipeline's rx stage,
	// which hands every packet to rings): it gets no tx queue, which
	// matters on devices with few, and Send on it is DropNoRoute.
	NoTx bool
}

// RingConfig is a ring between loops, a stage boundary of a pipeline:
// the handlers on the From lcores hand packets to it with Ctx.ToRing,
// and the To lcore receives them in bursts from it, as from an rx
// queue. Ownership passes with the packets; nothing is copied. Rings
// must not form a cycle, so that a stop can drain them in order.
type RingConfig struct {
	// From are the lcores that may hand packets to the ring. With one
	// producer the ring is single-producer (cheaper).
	From []uint
	// To is the one lcore that polls the ring.
	To uint
	// Size is how many mbufs the ring holds (default 1024).
	Size int
}

// Config describes a whole run: EAL, mbuf pool, ports, lcore loops.
type Config struct {
	// EAL starts the EAL if it is not running yet (one per process).
	EAL eal.Config
	// Ports are set up in order; their index is their number in Queue
	// and Ctx.Send.
	Ports []PortConfig
	// Lcores are the loops. Empty means one loop, on the first worker
	// lcore (or the main lcore if there is none), polling queue 0 of
	// every port.
	Lcores []LcoreConfig
	// Rings connect loops into a pipeline; their index is their number
	// in Ctx.ToRing. Every lcore they name must be in Lcores.
	Rings []RingConfig
	// PoolSize is the number of mbufs; 0 sizes the pool from the queues
	// and lcores. PoolCache is the per-lcore cache (0 means 256).
	PoolSize, PoolCache int
	// DataRoom is each mbuf's buffer, headroom included; 0 for 2176.
	DataRoom int
	// Burst is the receive burst size: nb_pkts of each rx call (default
	// 32, at most 512).
	Burst int
	// Vector is how many packets a loop gathers from one source (an rx
	// queue or a ring) in a turn, in rx calls of Burst packets, stopping
	// at the first short one; the handler sees up to Vector packets a
	// call. A larger vector spreads the loop's fixed costs (the cgo
	// crossing, the handler call) over more packets. 0 means
	// DefaultVector, or Burst if that is larger; at most 1024, and not
	// below Burst.
	Vector int
	// CountBytes counts bytes per packet in the loop (PortCounters'
	// LoopRxBytes and LoopTxBytes). Off, those stay 0 and byte rates come from
	// the ports' own counters (port.Stats), which is free; turn it on for
	// drivers that count no bytes, such as net_null. It costs a read of
	// every packet's length on rx and on tx.
	CountBytes bool
	// Latency times, in each loop, how long the packets it receives stay
	// in it, from rx to tx (LcoreCounters.Latency): two TSC reads per
	// received vector, in C, into a histogram in C memory. Off, it costs
	// a predictable branch.
	Latency bool
	// StopWhenIdle, if not 0, ends the run at the end of its input: once
	// no rx queue has received a packet for this long. A run whose every
	// polled port reads a finite input (a net_pcap port replaying its
	// rx_pcap files once, without infinite_rx, or a tx-only net_pcap
	// port) ends as soon as every record of those files has been
	// received, without waiting: the runner counts the files' records
	// before it starts. The wait remains the bound if a record never
	// arrives (the driver refused a frame). Result.Idle says the run
	// ended so. 0 runs until the context is done.
	StopWhenIdle time.Duration
	// StatsInterval, with OnStats, reports progress while running.
	StatsInterval time.Duration
	// OnStats is called every StatsInterval with a snapshot.
	OnStats func(Snapshot)
	// OnReady, if set, is called once the ports are started and before
	// the loops run, with the ports in Config order: the place to read
	// their MACs or other info a handler needs.
	OnReady func(ports []*port.Port) error
	// Name prefixes the pool's name, so that several runs in one
	// process do not collide (default "zcnic").
	Name string
	// Source, if set, is called by every loop once per turn, on the
	// loop's lcore, before the turn's crossing: the place for a
	// generator to allocate packets from Ctx.Pool and queue them with
	// Ctx.Inject, which that same crossing transmits. With a Source an
	// lcore may poll no rx queue (LcoreConfig.Rx empty): its turns then
	// only transmit. Like a Handler it must not block, and should not
	// allocate.
	Source func(c *Ctx)
	// Debug checks how the handler (and the Source) use the loop and
	// its packets, as DPDK's RTE_LIBRTE_MBUF_DEBUG checks mbufs: a
	// verdict (Send, Drop, Keep, ToRing, SendAll, ...) for a packet the
	// handler freed; an mbuf freed twice, or a packet of the burst
	// freed while the loop still owns it (no Keep before the Free); a
	// Ctx used from a thread other than its lcore's (Ctx.Inject from
	// another goroutine). The first misuse stops the run: Run returns
	// an error wrapping ErrMisuse, a *MisuseError that names the lcore,
	// the call, the packet's index in the burst and the mbuf's address.
	// The misused call is not carried out (a free that would free twice
	// is refused), so that the pool still counts right and nothing
	// crashes. While a Debug run goes, every mbuf.Free in the process
	// is checked. It costs a system call (gettid) and a lock per checked
	// call, and a few per burst: for development and tests. Off, the
	// only cost is a predictable branch per Ctx call. See
	// docs/library.md, "Checked mode".
	Debug bool
	// StopTimeout bounds how long Run waits, once the run is stopping
	// (its context is done, it went idle, a loop ended), for the loops
	// to come back: 0 means DefaultStopTimeout, a negative value waits
	// for ever. A loop whose handler blocks does not come back; past
	// the timeout Run returns a *StopTimeoutError naming its lcore, and
	// abandons the run: see StopTimeoutError for what that leaves.
	StopTimeout time.Duration
}

// DefaultStopTimeout is Config.StopTimeout's default: far longer than
// a stop takes (a turn, a ring drain of at most 50 ms and a flush of at
// least 10 ms), short enough that a stuck handler does not hang its
// caller.
const DefaultStopTimeout = 5 * time.Second

// DefaultVector is Config.Vector's default, chosen by measurement (see
// docs/performance.md): against dpdk-testpmd at burst 32 on
// a net_null pair, 128 did best; 256 was far worse, because a turn then
// takes more mbufs from the pool than its per-lcore cache (256) holds,
// and the pool's ring is hit on every turn. Keep Vector times the
// sources a loop polls within Config.PoolCache.
const DefaultVector = 128

const (
	defaultBurst    = 32
	maxBurst        = 512
	maxVector       = 1024
	defaultCache    = 256
	defaultRingSize = 1024
	maxRingSize     = 1 << 20
)

// ErrConfig wraps every configuration error of the runner.
var ErrConfig = errors.New("app: bad config")

func cfgErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
}

// normalize fills defaults and checks what can be checked before the
// EAL runs. The lcores default needs the EAL, so it is done in Run.
func (c *Config) normalize() error {
	if len(c.Ports) == 0 {
		return cfgErr("no ports")
	}
	if c.Burst == 0 {
		c.Burst = defaultBurst
	}
	if c.Burst < 1 || c.Burst > maxBurst {
		return cfgErr("Burst %d: must be 1 to %d", c.Burst, maxBurst)
	}
	if c.Vector == 0 {
		c.Vector = max(DefaultVector, c.Burst)
	}
	if c.Vector < c.Burst || c.Vector > maxVector {
		return cfgErr("Vector %d: must be from Burst (%d) to %d", c.Vector, c.Burst, maxVector)
	}
	if c.PoolCache == 0 {
		c.PoolCache = defaultCache
	}
	if c.PoolSize < 0 {
		return cfgErr("PoolSize %d is negative", c.PoolSize)
	}
	if c.StopWhenIdle < 0 {
		return cfgErr("StopWhenIdle %v is negative", c.StopWhenIdle)
	}
	if c.StopTimeout == 0 {
		c.StopTimeout = DefaultStopTimeout
	}
	if len(c.Ports) > maxTx {
		return cfgErr("%d ports: an lcore can send to at most %d", len(c.Ports), maxTx)
	}
	if c.Name == "" {
		c.Name = "zcnic"
	}
	if c.DataRoom == 0 {
		c.DataRoom = mbuf.DefaultDataRoom
	}
	if c.DataRoom <= mbuf.Headroom || c.DataRoom > 0xffff {
		return cfgErr("DataRoom %d: must be more than the headroom (%d) and at most 65535 (0 for %d)", c.DataRoom, mbuf.Headroom, mbuf.DefaultDataRoom)
	}
	tables := map[*flow.Table]int{}
	for i, p := range c.Ports {
		if p.Device == "" {
			return cfgErr("Ports[%d]: empty Device", i)
		}
		// Devargs of a virtual device to hot-plug ("net_pcap0,rx_pcap=..."),
		// not a PCI address ("0000:03:00.0,...").
		if name, _, args := strings.Cut(p.Device, ","); args && !strings.Contains(name, ":") {
			if err := eal.ValidateVDev(p.Device); err != nil {
				return cfgErr("Ports[%d]: %v", i, err)
			}
		}
		if p.Rules == nil {
			continue
		}
		if j, ok := tables[p.Rules]; ok {
			return cfgErr("Ports[%d]: its Rules are those of Ports[%d]: a table is on one port", i, j)
		}
		tables[p.Rules] = i
	}
	if err := c.checkRings(); err != nil {
		return err
	}
	seen := map[uint]bool{}
	polled := map[Queue]uint{}
	for _, l := range c.Lcores {
		if seen[l.Lcore] {
			return cfgErr("lcore %d is listed twice", l.Lcore)
		}
		seen[l.Lcore] = true
		if len(l.Rx) == 0 && c.Source == nil && len(c.ringsTo(l.Lcore)) == 0 {
			return cfgErr("lcore %d polls no queue and no ring (only a loop with a Source may poll none)", l.Lcore)
		}
		for _, q := range l.Rx {
			if q.Port < 0 || q.Port >= len(c.Ports) {
				return cfgErr("lcore %d polls port %d: there are %d ports (0 to %d)", l.Lcore, q.Port, len(c.Ports), len(c.Ports)-1)
			}
			if q.Queue < 0 {
				return cfgErr("lcore %d polls port %d queue %d", l.Lcore, q.Port, q.Queue)
			}
			if other, ok := polled[q]; ok {
				return cfgErr("port %d queue %d is polled by lcores %d and %d: a queue has one poller", q.Port, q.Queue, other, l.Lcore)
			}
			polled[q] = l.Lcore
		}
	}
	return nil
}

// checkRings checks the rings against the lcores: sizes, known lcores,
// one consumer that is not also a producer, and no cycle.
func (c *Config) checkRings() error {
	if len(c.Rings) == 0 {
		return nil
	}
	if len(c.Lcores) == 0 {
		return cfgErr("Rings need Lcores: name the loops the rings connect")
	}
	if len(c.Rings) > maxRings {
		return cfgErr("%d rings: at most %d", len(c.Rings), maxRings)
	}
	loops := map[uint]bool{}
	for _, l := range c.Lcores {
		loops[l.Lcore] = true
	}
	next := map[uint][]uint{} // producer lcore -> consumer lcores
	for i := range c.Rings {
		rc := &c.Rings[i]
		if rc.Size == 0 {
			rc.Size = defaultRingSize
		}
		if rc.Size < 1 || rc.Size > maxRingSize {
			return cfgErr("Rings[%d]: Size %d must be 1 to %d", i, rc.Size, maxRingSize)
		}
		if !loops[rc.To] {
			return cfgErr("Rings[%d]: To lcore %d is not one of Lcores", i, rc.To)
		}
		if len(rc.From) == 0 {
			return cfgErr("Rings[%d]: no From lcore: nothing could fill it", i)
		}
		for _, f := range rc.From {
			if !loops[f] {
				return cfgErr("Rings[%d]: From lcore %d is not one of Lcores", i, f)
			}
			if f == rc.To {
				return cfgErr("Rings[%d]: lcore %d both fills and polls it (a cycle)", i, f)
			}
			next[f] = append(next[f], rc.To)
		}
	}
	// Depth-first search for a cycle: 1 = on the path, 2 = done.
	state := map[uint]int{}
	var visit func(l uint) error
	visit = func(l uint) error {
		state[l] = 1
		for _, n := range next[l] {
			switch state[n] {
			case 1:
				return cfgErr("rings form a cycle through lcores %d and %d: a pipeline must flow one way", l, n)
			case 0:
				if err := visit(n); err != nil {
					return err
				}
			}
		}
		state[l] = 2
		return nil
	}
	for _, l := range c.Lcores {
		if state[l.Lcore] == 0 {
			if err := visit(l.Lcore); err != nil {
				return err
			}
		}
	}
	return nil
}

// ringsTo returns the indexes of the rings lcore l polls.
func (c *Config) ringsTo(l uint) []int {
	var r []int
	for i, rc := range c.Rings {
		if rc.To == l {
			r = append(r, i)
		}
	}
	return r
}

// LoopLcores are the lcores loops run on when a Config does not say:
// every worker lcore, or the main lcore when the EAL has no worker. It
// needs a running EAL.
func LoopLcores() []uint {
	if w := eal.Workers(); len(w) > 0 {
		return w
	}
	return []uint{eal.MainLcore()}
}

// SpreadPorts lays out one loop per lcore of LoopLcores, polling queue 0
// of the given port indexes: port ports[i] goes to lcore i mod their
// number, so that with as many workers as ports each polls one. It is
// SpreadQueues with one queue per port on LoopLcores.
func SpreadPorts(ports []int) []LcoreConfig {
	return SpreadQueues(ports, 1, LoopLcores())
}

// SpreadQueues lays out one loop per lcore polling rx queues 0 to
// rxq-1 of the given port indexes: the (port, queue) pairs, port by
// port and queue by queue, are dealt to the lcores in turn, so that
// every queue has one poller and, with as many lcores as queues per
// port, lcore i polls queue i of every port (RSS keeps a flow on one
// queue, so on one loop). Every loop transmits on a tx queue of its own
// on every port (Run gives each transmitting loop one). Lcores beyond
// the number of pairs get no loop. It is what `zcnic fwd --rxq N` does.
func SpreadQueues(ports []int, rxq int, lcores []uint) []LcoreConfig {
	if rxq < 1 || len(lcores) == 0 {
		return nil
	}
	var ls []LcoreConfig
	k := 0
	for _, p := range ports {
		for q := range rxq {
			l := lcores[k%len(lcores)]
			k++
			j := slices.IndexFunc(ls, func(c LcoreConfig) bool { return c.Lcore == l })
			if j < 0 {
				ls = append(ls, LcoreConfig{Lcore: l})
				j = len(ls) - 1
			}
			ls[j].Rx = append(ls[j].Rx, Queue{Port: p, Queue: q})
		}
	}
	return ls
}

// defaultLcores lays out the loops of a Config that names none: one
// loop, on the first of LoopLcores, polling queue 0 of the ports rx
// (every port when rx is nil; none, for a Source's loop, when rx is
// empty but not nil).
func (c *Config) defaultLcores(rx []int) {
	if len(c.Lcores) > 0 {
		return
	}
	l := LcoreConfig{Lcore: LoopLcores()[0]}
	if rx == nil {
		for i := range c.Ports {
			l.Rx = append(l.Rx, Queue{Port: i})
		}
	}
	for _, p := range rx {
		l.Rx = append(l.Rx, Queue{Port: p})
	}
	c.Lcores = []LcoreConfig{l}
}

// prologue is what every run (Run, Capture, Generate) does first: fill
// the defaults and check what can be checked, start the EAL if it is not
// running, and lay out the loops if cfg names none (see defaultLcores).
func (c *Config) prologue(rx []int) error {
	if err := c.normalize(); err != nil {
		return err
	}
	if !eal.Initialized() {
		if err := eal.Init(c.EAL); err != nil {
			return err
		}
	}
	c.defaultLcores(rx)
	return nil
}

// txLoops is how many loops transmit, each on its own tx queue of
// every port.
func (c *Config) txLoops() int {
	n := 0
	for _, l := range c.Lcores {
		if !l.NoTx {
			n++
		}
	}
	return n
}

// rxQueues is how many rx queues port i needs: one past the highest
// polled, at least one.
func (c *Config) rxQueues(i int) int {
	n := 1
	for _, l := range c.Lcores {
		for _, q := range l.Rx {
			if q.Port == i && q.Queue+1 > n {
				n = q.Queue + 1
			}
		}
	}
	return n
}

// poolSize is PoolSize, or enough for every descriptor, every lcore's
// bursts and cache, with room to spare, as 2^k-1 (what DPDK likes).
func (c *Config) poolSize(rxDesc, txDesc []int) int {
	if c.PoolSize > 0 {
		return c.PoolSize
	}
	n := 0
	for i := range c.Ports {
		n += c.rxQueues(i)*rxDesc[i] + c.txLoops()*txDesc[i]
	}
	n += len(c.Lcores) * (c.Vector*(len(c.Ports)+2) + c.PoolCache*3/2)
	for _, rc := range c.Rings {
		n += rc.Size + len(rc.From)*c.Vector*4
	}
	n += 1024
	size := 1
	for size-1 < n {
		size <<= 1
	}
	return size - 1
}
