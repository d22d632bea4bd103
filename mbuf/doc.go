// Package mbuf gives Go zero-copy access to DPDK packet buffers: mempools
// of mbufs (Pool), the mbufs themselves (Mbuf), and reusable arrays of
// mbuf pointers in C memory (Burst) that ports and rings fill and drain.
//
// The EAL must be running (see package eal) before a Pool is created.
//
// # Ownership
//
// Every mbuf has exactly one owner at a time, and is freed exactly once:
//
//   - Pool.Alloc and Burst.Alloc make the caller (or the Burst) the owner.
//   - A Burst owns the mbufs in Pkts(). A receive appends to it; a transmit
//     or a ring enqueue removes the mbufs it took and leaves the rest in the
//     Burst, in order, still owned by it: nothing unsent is lost or freed
//     behind the caller's back. Burst.Free frees what is left, and
//     Burst.Close frees it too before releasing the array.
//   - Handing an mbuf on (transmitting it, enqueueing it on a ring) or
//     freeing it (Mbuf.Free, Burst.Free) ends ownership. From then on the
//     *Mbuf, and every slice its Data, Prepend or Append returned, must not
//     be touched: the memory is back in the pool, or with a NIC or another
//     lcore, and may already hold another packet. Go cannot catch such a use;
//     the tests catch leaks by checking Pool.Full at the end.
//   - A Data slice aliases the packet in place. It also goes stale when the
//     packet's length or start changes (Prepend, Append, Adj, Trim, SetData,
//     Reset): call Data again.
//   - Pool.Free refuses while any mbuf is out of the pool. A pool found with
//     LookupPool belongs to whoever created it, and only they free it.
//
// # What costs a cgo call
//
// A cgo call costs about 20 ns, so the API says which methods make one:
//
//   - One cgo call each: Pool.Alloc, Mbuf.Free, Mbuf.Reset, Burst.Alloc and
//     Burst.Free (one call for the whole burst, which is why bursts are the
//     way to move many mbufs), and the pool counts Pool.Available,
//     Pool.InUse and Pool.Full. Pool.DataRoom is a cgo call too; Pool.Name
//     allocates a Go string.
//   - Plain loads and stores, no cgo call and no allocation: Mbuf.Data,
//     DataLen, PktLen, Headroom, Tailroom, NumSegs, Next, Refcnt, Prepend,
//     Append, Adj, Trim, SetData (a copy), the metadata getters and setters
//     (Port, RSSHash, OlFlags, PacketType, VlanTCI, TxOffload), and every
//     Burst method other than Alloc, Free and Close (Push, Pkts, Len, Room,
//     Consume, Clear, ...). Pool.Count and Pool.Cache read the pool struct.
//
// NewPool, LookupPool and NewBurst allocate, once, at set-up; nothing on
// the per-packet or per-burst path does, except to build the error value
// when a call fails (ErrNoRoom and friends).
//
// # Per-lcore caches
//
// A pool with a Cache keeps a cache of free mbufs for each lcore. Code
// running on an lcore (inside eal.Run, eal.Launch or eal.RunOnMain) takes
// and returns mbufs through its lcore's cache without touching the pool's
// shared ring. An ordinary goroutine is not an lcore, so it always uses the
// shared ring: correct, only slower under contention. Pool.Available counts
// the mbufs sitting in every lcore's cache, but only that lcore can take
// them, so Available can be larger than what another thread can allocate.
//
// # Limits
//
// Methods that describe a packet (Data, Headroom, Prepend, Adj) work on the
// first segment; PktLen, Append, Trim and Tailroom follow the chain to the
// last one. The package reads chains (received from a port, for instance)
// but does not build them.
package mbuf
