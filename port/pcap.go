package port

// Everything zcnic does about net_pcap (with pcap.c and pcap.h): the
// rx_pcap files are checked at Configure, before the driver reads them,
// and a port that writes tx_pcap files gets a tx callback that hands the
// driver its long chained frames in one piece, so that they are written
// whole (pcap.h).

/*
#include "pcap.h"
*/
import "C"

import (
	"fmt"
	"sync/atomic"

	"github.com/zcnic/zcnic/internal/pcapfile"
	"github.com/zcnic/zcnic/internal/rte"
	"github.com/zcnic/zcnic/mbuf"
)

// PcapTxCut is the most DPDK 22.11's net_pcap writes to a tx_pcap file
// of a frame in chained mbufs (its 16,128-byte bounce buffer,
// RTE_ETHER_MAX_JUMBO_FRAME_LEN); a frame in one mbuf is written whole.
// zcnic copies longer chained frames into one mbuf first (Port.TxCut
// counts those it could not).
const PcapTxCut = C.ZC_PCAP_TX_CUT

// pcapTxPerQueue is how many 65,535-byte mbufs the bounce pool of a
// tx_pcap port has for each of its tx queues: a burst's worth of long
// chained frames (zcnic's bursts are 32 by default), copied and written
// within the one tx call, after which the driver has freed them all. On
// hugepages each costs about 66 KiB: about 2.1 MiB per tx queue, only
// for net_pcap ports that write files.
const pcapTxPerQueue = 32

// pcapState is a net_pcap port's tx_pcap bounce pool and callbacks.
type pcapState struct {
	pool  *mbuf.Pool
	tx    *C.struct_zc_pcaptx
	nq    int           // the tx queues the pool is sized for
	added bool          // the callbacks are registered
	cut   atomic.Uint64 // the final counts, once tx is freed
	whole atomic.Uint64
}

func init() {
	driverConfigure["net_pcap"] = (*Port).configurePcap
	beforeStart = chainErr(beforeStart, (*Port).pcapAddTx)
	afterStop = chainErr(afterStop, (*Port).pcapRemoveTx)
	closing = chainErr(closing, (*Port).pcapClose)
}

// chainErr runs a, then b.
func chainErr(a, b func(*Port) error) func(*Port) error {
	return func(p *Port) error {
		err := a(p)
		if err2 := b(p); err == nil {
			err = err2
		}
		return err
	}
}

func (p *Port) configurePcap(cfg Config, need map[*mbuf.Pool]int) error {
	if err := p.checkPcapRx(cfg, need); err != nil {
		return err
	}
	return p.pcapPool(cfg)
}

// pcapPool makes the bounce pool of a port with tx_pcap files, sized for
// its tx queues (a reconfigured port with more queues gets a new one).
func (p *Port) pcapPool(cfg Config) error {
	a := pcapfile.ParseNetPcapArgs(cDevArgs(p.id))
	if len(a.TxPcap) == 0 {
		return nil
	}
	s := &p.pcap
	if s.pool != nil && s.nq >= cfg.TxQueues {
		return nil
	}
	if err := p.pcapFree(); err != nil {
		return err
	}
	pool, err := mbuf.NewPool(mbuf.PoolConfig{
		Name:     fmt.Sprintf("zc_pcaptx%d", p.id),
		Count:    pcapTxPerQueue * cfg.TxQueues,
		DataRoom: 0xffff,
		Socket:   mbuf.SocketAny,
	})
	if err != nil {
		return fmt.Errorf("the pool that lets net_pcap write chained frames over %d bytes whole: %w", PcapTxCut, err)
	}
	t := C.zc_pcaptx_new((*C.struct_rte_mempool)(pool.Ptr()))
	if t == nil {
		pool.Free()
		return fmt.Errorf("the tx_pcap callback state: out of memory")
	}
	s.pool, s.tx, s.nq = pool, t, cfg.TxQueues
	return nil
}

// pcapAddTx registers the tx callbacks of a port with a bounce pool.
func (p *Port) pcapAddTx() error {
	s := &p.pcap
	if s.tx == nil || s.added {
		return nil
	}
	if r := int(C.zc_pcaptx_add(s.tx, C.uint16_t(p.id), C.uint16_t(p.ntx.Load()))); r != 0 {
		return rte.Errf("rte_eth_add_tx_callback", r, "%s: the callback that lets net_pcap write chained frames whole", p)
	}
	s.added = true
	return nil
}

// pcapRemoveTx removes the tx callbacks; the port is stopped.
func (p *Port) pcapRemoveTx() error {
	s := &p.pcap
	if !s.added {
		return nil
	}
	s.added = false
	if r := int(C.zc_pcaptx_remove(s.tx)); r != 0 {
		return rte.Errf("rte_eth_remove_tx_callback", r, "%s", p)
	}
	return nil
}

// pcapClose removes what is left of the callbacks and frees the pool.
func (p *Port) pcapClose() error {
	err := p.pcapRemoveTx()
	if err2 := p.pcapFree(); err == nil {
		err = err2
	}
	return err
}

// pcapFree frees the callback state and the pool, keeping the counts.
// The callbacks are removed. A pool with mbufs out (none should be: the
// driver frees what it writes) is left allocated and said.
func (p *Port) pcapFree() error {
	s := &p.pcap
	if s.tx == nil {
		return nil
	}
	s.cut.Store(uint64(C.zc_pcaptx_cut(s.tx)))
	s.whole.Store(uint64(C.zc_pcaptx_copied(s.tx)))
	C.zc_pcaptx_free(s.tx)
	s.tx = nil
	pool := s.pool
	s.pool, s.nq = nil, 0
	if n := pool.InUse(); n > 0 {
		return fmt.Errorf("%s: %d mbufs of mempool %s (net_pcap's tx_pcap bounce pool) are still out: the pool is left allocated", p, n, pool.Name())
	}
	return pool.Free()
}

// TxCut is how many frames the port's driver wrote cut short to its
// tx_pcap files: net_pcap writes at most PcapTxCut bytes of a frame in
// chained mbufs, and zcnic hands it such frames copied into one mbuf,
// except when none of its bounce pool's is free or the frame is over
// 65,535 bytes (what one mbuf holds). 0 on other drivers' ports. It can
// be read after Close.
func (p *Port) TxCut() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := p.pcap.tx; t != nil {
		return uint64(C.zc_pcaptx_cut(t))
	}
	return p.pcap.cut.Load()
}

// TxWhole is how many chained frames over PcapTxCut bytes the port
// handed its net_pcap driver copied into one mbuf, so that they were
// written whole. 0 on other drivers' ports.
func (p *Port) TxWhole() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := p.pcap.tx; t != nil {
		return uint64(C.zc_pcaptx_copied(t))
	}
	return p.pcap.whole.Load()
}

// checkPcapRx checks a net_pcap port's rx_pcap files before its rx
// queues are set up, refusing what the driver would mishandle (see
// pcapfile.CheckRx). With infinite_rx each queue loads its whole file
// into mbufs of its pool at setup; a pool too small for that fails the
// setup in a way that leaves DPDK 22.11's net_pcap with a freed ring it
// frees again on close (a crash, here or at EAL cleanup), so that is
// refused here, before the driver is called.
func (p *Port) checkPcapRx(cfg Config, need map[*mbuf.Pool]int) error {
	a := pcapfile.ParseNetPcapArgs(cDevArgs(p.id))
	held := map[*mbuf.Pool]int{}
	for q := 0; q < cfg.RxQueues && q < len(a.RxPcap); q++ {
		pool := p.rxPool(cfg, q)
		in, err := pcapfile.CheckRx(a.RxPcap[q], a.InfiniteRx, pool.DataRoom()-mbuf.Headroom)
		if err != nil {
			return fmt.Errorf("rx queue %d: %w", q, err)
		}
		if a.InfiniteRx {
			held[pool] += in.Records
		}
	}
	for pool, n := range held {
		if free := pool.Available(); free < n+need[pool] {
			return fmt.Errorf("infinite_rx=1 keeps every packet of its rx_pcap files in mbufs (%d), but mempool %s has %d free of %d: it needs %d or more, with its descriptors (%d)",
				n, pool.Name(), free, pool.Count(), n+need[pool], need[pool])
		}
	}
	return nil
}
