// Package port drives DPDK ethdev ports: virtual devices (net_null,
// net_ring, net_pcap, net_tap, net_memif, net_af_packet, ...) and, when
// the EAL was allowed to probe them, PCI NICs.
//
// A port is opened by name (Open), by id (ByID), or hot-plugged from a
// devargs string (Attach), then configured, started, polled and closed:
//
//	p, err := port.Attach("net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap")
//	err = p.Configure(port.Config{RxQueues: 1, TxQueues: 1, Pool: pool})
//	err = p.Start()
//	defer p.Close()
//
// Configure checks the request against the device's info and names the
// limit it breaks (queues, descriptors, offloads, RSS, MTU, mempool size).
// A device its driver refuses comes back from Attach as a *ProbeError in
// the driver's own words ("net_pcap0: Couldn't open in.pcap: No such file
// or directory"); a failing DPDK call as an *eal.Error with what the
// driver logged.
//
// # Bursts: a hand-written loop
//
// Most programs let app.Run poll their ports: its loops receive, call a
// handler and transmit in one C turn per loop, and count everything.
// Rx, Tx and TxRx are the API for a loop written by hand instead (run it
// on an lcore with eal.Launch, each lcore on its own queues). They move packets between a queue and an mbuf.Burst, whose
// array lives in C memory: one cgo call per burst, no allocation, and no
// cgo pointer check. Ownership follows the packets: Rx appends received
// mbufs to the burst, which then owns them; Tx hands to the port those it
// sent and leaves the rest in the burst, in order, to retry or free —
// nothing is dropped silently. TxRx does both in one crossing, which is
// the whole turn of a forwarding loop:
//
//	for running {
//		// process b.Pkts() in place ...
//		_, _, err := port.TxRx(out, 0, b, in, 0, b) // send them, receive the next
//	}
//
// Bursts on a port that is not started, or on a queue it does not have,
// return an error: DPDK itself does not check, and would read past its
// queue array.
package port
