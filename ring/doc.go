// Package ring binds DPDK's rte_ring to pass mbuf bursts between lcores
// with no copy and no allocation: a receive lcore enqueues what it got,
// a worker lcore dequeues it, and the mbufs themselves never move.
//
//	r, err := ring.New("rx-to-work", 1024, ring.SocketAny, ring.SingleProducer|ring.SingleConsumer)
//	...
//	// producer lcore:  sent := r.Enqueue(burst) // the unsent stay in burst
//	// consumer lcore:  got := r.Dequeue(burst)  // appended to burst
//
// # Ownership
//
// An mbuf in a ring belongs to the ring. Enqueue takes mbufs from the
// front of a Burst and leaves the ones that did not fit in the Burst, in
// order, so nothing is dropped or leaked behind the caller's back: the
// caller retries them or frees them. Dequeue appends to a Burst, which
// owns them from then on. Free refuses while the ring holds mbufs; Drain
// frees them.
//
// # Costs
//
// Enqueue, Dequeue, Count, FreeCount and Drain are one cgo call each (an
// empty burst, or a full one for Dequeue, costs none); Capacity, Size,
// Flags and Name are plain loads. None of them allocates. Burst arrays are
// C memory (see mbuf.Burst), and the ring and array go to C as integers,
// so cgo has no pointer to check on the hot path.
//
// # Threads
//
// The default ring is multi-producer, multi-consumer. SingleProducer and
// SingleConsumer are faster but promise one enqueuing (or dequeuing)
// thread at a time, such as one lcore loop. An ordinary goroutine may use
// a ring too; but a multi-producer or multi-consumer ring makes the others
// wait for a thread that the OS has paused mid-operation, so keep heavy
// traffic on lcores (eal.Launch), which are pinned to their CPUs.
//
// An lcore loop that finds the ring full (or empty) should simply poll
// again. Its goroutine is locked to the lcore's thread, so
// runtime.Gosched or any blocking call hands the thread off through the
// Go scheduler, which costs microseconds each time: in this package's
// pipeline benchmark, a Gosched on every full ring made it 2 to 3 times
// slower.
package ring
