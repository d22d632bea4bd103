package port_test

import (
	"fmt"

	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/port"
)

// Send packets into a net_ring port, which loops them back, and receive
// them: the shape of every receive/transmit loop.
func Example() {
	pool, _ := mbuf.NewPool(mbuf.PoolConfig{Name: "example", Count: 1023, Cache: 64})
	p, err := port.Attach("net_ring9")
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := p.Configure(port.Config{RxQueues: 1, TxQueues: 1, Pool: pool}); err != nil {
		fmt.Println(err)
		return
	}
	_ = p.Start()

	b, _ := mbuf.NewBurst(32)
	_ = b.Alloc(pool, 3)
	for i, m := range b.Pkts() {
		_ = m.SetData([]byte(fmt.Sprintf("packet %d", i)))
	}
	sent, _ := p.Tx(0, b)
	got, _ := p.Rx(0, b)
	fmt.Println("sent", sent, "received", got)
	for _, m := range b.Pkts() {
		fmt.Printf("%s\n", m.Data()) // the bytes in mbuf memory, not a copy
	}
	b.Free() // the burst owned them

	_ = p.Close()
	b.Close()
	fmt.Println("pool full again:", pool.Full())
	_ = pool.Free()
	// Output:
	// sent 3 received 3
	// packet 0
	// packet 1
	// packet 2
	// pool full again: true
}

// A hand-written forwarding loop, without app's runner: each turn sends
// what the last one received and receives the next, in one crossing.
// Here the port is a net_ring, which loops what it sends back.
func ExampleTxRx() {
	pool, _ := mbuf.NewPool(mbuf.PoolConfig{Name: "example_txrx", Count: 1023, Cache: 64})
	p, err := port.Attach("net_ring8")
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = p.Configure(port.Config{RxQueues: 1, TxQueues: 1, Pool: pool})
	_ = p.Start()

	b, _ := mbuf.NewBurst(32)
	_ = b.Alloc(pool, 4)
	for _, m := range b.Pkts() {
		_ = m.SetData(make([]byte, 60))
	}
	for turn := 1; turn <= 3; turn++ {
		for _, m := range b.Pkts() {
			m.Data()[0]++ // process in place
		}
		sent, got, err := port.TxRx(p, 0, b, p, 0, b)
		if err != nil {
			fmt.Println(err)
			break
		}
		fmt.Printf("turn %d: sent %d, received %d\n", turn, sent, got)
	}
	b.Free()
	_ = p.Close()
	b.Close()
	fmt.Println("pool full again:", pool.Full())
	_ = pool.Free()
	// Output:
	// turn 1: sent 4, received 4
	// turn 2: sent 4, received 4
	// turn 3: sent 4, received 4
	// pool full again: true
}
