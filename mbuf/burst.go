package mbuf

import (
	"fmt"
	"unsafe"

	"github.com/zcnic/zcnic/internal/mbufcheck"
	"github.com/zcnic/zcnic/internal/rte"
)

// MaxBurst is the largest Burst capacity: far above any useful burst
// (DPDK PMDs work in bursts of 32 to 64), low enough to catch mistakes.
const MaxBurst = 4096

// Burst is a fixed-capacity array of mbuf pointers, allocated in C memory
// once and reused for every receive and transmit. Because the array is
// not Go memory, handing it to DPDK costs no cgo pointer check, and
// nothing about a receive or transmit allocates.
//
// The Burst owns the mbufs in Pkts(): a receive appends to it, a transmit
// removes what was sent and keeps what was not, and Free frees the rest.
// A Burst is not safe for concurrent use; each lcore loop has its own.
type Burst struct {
	arr  unsafe.Pointer // C array of capacity pointers
	pkts []*Mbuf        // aliases arr; len is the number held
}

// NewBurst allocates an empty Burst that holds up to capacity mbufs.
// Close it when done to release the array.
func NewBurst(capacity int) (*Burst, error) {
	if capacity <= 0 || capacity > MaxBurst {
		return nil, fmt.Errorf("mbuf: burst capacity %d: must be 1 to %d", capacity, MaxBurst)
	}
	arr := cCalloc(capacity, int(unsafe.Sizeof(uintptr(0))))
	if arr == nil {
		return nil, fmt.Errorf("mbuf: burst of %d: out of memory", capacity)
	}
	return &Burst{arr: arr, pkts: unsafe.Slice((**Mbuf)(arr), capacity)[:0]}, nil
}

// Pkts returns the mbufs the burst holds. The slice aliases the burst's
// array: it is valid until the next call that changes the burst.
func (b *Burst) Pkts() []*Mbuf { return b.pkts }

// Len is the number of mbufs held.
func (b *Burst) Len() int { return len(b.pkts) }

// Cap is the capacity.
func (b *Burst) Cap() int { return cap(b.pkts) }

// Room is how many more mbufs fit.
func (b *Burst) Room() int { return cap(b.pkts) - len(b.pkts) }

// Push adds m at the end; false if the burst is full (m stays the
// caller's).
func (b *Burst) Push(m *Mbuf) bool {
	if len(b.pkts) == cap(b.pkts) {
		return false
	}
	b.pkts = append(b.pkts, m) // within capacity: no allocation
	return true
}

// Free frees every mbuf held (rte_pktmbuf_free_bulk: one cgo call) and
// empties the burst.
func (b *Burst) Free() {
	if c := mbufcheck.Get(); c != nil {
		b.checkFree(c)
	}
	if len(b.pkts) > 0 {
		cFreeBulk(b.arr, len(b.pkts))
		b.pkts = b.pkts[:0]
	}
}

// checkFree asks c about every mbuf Free is about to free, and leaves
// out those it refuses.
func (b *Burst) checkFree(c mbufcheck.Checker) {
	n := 0
	for _, m := range b.pkts {
		if c.Free(unsafe.Pointer(m), "mbuf.Burst.Free") {
			b.pkts[n] = m
			n++
		}
	}
	b.pkts = b.pkts[:n]
}

// Clear forgets the mbufs held without freeing them, for when their
// ownership has passed elsewhere.
func (b *Burst) Clear() { b.pkts = b.pkts[:0] }

// Alloc takes n mbufs from pool and appends them (rte_pktmbuf_alloc_bulk:
// one cgo call). It is all or nothing: if the pool has fewer than n free,
// it takes none and returns an error.
func (b *Burst) Alloc(pool *Pool, n int) error {
	if n < 0 || n > b.Room() {
		return fmt.Errorf("mbuf: alloc %d into a burst with room for %d", n, b.Room())
	}
	if n == 0 {
		return nil // DPDK's ring mempool driver fails a bulk get of 0
	}
	if r := cAllocBulk(pool.live(), b.Tail(), n); r != 0 {
		return rte.Errf("rte_pktmbuf_alloc_bulk", r, "pool %s has fewer than %d mbufs free to this thread; %d available counting every lcore's cache", pool.Name(), n, pool.Available())
	}
	b.pkts = b.pkts[:len(b.pkts)+n]
	if c := mbufcheck.Get(); c != nil {
		for _, m := range b.pkts[len(b.pkts)-n:] {
			c.Alloc(unsafe.Pointer(m))
		}
	}
	return nil
}

// Close frees any mbufs still held and releases the array. The Burst
// must not be used afterwards.
func (b *Burst) Close() {
	if b.arr == nil {
		return
	}
	b.Free()
	cFreeMem(b.arr)
	b.arr, b.pkts = nil, nil
}

// For cgo bindings (the port and ring packages): the array and its
// bookkeeping. Array is the start of the C array; Tail is where the next
// appended mbuf goes. After C code has written k pointers at Tail, call
// Grow(k). After C code has consumed the first k, call Consume(k), which
// moves the rest to the front.

// Array returns the C array (struct rte_mbuf **) holding the mbufs.
func (b *Burst) Array() unsafe.Pointer { return b.arr }

// Tail returns the C array position after the last mbuf held.
func (b *Burst) Tail() unsafe.Pointer {
	return unsafe.Add(b.arr, uintptr(len(b.pkts))*unsafe.Sizeof(uintptr(0)))
}

// Grow records that k mbufs were written at Tail.
func (b *Burst) Grow(k int) { b.pkts = b.pkts[:len(b.pkts)+k] }

// Consume drops the first k mbufs (they were handed on) and moves the
// rest to the front, keeping their order.
func (b *Burst) Consume(k int) {
	n := copy(b.pkts, b.pkts[k:])
	b.pkts = b.pkts[:n]
}

// SetLen sets how many mbufs the burst holds, after C code has filled or
// compacted the array itself. It panics if n exceeds the capacity.
func (b *Burst) SetLen(n int) { b.pkts = b.pkts[:n] }
