package mbuf_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"

	"github.com/zcnic/zcnic/mbuf"
)

// Build packets in a burst, read them back in place, and give them all
// back. (The EAL is up: this package's TestMain started it.)
func Example() {
	pool, err := mbuf.NewPool(mbuf.PoolConfig{Name: "example", Count: 255, Socket: mbuf.SocketAny})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Free()

	burst, err := mbuf.NewBurst(32)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer burst.Close()

	if err := burst.Alloc(pool, 4); err != nil { // one cgo call for all four
		fmt.Println(err)
		return
	}
	for i, m := range burst.Pkts() {
		b, _ := m.Append(4) // plain stores: no cgo call
		binary.BigEndian.PutUint32(b, uint32(100+i))
	}
	fmt.Println("in use:", pool.InUse())
	for _, m := range burst.Pkts() {
		fmt.Println(m.DataLen(), binary.BigEndian.Uint32(m.Data()))
	}
	burst.Free() // one cgo call; the burst is empty again
	fmt.Println("full:", pool.Full())
	// Output:
	// in use: 4
	// 4 100
	// 4 101
	// 4 102
	// 4 103
	// full: true
}

// Put a header in front of a payload without moving the payload: the
// header goes into the headroom.
func ExampleMbuf_Prepend() {
	pool, err := mbuf.NewPool(mbuf.PoolConfig{Name: "example-prepend", Count: 15})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Free()
	m := pool.Alloc()
	defer m.Free()

	_ = m.SetData([]byte("payload"))
	hdr, err := m.Prepend(4)
	if err != nil {
		fmt.Println(err)
		return
	}
	copy(hdr, "HDR|")
	fmt.Printf("%s headroom=%d len=%d\n", m.Data(), m.Headroom(), m.PktLen())

	_, err = m.Prepend(m.Headroom() + 1)
	fmt.Println(errors.Is(err, mbuf.ErrNoRoom), err)
	// Output:
	// HDR|payload headroom=124 len=11
	// true mbuf: not enough room: prepend 125 bytes with 124 of headroom
}

// A burst that cannot be filled takes nothing; the error names the DPDK
// call.
func ExampleBurst_Alloc() {
	pool, err := mbuf.NewPool(mbuf.PoolConfig{Name: "example-alloc", Count: 7})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Free()
	burst, _ := mbuf.NewBurst(32)
	defer burst.Close()

	err = burst.Alloc(pool, 8)
	fmt.Println(burst.Len(), pool.Available(), errors.Is(err, syscall.ENOBUFS))
	fmt.Println(err)
	err = burst.Alloc(pool, 7)
	fmt.Println(burst.Len(), pool.Available(), err)
	// Output:
	// 0 7 true
	// rte_pktmbuf_alloc_bulk: No buffer space available (pool example-alloc has fewer than 8 mbufs free to this thread; 7 available counting every lcore's cache)
	// 7 0 <nil>
}

// Find a pool by name; the one that created it frees it.
func ExampleLookupPool() {
	pool, err := mbuf.NewPool(mbuf.PoolConfig{Name: "example-lookup", Count: 63, Cache: 16})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Free()

	found, err := mbuf.LookupPool("example-lookup")
	fmt.Println(found.Count(), found.Cache(), err)
	fmt.Println(found.Free())

	_, err = mbuf.LookupPool("example-missing")
	fmt.Println(errors.Is(err, syscall.ENOENT), err)
	// Output:
	// 63 16 <nil>
	// mbuf: pool example-lookup was looked up, not created here; its creator frees it
	// true rte_mempool_lookup: No such file or directory (pool "example-missing")
}

// Lengths for checksum offload, packed into DPDK's bit-fields.
func ExampleMbuf_SetTxOffload() {
	pool, err := mbuf.NewPool(mbuf.PoolConfig{Name: "example-txoff", Count: 15})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Free()
	m := pool.Alloc()
	defer m.Free()

	_ = m.SetTxOffload(14, 20, 8) // Ethernet, IPv4, UDP
	m.SetOlFlags(mbuf.TxIPv4 | mbuf.TxIPCksum | mbuf.TxUDPCksum)
	fmt.Println(m.TxOffload())
	fmt.Println(m.SetTxOffload(14, 20, 300))
	// Output:
	// 14 20 8
	// mbuf: tx offload lengths l2=14 l3=20 l4=300 out of range
}
