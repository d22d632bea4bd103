package mbuf

import (
	"errors"
	"fmt"
	"syscall"
	"unsafe"

	"github.com/zcnic/zcnic/hugepages"
	"github.com/zcnic/zcnic/internal/fdlimit"
	"github.com/zcnic/zcnic/internal/mbufcheck"
	"github.com/zcnic/zcnic/internal/rte"
)

// DefaultDataRoom is the default data room of an mbuf: 2048 bytes of
// packet plus the 128-byte headroom (RTE_MBUF_DEFAULT_BUF_SIZE).
const DefaultDataRoom = defaultRoom

// Headroom is the headroom DPDK leaves before packet data
// (RTE_PKTMBUF_HEADROOM).
const Headroom = mbufHeadrm

// PoolConfig describes a packet mbuf pool.
type PoolConfig struct {
	// Name must be unique in the process (DPDK memzones are named).
	Name string
	// Count is the number of mbufs. DPDK is most memory-efficient at
	// 2^q - 1.
	Count int
	// Cache is the per-lcore cache size (0 for none, at most MaxCache
	// and at most Count/1.5). Lcores take and return mbufs through their
	// cache without touching the shared ring.
	Cache int
	// DataRoom is each mbuf's buffer size, headroom included; 0 means
	// DefaultDataRoom.
	DataRoom int
	// Socket is the NUMA socket to allocate on; use SocketAny for any.
	// The zero value means socket 0.
	Socket int
}

// Pool is a mempool of packet mbufs (struct rte_mempool).
type Pool struct {
	mp    *cpool
	owned bool // created here, so Free may free it
}

// NewPool creates a packet mbuf pool (rte_pktmbuf_pool_create).
func NewPool(cfg PoolConfig) (*Pool, error) {
	switch {
	case cfg.Name == "":
		return nil, errors.New("mbuf: PoolConfig.Name is empty")
	case len(cfg.Name) > maxPoolName:
		return nil, fmt.Errorf("mbuf: PoolConfig.Name %q is longer than %d bytes", cfg.Name, maxPoolName)
	case cfg.Count <= 0:
		return nil, fmt.Errorf("mbuf: PoolConfig.Count %d: a pool needs at least one mbuf", cfg.Count)
	case cfg.Cache < 0 || cfg.Cache > MaxCache:
		return nil, fmt.Errorf("mbuf: PoolConfig.Cache %d: must be 0 to %d", cfg.Cache, MaxCache)
	case float64(cfg.Cache)*1.5 > float64(cfg.Count):
		return nil, fmt.Errorf("mbuf: PoolConfig.Cache %d is too large for %d mbufs (DPDK needs Cache <= Count/1.5)", cfg.Cache, cfg.Count)
	}
	room := cfg.DataRoom
	if room == 0 {
		room = DefaultDataRoom
	}
	if room < Headroom || room > 0xffff {
		return nil, fmt.Errorf("mbuf: PoolConfig.DataRoom %d: must be %d (the headroom) to 65535", room, Headroom)
	}
	mp, errno, call := cPoolCreate(cfg.Name, cfg.Count, cfg.Cache, room, cfg.Socket)
	if mp == nil {
		detail := fmt.Sprintf("pool %q, %d mbufs of %d bytes", cfg.Name, cfg.Count, room)
		if call != "rte_pktmbuf_pool_create" {
			// Without hugepages the pool is built as
			// rte_pktmbuf_pool_create builds it, step by step: say which.
			detail += ", without hugepages, in " + call
		}
		// On hugepages in memory, EAL holds a descriptor per 2 MiB page
		// it maps: a pool that needs more pages than the open-file
		// limit leaves fails as if memory had run out.
		pages := 0
		if cHasHugepages() {
			pages = int((int64(cfg.Count)*int64(room+256) + 2<<20 - 1) / (2 << 20))
		}
		exhausted, open, limit := fdlimit.Short(pages + 8)
		switch e := syscall.Errno(errno); {
		case (e == syscall.ENOMEM || e == syscall.ENOBUFS || e == syscall.ENOSPC) && exhausted:
			detail += fmt.Sprintf(": likely out of file descriptors, not memory: %d open of the %d ulimit -n allows, and EAL keeps one per 2 MiB hugepage it maps (this pool: about %d): raise it, e.g. ulimit -n 4096", open, limit, pages)
		case (e == syscall.ENOMEM || e == syscall.ENOBUFS) && call == "rte_pktmbuf_pool_create":
			detail += ": not enough hugepage memory (reserve more, or use fewer or smaller mbufs)" + hugepages.MountLimits()
		case e == syscall.ENOMEM || e == syscall.ENOBUFS:
			detail += ": not enough memory for EAL without hugepages (give it more, eal.Config.MemoryMB or EAL -m, or use fewer or smaller mbufs)"
		case e == syscall.EEXIST:
			detail += ": a pool of that name exists"
		}
		return nil, rte.Errf("rte_pktmbuf_pool_create", errno, "%s", detail)
	}
	return &Pool{mp: mp, owned: true}, nil
}

// LookupPool finds an existing pool by name (rte_mempool_lookup). A pool
// found this way is not freed by its Free.
func LookupPool(name string) (*Pool, error) {
	mp, errno := cPoolLookup(name)
	if mp == nil {
		return nil, rte.Errf("rte_mempool_lookup", errno, "pool %q", name)
	}
	return &Pool{mp: mp}, nil
}

// Free releases the pool (rte_mempool_free). It refuses while mbufs are
// out of the pool, since freeing then would leave them pointing at freed
// memory; free or transmit them first.
func (p *Pool) Free() error {
	if p.mp == nil {
		return errors.New("mbuf: pool already freed")
	}
	if !p.owned {
		return fmt.Errorf("mbuf: pool %s was looked up, not created here; its creator frees it", p.Name())
	}
	if n := p.InUse(); n > 0 {
		return fmt.Errorf("mbuf: pool %s still has %d mbufs in use", p.Name(), n)
	}
	cPoolFree(p.mp)
	p.mp = nil
	return nil
}

// live returns the pool pointer, panicking with a clear message (rather
// than crashing in C) if the pool was freed.
func (p *Pool) live() *cpool {
	if p.mp == nil {
		panic("mbuf: pool used after Free")
	}
	return p.mp
}

// Name is the pool's name.
func (p *Pool) Name() string { return cPoolName(p.live()) }

// Count is the number of mbufs the pool holds when all are returned.
func (p *Pool) Count() int { return cPoolSize(p.live()) }

// Cache is the per-lcore cache size.
func (p *Pool) Cache() int { return cPoolCache(p.live()) }

// Socket is the NUMA socket the pool lives on.
func (p *Pool) Socket() int { return cPoolSocket(p.live()) }

// DataRoom is each mbuf's buffer size, headroom included.
func (p *Pool) DataRoom() int { return cPoolDataRoom(p.live()) }

// Available is how many mbufs can be allocated now, per-lcore caches
// included. Available()+InUse() == Count().
func (p *Pool) Available() int { return cPoolAvail(p.live()) }

// InUse is how many mbufs are allocated (held by the application, a port
// queue's descriptors, or a ring).
func (p *Pool) InUse() int { return cPoolInUse(p.live()) }

// Full reports whether every mbuf is back in the pool: the check that
// nothing leaked.
func (p *Pool) Full() bool { return p.Available() == p.Count() }

// Ptr returns the struct rte_mempool pointer, for cgo bindings such as
// the port package.
func (p *Pool) Ptr() unsafe.Pointer { return unsafe.Pointer(p.live()) }

// Alloc takes one mbuf from the pool (rte_pktmbuf_alloc; one cgo call),
// reset and empty. It returns nil when the pool is empty. Use
// Burst.Alloc to take many in one call.
func (p *Pool) Alloc() *Mbuf {
	m := cAlloc(p.live())
	if c := mbufcheck.Get(); c != nil && m != nil {
		c.Alloc(unsafe.Pointer(m))
	}
	return m
}
