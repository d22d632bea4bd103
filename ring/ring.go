package ring

import (
	"errors"
	"fmt"
	"math/bits"
	"syscall"
	"unsafe"

	"github.com/zcnic/zcnic/internal/rte"
	"github.com/zcnic/zcnic/mbuf"
)

// Flags choose how a ring synchronises and how its size is read. The zero
// value is a multi-producer, multi-consumer ring whose count is a power of
// two.
type Flags uint

const (
	// SingleProducer promises that one thread at a time enqueues
	// (RING_F_SP_ENQ), which makes Enqueue cheaper.
	SingleProducer Flags = flagSP
	// SingleConsumer promises that one thread at a time dequeues
	// (RING_F_SC_DEQ), which makes Dequeue cheaper.
	SingleConsumer Flags = flagSC
	// ExactSize makes count the ring's exact capacity, any number, instead
	// of a power of two holding count-1 (RING_F_EXACT_SZ). DPDK rounds the
	// slots up to the next power of two, so it can take up to twice the
	// memory.
	ExactSize Flags = flagExact
)

const allFlags = SingleProducer | SingleConsumer | ExactSize

// SocketAny lets DPDK place a ring on any NUMA socket (SOCKET_ID_ANY),
// the same value as mbuf.SocketAny.
const SocketAny = socketAny

// MaxNameLen is the longest ring name DPDK accepts, 28 bytes
// (RTE_RING_NAMESIZE-1).
const MaxNameLen = maxName

// Ring is a DPDK ring (struct rte_ring) carrying mbufs between lcores:
// a lock-free FIFO of pointers in hugepage memory. Ownership of an mbuf
// passes with it: Enqueue hands mbufs from a Burst to the ring, and
// Dequeue hands them from the ring to a Burst.
//
// A Ring's methods may be called from several goroutines at once, within
// the limits its flags promise: with SingleProducer only one goroutine
// at a time may Enqueue, with SingleConsumer only one may Dequeue.
type Ring struct {
	r        *cring
	name     string
	capacity int
	owned    bool // created here, so Free may free it
}

// New creates a ring (rte_ring_create) that can carry mbufs between
// lcores. Without ExactSize, count must be a power of two and the ring
// holds count-1 mbufs; with ExactSize it holds exactly count. socket is
// the NUMA socket for its memory (SocketAny for any). The name must be
// unique in the process.
//
// A bad count or flags gives an error that wraps syscall.EINVAL; a
// failure in DPDK gives an *rte.Error naming rte_ring_create (EEXIST for a
// name in use, ENOMEM for lack of memory).
func New(name string, count int, socket int, flags Flags) (*Ring, error) {
	switch {
	case name == "":
		return nil, errors.New("ring: New: empty name")
	case len(name) > MaxNameLen:
		return nil, fmt.Errorf("ring: New: name %q is longer than %d bytes", name, MaxNameLen)
	case flags&^allFlags != 0:
		return nil, fmt.Errorf("ring: New %q: unknown flags %#x: %w", name, uint(flags&^allFlags), syscall.EINVAL)
	case count < 1 || count > maxCount:
		return nil, fmt.Errorf("ring: New %q: count %d must be 1 to %d: %w", name, count, maxCount, syscall.EINVAL)
	case count == 1 && flags&ExactSize == 0:
		return nil, fmt.Errorf("ring: New %q: a ring of count 1 holds nothing (it holds count-1); use 2, or ExactSize: %w", name, syscall.EINVAL)
	}
	r, errno := cCreate(name, count, socket, uint(flags))
	if r == nil {
		var detail string
		switch {
		case syscall.Errno(errno) == syscall.EINVAL && flags&ExactSize == 0 && bits.OnesCount(uint(count)) != 1 && nextPow2(count) <= maxCount:
			detail = fmt.Sprintf("ring %q: count %d is not a power of two; use %d, or pass ExactSize", name, count, nextPow2(count))
		case syscall.Errno(errno) == syscall.EEXIST:
			detail = fmt.Sprintf("ring %q: a ring of that name exists", name)
		default:
			detail = fmt.Sprintf("ring %q, count %d, socket %d, flags %#x", name, count, socket, uint(flags))
		}
		return nil, rte.Errf("rte_ring_create", errno, "%s", detail)
	}
	return &Ring{r: r, name: name, capacity: cCapacity(r), owned: true}, nil
}

func nextPow2(n int) int { return 1 << bits.Len(uint(n-1)) }

// Lookup finds an existing ring by name (rte_ring_lookup). A ring found
// this way is not freed by its Free, and must not be used after its
// creator frees it.
func Lookup(name string) (*Ring, error) {
	r, errno := cLookup(name)
	if r == nil {
		return nil, rte.Errf("rte_ring_lookup", errno, "ring %q", name)
	}
	return &Ring{r: r, name: cName(r), capacity: cCapacity(r)}, nil
}

// Free releases the ring (rte_ring_free). It refuses while the ring holds
// mbufs, which freeing it would leak: Dequeue them, or Drain the ring,
// first. It also refuses for a ring found with Lookup, and when called
// twice. After Free only Name and Free may be called; the other methods
// panic.
func (r *Ring) Free() error {
	if r.r == nil {
		return fmt.Errorf("ring: %s already freed", r.name)
	}
	if !r.owned {
		return fmt.Errorf("ring: %s was looked up, not created here; its creator frees it", r.name)
	}
	if n := cCount(r.r); n > 0 {
		return fmt.Errorf("ring: %s still holds %d mbufs; Dequeue or Drain them first", r.name, n)
	}
	cFree(r.r)
	r.r = nil
	return nil
}

// ring returns the C ring, panicking with a clear message after Free
// rather than crashing in C.
func (r *Ring) ring() *cring {
	if r.r == nil {
		panic("ring: " + r.name + " used after Free")
	}
	return r.r
}

// Enqueue moves as many mbufs from the front of b into the ring as fit
// (rte_ring_enqueue_burst: one cgo call, no allocation) and returns how
// many. Those leave b and belong to the ring; the rest stay in b, in
// order, still owned by b: retry them, or free them.
func (r *Ring) Enqueue(b *mbuf.Burst) int {
	cr := r.ring()
	if b.Len() == 0 {
		return 0
	}
	n := cEnqueue(cr, b.Array(), b.Len())
	b.Consume(n)
	return n
}

// Dequeue moves up to b.Room() mbufs from the ring to the end of b
// (rte_ring_dequeue_burst: one cgo call, no allocation), in the order
// they were enqueued, and returns how many. They belong to b from then
// on. A full b takes nothing.
func (r *Ring) Dequeue(b *mbuf.Burst) int {
	cr := r.ring()
	if b.Room() == 0 {
		return 0
	}
	n := cDequeue(cr, b.Tail(), b.Room())
	b.Grow(n)
	return n
}

// Drain dequeues every mbuf in the ring and frees it (in C: one cgo call
// for the lot), returning how many it freed. Use it to empty a ring
// before Free. It races with other consumers (and with producers, which
// may refill the ring behind it): call it when they have stopped. The
// ring must carry only mbufs.
func (r *Ring) Drain() int { return cDrain(r.ring()) }

// Count is the number of mbufs in the ring now (one cgo call). With
// producers or consumers running it is a snapshot.
func (r *Ring) Count() int { return cCount(r.ring()) }

// FreeCount is how many more mbufs fit now: Capacity() - Count().
func (r *Ring) FreeCount() int { return r.capacity - cCount(r.ring()) }

// Capacity is how many mbufs the ring can hold at once.
func (r *Ring) Capacity() int {
	r.ring()
	return r.capacity
}

// Size is the number of slots DPDK allocated, a power of two: Capacity+1,
// or with ExactSize the power of two above Capacity.
func (r *Ring) Size() int { return cSize(r.ring()) }

// Flags returns the flags the ring was created with. A ring made by other
// code may carry DPDK flags this package has no constant for.
func (r *Ring) Flags() Flags { return Flags(cFlags(r.ring())) }

// Ptr returns the struct rte_ring pointer, for other packages' cgo code
// (the app runner enqueues and dequeues in its own C turn). It is
// valid until Free.
func (r *Ring) Ptr() unsafe.Pointer { return unsafe.Pointer(r.ring()) }

// Name is the ring's name.
func (r *Ring) Name() string { return r.name }
