package ring_test

import (
	"fmt"

	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/ring"
)

// Pass a burst of mbufs through a ring: what does not fit stays in the
// burst. (The EAL is up: this package's TestMain started it.)
func Example() {
	pool, err := mbuf.NewPool(mbuf.PoolConfig{Name: "ring-example", Count: 63, Socket: mbuf.SocketAny})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Free()
	r, err := ring.New("example", 4, ring.SocketAny, ring.SingleProducer|ring.SingleConsumer)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Free()
	in, _ := mbuf.NewBurst(8)
	defer in.Close()
	out, _ := mbuf.NewBurst(8)
	defer out.Close()

	_ = in.Alloc(pool, 5)
	for i, m := range in.Pkts() {
		_ = m.SetData([]byte{'a' + byte(i)})
	}
	fmt.Println("capacity:", r.Capacity())
	fmt.Println("enqueued:", r.Enqueue(in), "left in burst:", in.Len(), "in ring:", r.Count())
	fmt.Println("dequeued:", r.Dequeue(out))
	for _, m := range out.Pkts() {
		fmt.Printf("%s", m.Data())
	}
	fmt.Println()
	fmt.Println("retry enqueued:", r.Enqueue(in))

	out.Free()
	fmt.Println("drained:", r.Drain(), "pool full:", pool.Full())
	// Output:
	// capacity: 3
	// enqueued: 3 left in burst: 2 in ring: 3
	// dequeued: 3
	// abc
	// retry enqueued: 2
	// drained: 2 pool full: true
}

// Ring counts need not be powers of two with ExactSize; without it, the
// error says what to do.
func ExampleNew() {
	_, err := ring.New("example-1000", 1000, ring.SocketAny, 0)
	fmt.Println(err)

	r, err := ring.New("example-1000", 1000, ring.SocketAny, ring.ExactSize)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Free()
	fmt.Println(r.Capacity(), r.Size())
	// Output:
	// rte_ring_create: Invalid argument (ring "example-1000": count 1000 is not a power of two; use 1024, or pass ExactSize)
	// 1000 1024
}
