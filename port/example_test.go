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
