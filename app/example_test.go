package app_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zcnic/zcnic/app"
	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/pkt"
)

// A handler that swaps MACs and sends every packet back out of the other
// port, dropping runts; the run stops after 100,000 packets.
func ExampleRun() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := app.Config{
		// The EAL is already running in this example (tests start it);
		// Run would otherwise start it from cfg.EAL.
		Ports:         []app.PortConfig{{Device: "net_null90"}, {Device: "net_null91"}},
		StatsInterval: 10 * time.Millisecond,
		OnStats: func(s app.Snapshot) {
			if s.Ports[0].TxPackets+s.Ports[1].TxPackets > 100000 {
				cancel()
			}
		},
	}
	res, err := app.Run(ctx, cfg, func(c *app.Ctx, pkts []*mbuf.Mbuf) {
		out := 1 - c.RxQueue().Port
		for i, m := range pkts {
			if pkt.SwapMACs(m.Data()) != nil {
				c.Drop(i, app.DropMalformed)
				continue
			}
			c.Send(i, out)
		}
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	p := res.Ports[0]
	fmt.Println("balanced:", p.RxPackets == p.Forwarded+p.Dropped+p.Kept)
	fmt.Println("mbufs not returned:", res.Leaked)
	// Output:
	// balanced: true
	// mbufs not returned: 0
}

// A two-stage pipeline: the main lcore receives from both ports and
// spreads the packets by flow over a ring to a worker lcore, which runs
// the 5tswap forwarder and transmits.
func ExampleSpread() {
	workers := eal.Workers()
	if len(workers) == 0 {
		fmt.Println("handed to the worker: true") // one CPU: no worker lcore to show
		return
	}
	rx, w := eal.MainLcore(), workers[0]
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	cfg := app.Config{
		Ports: []app.PortConfig{{Device: "net_null92"}, {Device: "net_null93"}},
		Lcores: []app.LcoreConfig{
			{Lcore: rx, Rx: []app.Queue{{Port: 0}, {Port: 1}}, NoTx: true},
			{Lcore: w},
		},
		Rings: []app.RingConfig{{From: []uint{rx}, To: w}},
	}
	work, err := app.NewForwarder(len(cfg.Ports), app.FwdConfig{Mode: app.FiveTupleSwap})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := app.Run(ctx, cfg, app.Spread([]int{0}, work.Handler))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("handed to the worker:", res.Lcores[1].RingIn > 0 && res.Leaked == 0)
	// Output:
	// handed to the worker: true
}

// Two ports with two rx queues each, over two worker lcores: each lcore
// polls its own queue of both ports (RSS keeps a flow on one queue, so
// on one loop) and Run gives each loop its own tx queue on every port.
// With RSS on (PortConfig.RSSHash), this is `zcnic fwd --rxq 2 --txq 2`.
func ExampleSpreadQueues() {
	for _, l := range app.SpreadQueues([]int{0, 1}, 2, []uint{1, 2}) {
		fmt.Println("lcore", l.Lcore, "polls", l.Rx)
	}
	// Output:
	// lcore 1 polls [{0 0} {1 0}]
	// lcore 2 polls [{0 1} {1 1}]
}

// Checked mode: a handler that frees a packet it kept and then sends it
// anyway. Without Debug the loop would transmit an mbuf that is back in
// the pool; with it the run stops and says where.
func ExampleConfig_debug() {
	var done bool
	cfg := app.Config{Ports: []app.PortConfig{{Device: "net_null94"}}, Debug: true}
	res, err := app.Run(context.Background(), cfg, func(c *app.Ctx, pkts []*mbuf.Mbuf) {
		if done {
			c.DropAll(app.DropFiltered)
			return
		}
		done = true
		c.Keep(0)
		pkts[0].Free()
		c.Send(0, 0) // a verdict for a freed packet
		c.SendRest(0)
	})
	var me *app.MisuseError
	if errors.As(err, &me) {
		fmt.Println(me.Call, "of packet", me.Packet)
		fmt.Println(me.Problem)
	}
	fmt.Println("mbufs not returned:", res.Leaked)
	// Output:
	// Ctx.Send of packet 0
	// a verdict for a packet the handler freed (mbuf.Free): a freed packet takes none
	// mbufs not returned: 0
}
