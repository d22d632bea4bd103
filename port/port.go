package port

import (
	"errors"
	"fmt"
	"math/bits"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/internal/rte"
	"github.com/zcnic/zcnic/mbuf"
)

// ErrNotStarted is returned by bursts on a port that is not started.
var ErrNotStarted = errors.New("port: not started")

// ErrClosed is returned by calls on a closed port.
var ErrClosed = errors.New("port: closed")

// Port is an ethdev port. There is one *Port per port id in the process:
// Open, ByID and Attach return the same one for the same device.
//
// Configure, Start, Stop and Close are for one goroutine at a time, with
// no lcore polling the port. Rx, Tx and TxRx may run on many lcores at
// once, each on its own queues.
type Port struct {
	id         uint16
	name       string
	hotplugged bool

	mu         sync.Mutex // serialises control calls
	nrx        atomic.Uint32
	ntx        atomic.Uint32
	txOffloads atomic.Uint64
	burstLock  atomic.Pointer[byte] // C rte_spinlock_t * a burst holds, or nil (BurstLock)
	started    atomic.Bool
	closed     atomic.Bool

	pcap pcapState // net_pcap's tx_pcap bounce pool and callbacks (pcap.go)
}

var registry struct {
	mu    sync.Mutex
	ports [MaxPorts]*Port
}

// get returns the *Port for a valid id, creating it on first use.
func get(id uint16, hotplugged bool) *Port {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	p := registry.ports[id]
	if p == nil || p.closed.Load() {
		p = &Port{id: id, name: cName(id), hotplugged: hotplugged}
		registry.ports[id] = p
	}
	return p
}

// Open returns the port of a device by name: a virtual device's name
// ("net_null0"), or a PCI address ("0000:03:00.0") when the EAL was
// allowed to probe it (eal.Config.PCIAllow).
func Open(name string) (*Port, error) {
	if !eal.Initialized() {
		return nil, eal.ErrNotInitialized
	}
	id, r := cPortByName(name)
	if r != 0 {
		return nil, rte.Errf("rte_eth_dev_get_port_by_name", r, "no port named %q; ports: %s", name, names())
	}
	return get(id, false), nil
}

// ByID returns the port with the given id.
func ByID(id int) (*Port, error) {
	if !eal.Initialized() {
		return nil, eal.ErrNotInitialized
	}
	if id < 0 || id >= MaxPorts || !cValidPort(uint16(id)) {
		return nil, fmt.Errorf("port: no port %d; ports: %s", id, names())
	}
	return get(uint16(id), false), nil
}

// Attach hot-plugs a virtual device from a devargs string such as
// "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap" (rte_dev_probe) and
// returns its port. Close detaches it again.
func Attach(devargs string) (*Port, error) {
	if !eal.Initialized() {
		return nil, eal.ErrNotInitialized
	}
	if err := eal.ValidateVDev(devargs); err != nil {
		return nil, fmt.Errorf("port: Attach %q: %w", devargs, err)
	}
	name, _, _ := strings.Cut(devargs, ",")
	if _, r := cPortByName(name); r == 0 {
		return nil, fmt.Errorf("port: Attach %q: a port named %s exists already", devargs, name)
	}
	if r, words := said(func() int { return cProbe(devargs) }); r != 0 {
		return nil, &ProbeError{Device: name, DevArgs: devargs, Said: words,
			Err: rte.Errf("rte_dev_probe", r, "devargs %q", devargs).(*rte.Error)}
	}
	id, r := cPortByName(name)
	if r != 0 {
		return nil, rte.Errf("rte_eth_dev_get_port_by_name", r, "device %q was probed but made no port named %s", devargs, name)
	}
	return get(id, true), nil
}

// List returns every port, in id order.
func List() []*Port {
	if !eal.Initialized() {
		return nil
	}
	var ps []*Port
	for id := cNextPort(0); id < MaxPorts; id = cNextPort(id + 1) {
		ps = append(ps, get(id, false))
	}
	return ps
}

func names() string {
	var n []string
	for _, p := range List() {
		n = append(n, fmt.Sprintf("%d=%s", p.id, p.name))
	}
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}

// DevArgs are the device arguments the port was created with, as given
// to --vdev or Attach after the name ("rx_pcap=in.pcap,infinite_rx=1"),
// or "" for none.
func (p *Port) DevArgs() string {
	if p.closed.Load() {
		return ""
	}
	return cDevArgs(p.id)
}

// ID is the port id.
func (p *Port) ID() uint16 { return p.id }

// Name is the device name, e.g. "net_null0".
func (p *Port) Name() string { return p.name }

func (p *Port) String() string { return fmt.Sprintf("port %d (%s)", p.id, p.name) }

// DescLimits are a queue's descriptor limits.
type DescLimits struct{ Min, Max, Align int }

// Info describes a port: driver, address and what it can do.
type Info struct {
	ID                       uint16
	Name, Driver             string
	MAC                      net.HardwareAddr
	IfIndex                  int // host interface index, 0 if none
	Socket                   int // NUMA socket, -1 if unknown
	MinMTU, MaxMTU           int
	MaxRxPktLen              int
	MaxRxQueues, MaxTxQueues int
	RxQueues, TxQueues       int // as configured
	RxDesc, TxDesc           DescLimits
	RxOffloadCapa            uint64 // RTE_ETH_RX_OFFLOAD_* bits
	TxOffloadCapa            uint64 // RTE_ETH_TX_OFFLOAD_* bits
	RSSCapa                  uint64 // RTE_ETH_RSS_* bits
	Started, Promiscuous     bool
}

// Info returns what the device reports (rte_eth_dev_info_get).
func (p *Port) Info() (Info, error) {
	if p.closed.Load() {
		return Info{}, ErrClosed
	}
	in := Info{ID: p.id, Name: p.name, Socket: cSocket(p.id), Started: p.started.Load(), Promiscuous: cPromiscOn(p.id)}
	if r := cInfo(p.id, &in); r != 0 {
		return in, rte.Errf("rte_eth_dev_info_get", r, "%s", p)
	}
	return in, nil
}

// Config configures a port's queues and features.
type Config struct {
	// RxQueues and TxQueues are the queue counts; each must be at least
	// 1 and at most what Info reports.
	RxQueues, TxQueues int
	// RxDesc and TxDesc are descriptors per queue; 0 means the device's
	// default. Values are rounded to the device's alignment.
	RxDesc, TxDesc int
	// Pool supplies mbufs to every rx queue, unless RxPools names one
	// per queue.
	Pool    *mbuf.Pool
	RxPools []*mbuf.Pool
	// MTU, if not 0, is set after configuring.
	MTU int
	// Promiscuous turns promiscuous mode on.
	Promiscuous bool
	// RSSHash selects RSS hash functions (RSSIP, RSSUDP, ...) to spread
	// packets over rx queues; 0 means no RSS.
	RSSHash uint64
	// RxOffloads and TxOffloads request offloads (RxOffload..., TxOffload...).
	RxOffloads, TxOffloads uint64
}

// fallbackDesc is what DPDK uses for 0 descriptors when the device gives
// no preference (RTE_ETH_DEV_FALLBACK_RX_RINGSIZE).
const fallbackDesc = 512

// Configure sets up queues, offloads and modes (rte_eth_dev_configure,
// rte_eth_rx_queue_setup, rte_eth_tx_queue_setup). The port must be
// stopped. Anything the device cannot do is an error naming the limit
// from its info.
func (p *Port) Configure(cfg Config) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed.Load() {
		return ErrClosed
	}
	if p.started.Load() {
		return fmt.Errorf("port: Configure %s: stop it first", p)
	}
	in, err := p.Info()
	if err != nil {
		return err
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("port: Configure %s (driver %s): %s", p, in.Driver, fmt.Sprintf(format, args...))
	}
	switch {
	case cfg.RxQueues < 1 || cfg.TxQueues < 1:
		return bad("RxQueues %d, TxQueues %d: each must be at least 1", cfg.RxQueues, cfg.TxQueues)
	case cfg.RxQueues > in.MaxRxQueues:
		return bad("RxQueues %d: the device allows at most %d", cfg.RxQueues, in.MaxRxQueues)
	case cfg.TxQueues > in.MaxTxQueues:
		return bad("TxQueues %d: the device allows at most %d", cfg.TxQueues, in.MaxTxQueues)
	case cfg.RxDesc < 0 || cfg.TxDesc < 0:
		return bad("negative descriptor count")
	case cfg.RxDesc > 0 && (cfg.RxDesc < in.RxDesc.Min || cfg.RxDesc > in.RxDesc.Max):
		return bad("RxDesc %d: the device allows %d to %d", cfg.RxDesc, in.RxDesc.Min, in.RxDesc.Max)
	case cfg.TxDesc > 0 && (cfg.TxDesc < in.TxDesc.Min || cfg.TxDesc > in.TxDesc.Max):
		return bad("TxDesc %d: the device allows %d to %d", cfg.TxDesc, in.TxDesc.Min, in.TxDesc.Max)
	case cfg.RxOffloads&^in.RxOffloadCapa != 0:
		return bad("rx offloads %s are not supported (it supports %s)", offloadNames(cfg.RxOffloads&^in.RxOffloadCapa, cRxOffloadName), offloadNames(in.RxOffloadCapa, cRxOffloadName))
	case cfg.TxOffloads&^in.TxOffloadCapa != 0:
		return bad("tx offloads %s are not supported (it supports %s)", offloadNames(cfg.TxOffloads&^in.TxOffloadCapa, cTxOffloadName), offloadNames(in.TxOffloadCapa, cTxOffloadName))
	case cfg.RSSHash&^in.RSSCapa != 0:
		return bad("RSS hash functions %#x are not supported (it supports %#x)", cfg.RSSHash&^in.RSSCapa, in.RSSCapa)
	case cfg.MTU != 0 && (cfg.MTU < in.MinMTU || cfg.MTU > in.MaxMTU):
		return bad("MTU %d: the device allows %d to %d", cfg.MTU, in.MinMTU, in.MaxMTU)
	case cfg.RxPools != nil && len(cfg.RxPools) != cfg.RxQueues:
		return bad("%d RxPools for %d rx queues", len(cfg.RxPools), cfg.RxQueues)
	case cfg.RxPools == nil && cfg.Pool == nil:
		return bad("no mempool for the rx queues (set Pool)")
	}

	if r, words := said(func() int {
		return cConfigure(p.id, cfg.RxQueues, cfg.TxQueues, cfg.RxOffloads, cfg.TxOffloads, cfg.RSSHash)
	}); r != 0 {
		return saidErr("rte_eth_dev_configure", r, words, "%s, %d rx and %d tx queues", p, cfg.RxQueues, cfg.TxQueues)
	}
	rxd, txd := cfg.RxDesc, cfg.TxDesc
	if rxd == 0 {
		rxd = fallbackDesc
	}
	if txd == 0 {
		txd = fallbackDesc
	}
	rxd, txd, r := cAdjustDesc(p.id, rxd, txd)
	if r != 0 {
		return rte.Errf("rte_eth_dev_adjust_nb_rx_tx_desc", r, "%s", p)
	}

	// A pool must cover every descriptor it backs, or the queue starts
	// empty-handed (or the device fails to start).
	need := map[*mbuf.Pool]int{}
	for q := 0; q < cfg.RxQueues; q++ {
		need[p.rxPool(cfg, q)] += rxd
	}
	for pool, n := range need {
		if pool.Count() < n {
			return bad("mempool %s has %d mbufs; its rx queues need %d (%d descriptors each) before any packet is held: make the pool larger or RxDesc smaller",
				pool.Name(), pool.Count(), n, rxd)
		}
	}

	if check := driverConfigure[in.Driver]; check != nil {
		if err := check(p, cfg, need); err != nil {
			return bad("%v", err)
		}
	}

	socket := max(in.Socket, 0)
	for q := 0; q < cfg.RxQueues; q++ {
		if r, words := said(func() int { return cRxQueueSetup(p.id, q, rxd, socket, p.rxPool(cfg, q)) }); r != 0 {
			return saidErr("rte_eth_rx_queue_setup", r, words, "%s queue %d, %d descriptors", p, q, rxd)
		}
	}
	for q := 0; q < cfg.TxQueues; q++ {
		if r, words := said(func() int { return cTxQueueSetup(p.id, q, txd, socket) }); r != 0 {
			return saidErr("rte_eth_tx_queue_setup", r, words, "%s queue %d, %d descriptors", p, q, txd)
		}
	}
	if cfg.MTU != 0 {
		if r := cSetMTU(p.id, cfg.MTU); r != 0 {
			return rte.Errf("rte_eth_dev_set_mtu", r, "%s, MTU %d", p, cfg.MTU)
		}
	}
	if cfg.Promiscuous {
		if r := cPromisc(p.id, true); r != 0 {
			return rte.Errf("rte_eth_promiscuous_enable", r, "%s", p)
		}
	}
	lock, err := burstLockOf(p)
	if err != nil {
		return err
	}
	p.burstLock.Store((*byte)(lock))
	p.nrx.Store(uint32(cfg.RxQueues))
	p.ntx.Store(uint32(cfg.TxQueues))
	p.txOffloads.Store(cfg.TxOffloads)
	return nil
}

// BurstLock is the lock (a C rte_spinlock_t *) that every
// rte_eth_rx_burst and rte_eth_tx_burst on the port must hold, for C
// code that makes its own bursts, like the app package's loop; nil for
// the drivers that need none, which is every driver but net_memif. Rx,
// Tx and TxRx take it themselves. DPDK 22.11's net_memif unmaps its
// rings on the EAL interrupt thread when the peer goes, under a burst
// that may be reading them; a burst holding the lock is kept clear of
// that (port/memif.h says how). The lock is set by Configure and lives
// until Close.
func (p *Port) BurstLock() unsafe.Pointer {
	return unsafe.Pointer(p.burstLock.Load())
}

// lockArg is the burst lock as the C burst helpers take it.
func (p *Port) lockArg() uintptr { return uintptr(unsafe.Pointer(p.burstLock.Load())) }

func (p *Port) rxPool(cfg Config, q int) *mbuf.Pool {
	if cfg.RxPools != nil {
		return cfg.RxPools[q]
	}
	return cfg.Pool
}

// What a driver's own file (pcap.go, afxdp.go, memif.go) adds to the
// generic port: zcnic's workarounds for that one driver, kept beside its
// C, as DPDK keeps a driver's code in drivers/net/NAME. Each file sets
// its hooks in an init function; the defaults do nothing.
var (
	// driverConfigure, by driver name ("net_pcap"), checks a Configure
	// before the rx queues are set up (and may claim what they will use);
	// need is the mbufs each pool's rx descriptors take.
	driverConfigure = map[string]func(p *Port, cfg Config, need map[*mbuf.Pool]int) error{}
	// heldAtStop and heldAtClose take the mbufs a driver's rings hold and
	// never give back, just before the port is stopped or closed.
	heldAtStop  = func(*Port) (held, error) { return held{}, nil }
	heldAtClose = func(*Port) (held, error) { return held{}, nil }
	// burstLockOf returns the C lock a burst on the configured port must
	// hold (BurstLock), or nil.
	burstLockOf = func(*Port) (unsafe.Pointer, error) { return nil, nil }
	// parkDriver readies the driver for a stop or close made on the
	// caller's thread (memif.go parks the EAL interrupt thread); unpark
	// undoes it once the device has stopped or closed.
	parkDriver = func(*Port) (unpark func(), err error) { return func() {}, nil }
	// afterClose runs when Close has released the port.
	afterClose = func(*Port) {}
	// beforeStart runs just before the device is started, afterStop
	// once it has stopped (or failed to start), and closing just before
	// the port is released: each driver file's own hook for its port
	// (pcap.go's tx callbacks); the defaults do nothing.
	beforeStart = func(*Port) error { return nil }
	afterStop   = func(*Port) error { return nil }
	closing     = func(*Port) error { return nil }
)

// held is what a driver's rings held at a stop or close: a C array of
// mbuf segments from cMemifHeld or cAfxdpHeld.
type held struct {
	arr unsafe.Pointer
	n   int
}

// free gives the mbufs back to their pools and frees the array.
func (h held) free() {
	if h.n > 0 {
		cFreeHeld(h.arr, h.n)
	}
}

// forget frees only the array: the device may still use the mbufs.
func (h held) forget() {
	if h.n > 0 {
		cFreeMem(h.arr)
	}
}

// RxOffloadNames names the rx offload bits set in v (Info.RxOffloadCapa,
// Config.RxOffloads) as DPDK does (rte_eth_dev_rx_offload_name),
// comma-separated: "VLAN_STRIP, IPV4_CKSUM", or "none".
func RxOffloadNames(v uint64) string { return offloadNames(v, cRxOffloadName) }

// TxOffloadNames names the tx offload bits set in v, as RxOffloadNames.
func TxOffloadNames(v uint64) string { return offloadNames(v, cTxOffloadName) }

// offloadNames lists the names of the set bits.
func offloadNames(v uint64, name func(uint64) string) string {
	if v == 0 {
		return "none"
	}
	var n []string
	for v != 0 {
		bit := uint64(1) << bits.TrailingZeros64(v)
		n = append(n, name(bit))
		v &^= bit
	}
	return strings.Join(n, ", ")
}

// Start starts the port (rte_eth_dev_start). It must be configured.
func (p *Port) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed.Load() {
		return ErrClosed
	}
	if p.nrx.Load() == 0 {
		return fmt.Errorf("port: Start %s: configure it first", p)
	}
	if p.started.Load() {
		return nil
	}
	if err := beforeStart(p); err != nil {
		return err
	}
	if r, words := said(func() int { return cStart(p.id) }); r != 0 {
		afterStop(p)
		return saidErr("rte_eth_dev_start", r, words, "%s", p)
	}
	p.started.Store(true)
	return nil
}

// Stop stops the port (rte_eth_dev_stop). No lcore may be polling it.
// Mbufs still in its rx descriptors stay there until Close.
func (p *Port) Stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed.Load() {
		return ErrClosed
	}
	if !p.started.Load() {
		return nil
	}
	p.started.Store(false)
	// Take what the driver's rings hold while they are mapped, free it
	// once the port has stopped.
	held, err := heldAtStop(p)
	unpark, parkErr := parkDriver(p)
	r := cStop(p.id)
	unpark()
	if err != nil {
		return err
	}
	if r != 0 {
		held.forget()
		return rte.Errf("rte_eth_dev_stop", r, "%s", p)
	}
	held.free()
	return errors.Join(parkErr, afterStop(p))
}

// Close stops the port if needed and releases it (rte_eth_dev_close),
// which returns the mbufs its queues held to their pools. A port made by
// Attach is detached as well (rte_dev_remove), so the name can be
// attached again. The *Port must not be used afterwards.
func (p *Port) Close() error {
	if err := p.Stop(); err != nil && !errors.Is(err, ErrClosed) {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed.Swap(true) {
		return nil
	}
	defer afterClose(p)
	p.burstLock.Store(nil) // the driver's, freed with the device
	closeErr := closing(p)
	// Take what the driver's rings hold before the close, free it once
	// the device is gone; on an error (the rings cannot be read), close
	// it all the same: what the rings hold stays lost.
	held, ringErr := heldAtClose(p)
	unpark, parkErr := parkDriver(p)
	var r int
	call := "rte_eth_dev_close"
	if p.hotplugged {
		r, call = cDetach(p.id), "rte_dev_remove"
	} else {
		r = cClose(p.id)
	}
	unpark()
	closeErr = errors.Join(closeErr, parkErr)
	if r == 0 {
		held.free()
	} else {
		held.forget() // the device may still use them
	}
	if r != 0 {
		return errors.Join(rte.Errf(call, r, "%s", p), closeErr)
	}
	return errors.Join(ringErr, closeErr)
}

// Link is a port's link state.
type Link struct {
	Up         bool
	SpeedMbps  uint32
	FullDuplex bool
	Autoneg    bool
}

// Link returns the link state without waiting (rte_eth_link_get_nowait).
func (p *Port) Link() (Link, error) {
	if p.closed.Load() {
		return Link{}, ErrClosed
	}
	l, r := cLink(p.id)
	if r != 0 {
		return l, rte.Errf("rte_eth_link_get_nowait", r, "%s", p)
	}
	return l, nil
}

// Stats are a port's basic counters (struct rte_eth_stats).
type Stats struct {
	RxPackets, TxPackets uint64
	RxBytes, TxBytes     uint64
	RxMissed             uint64 // dropped by the device: no descriptor free
	RxErrors, TxErrors   uint64
	RxNoMbuf             uint64 // rx mbuf allocation failures
}

// Stats returns the port's counters (rte_eth_stats_get).
func (p *Port) Stats() (Stats, error) {
	var s Stats
	if p.closed.Load() {
		return s, ErrClosed
	}
	if r := cStats(p.id, &s); r != 0 {
		return s, rte.Errf("rte_eth_stats_get", r, "%s", p)
	}
	return s, nil
}

// QueueStats are a port's packets per queue, as its driver counts them
// (rte_eth_stats' q_ipackets and q_opackets), indexed by queue number,
// for the configured queues up to MaxQueueStats of each direction. A
// driver that keeps no per-queue counts leaves them 0.
type QueueStats struct {
	RxPackets, TxPackets []uint64
}

// QueueStats returns the port's per-queue counters. It allocates: for
// reports, not for every turn.
func (p *Port) QueueStats() (QueueStats, error) {
	if p.closed.Load() {
		return QueueStats{}, ErrClosed
	}
	s := QueueStats{
		RxPackets: make([]uint64, min(int(p.nrx.Load()), MaxQueueStats)),
		TxPackets: make([]uint64, min(int(p.ntx.Load()), MaxQueueStats)),
	}
	if r := cQueueStats(p.id, s.RxPackets, s.TxPackets); r != 0 {
		return QueueStats{}, rte.Errf("rte_eth_stats_get", r, "%s", p)
	}
	return s, nil
}

// RSSHash returns the RSS hash functions (RSSIP, RSSUDP, ... bits) the
// port uses to spread packets over its rx queues, as the driver reports
// them (rte_eth_dev_rss_hash_conf_get): what it took of
// Config.RSSHash. A driver without RSS reads 0.
func (p *Port) RSSHash() (uint64, error) {
	if p.closed.Load() {
		return 0, ErrClosed
	}
	hf, r := cRSSHash(p.id)
	switch {
	case r == -int(syscall.ENOTSUP):
		return 0, nil
	case r != 0:
		return 0, rte.Errf("rte_eth_dev_rss_hash_conf_get", r, "%s", p)
	}
	return hf, nil
}

// RSSNames names the RSS hash functions in hf the way zcnic's
// reports do: "ip", "udp", "tcp" for the RSSIP, RSSUDP and RSSTCP
// groups (any of their bits), then what else is set as hex; "none"
// for 0.
func RSSNames(hf uint64) string {
	if hf == 0 {
		return "none"
	}
	var names []string
	for _, g := range []struct {
		bits uint64
		name string
	}{{RSSIP, "ip"}, {RSSUDP, "udp"}, {RSSTCP, "tcp"}} {
		if hf&g.bits != 0 {
			names = append(names, g.name)
			hf &^= g.bits
		}
	}
	if hf != 0 {
		names = append(names, fmt.Sprintf("%#x", hf))
	}
	return strings.Join(names, ",")
}

// XStats returns the driver's extended counters by name
// (rte_eth_xstats_get). It allocates; do not call it per packet.
func (p *Port) XStats() (map[string]uint64, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	m, r := cXStats(p.id)
	if r != 0 {
		return nil, rte.Errf("rte_eth_xstats_get", r, "%s", p)
	}
	return m, nil
}

// ResetStats zeroes the basic and extended counters.
func (p *Port) ResetStats() error {
	if p.closed.Load() {
		return ErrClosed
	}
	if r := cStatsReset(p.id); r != 0 {
		return rte.Errf("rte_eth_stats_reset", r, "%s", p)
	}
	if r := cXStatsReset(p.id); r != 0 && r != -int(syscall.ENOTSUP) {
		return rte.Errf("rte_eth_xstats_reset", r, "%s", p)
	}
	return nil
}

// check guards the burst calls: DPDK's burst functions do not check the
// queue in release builds and would read past its queue array.
func (p *Port) check(q uint16, n *atomic.Uint32, dir string) error {
	if !p.started.Load() {
		if p.closed.Load() {
			return ErrClosed
		}
		return ErrNotStarted
	}
	if uint32(q) >= n.Load() {
		return fmt.Errorf("port: %s %s queue %d: it has %d", p, dir, q, n.Load())
	}
	return nil
}

// Rx receives up to b.Room() packets from rx queue q, appending them to
// b (rte_eth_rx_burst: one cgo call, no allocation). The burst owns them.
func (p *Port) Rx(q uint16, b *mbuf.Burst) (int, error) {
	if err := p.check(q, &p.nrx, "rx"); err != nil {
		return 0, err
	}
	return cRx(p.id, q, p.lockArg(), b), nil
}

// Tx transmits the packets in b on tx queue q (rte_eth_tx_burst: one cgo
// call, no allocation). The port takes the ones it sent; those it did
// not stay in b, in order, for the caller to retry or free.
func (p *Port) Tx(q uint16, b *mbuf.Burst) (int, error) {
	if err := p.check(q, &p.ntx, "tx"); err != nil {
		return 0, err
	}
	return cTx(p.id, q, p.lockArg(), b), nil
}

// TxRx transmits tx on (txPort, txq), then receives from (rxPort, rxq)
// into rx, in one cgo call: the turn of a forwarding loop. tx and rx may
// be the same Burst: what was not sent stays at its front and received
// packets follow. It returns how many were sent and received.
func TxRx(txPort *Port, txq uint16, tx *mbuf.Burst, rxPort *Port, rxq uint16, rx *mbuf.Burst) (sent, received int, err error) {
	if err := txPort.check(txq, &txPort.ntx, "tx"); err != nil {
		return 0, 0, err
	}
	if err := rxPort.check(rxq, &rxPort.nrx, "rx"); err != nil {
		return 0, 0, err
	}
	sent, received = cTxRx(txPort.id, txq, txPort.lockArg(), tx, rxPort.id, rxq, rxPort.lockArg(), rx)
	return sent, received, nil
}
