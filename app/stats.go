package app

import (
	"fmt"
	"time"

	"github.com/zcnic/zcnic/flow"
)

// PortCounters count one port's traffic as seen by the runner's loops.
type PortCounters struct {
	RxPackets uint64 // received on this port
	TxPackets uint64 // transmitted on this port
	// LoopRxBytes and LoopTxBytes are the bytes the loops counted, only
	// with Config.CountBytes: without it they are 0, which is no count.
	// Snapshot.Bytes gives a port's byte figures whatever counted them
	// (the device's counters by default) and says where they came from.
	LoopRxBytes, LoopTxBytes uint64
	// Of the packets received on this port: handed to a tx queue (sent,
	// or still pending while running), dropped, or kept by the handler.
	// After a run, RxPackets == Forwarded + Dropped + Kept.
	Forwarded, Dropped, Kept uint64
}

func (p *PortCounters) add(o PortCounters) {
	p.RxPackets += o.RxPackets
	p.LoopRxBytes += o.LoopRxBytes
	p.TxPackets += o.TxPackets
	p.LoopTxBytes += o.LoopTxBytes
	p.Forwarded += o.Forwarded
	p.Dropped += o.Dropped
	p.Kept += o.Kept
}

// LcoreCounters count one loop's work.
type LcoreCounters struct {
	Lcore uint
	Ports []PortCounters // indexed like Config.Ports
	Drops [NumDropReasons]uint64
	// BusyPolls received packets; EmptyPolls received none. Their ratio
	// is the loop's utilisation.
	BusyPolls, EmptyPolls uint64
	// Injected counts packets the handler sent with Inject.
	Injected uint64
	// RingIn counts packets this loop received from rings, RingOut
	// packets it handed to rings (pipelines, Config.Rings).
	RingIn, RingOut uint64
	// Held counts turns in which the loop left its rx queues unpolled
	// because a ring it fills was full (back-pressure: the packets wait
	// in the NIC's queue instead of being dropped at the ring).
	Held uint64
	// Stalls are the gaps between the loop's turns: how long it went
	// without polling.
	Stalls Stalls
	// Latency is how long the loop held the packets it received, rx to
	// tx, with Config.Latency on (else it counts nothing).
	Latency Latency
}

// Utilisation is the share of polls that found packets.
func (l LcoreCounters) Utilisation() float64 {
	if n := l.BusyPolls + l.EmptyPolls; n > 0 {
		return float64(l.BusyPolls) / float64(n)
	}
	return 0
}

func (l LcoreCounters) clone() LcoreCounters {
	l.Ports = append([]PortCounters(nil), l.Ports...)
	return l
}

// DevCounters are a port's counters as its driver keeps them
// (rte_eth_stats_get), read by the runner when it publishes a Snapshot,
// never on the loops' path. They include what the loops cannot see:
// packets the device dropped (RxMissed), and errors.
type DevCounters struct {
	// Read says the driver answered; the other fields are zero if not.
	Read bool
	// Bytes says the driver counts bytes: false when it counted packets
	// but no bytes (as net_null, which reports packets only), in which
	// case RxBytes and TxBytes are zero and say nothing.
	Bytes bool

	RxPackets, TxPackets uint64 // ipackets, opackets
	RxBytes, TxBytes     uint64 // ibytes, obytes
	RxMissed             uint64 // imissed: dropped by the device, no descriptor free
	RxErrors             uint64 // ierrors: erroneous packets received
	TxErrors             uint64 // oerrors: failed transmissions
	RxNoMbuf             uint64 // rx_nombuf: receive mbuf allocation failures
	// TxCut is how many frames the driver wrote cut short (net_pcap's
	// tx_pcap: port.Port.TxCut); zcnic's own count, never reset.
	TxCut uint64
	// Resets counts the times the driver's counters went backwards
	// during the run: the driver reset them (net_memif does when its
	// peer leaves). The counters above are rebased across each reset,
	// so that they only grow and count the whole run.
	Resets int
}

// Errors sums the device's error and drop counters.
func (d DevCounters) Errors() uint64 { return d.RxMissed + d.RxErrors + d.TxErrors + d.RxNoMbuf }

// Snapshot is the runner's counters at one moment.
type Snapshot struct {
	Elapsed time.Duration
	Lcores  []LcoreCounters
	Ports   []PortCounters // summed over lcores
	// Devices are the ports' own counters (indexed like Ports), read
	// from the drivers as the Snapshot is taken.
	Devices   []DevCounters
	PoolInUse int
	PoolSize  int
	// LoopBytes says the loops counted bytes (Config.CountBytes).
	LoopBytes bool
	// LatencyOn says the loops timed their packets (Config.Latency):
	// the Lcores' Latency and Latency() hold figures.
	LatencyOn bool
	// Rules are each port's flow rules (PortConfig.Rules): where each
	// runs and its hits, indexed like Ports, nil for a port without
	// rules (and nil altogether when no port has any). Classify is the
	// cost of each port's software classification.
	Rules    [][]flow.RuleStats
	Classify []flow.ClassifyStats
	// GoPauses are the Go runtime's stop-the-world pauses since the
	// loops started, beside the loops' Stalls.
	GoPauses GoPauses
}

// Stalls sums the loops' stalls (a histogram of every loop's gaps).
func (s Snapshot) Stalls() Stalls {
	var st Stalls
	for _, l := range s.Lcores {
		st.Add(l.Stalls)
	}
	return st
}

// Latency sums the loops' latency histograms (Config.Latency).
func (s Snapshot) Latency() Latency {
	var l Latency
	for _, lc := range s.Lcores {
		l.Add(lc.Latency)
	}
	return l
}

// ByteSource says where a port's byte figures come from.
type ByteSource int

// Where bytes are counted.
const (
	BytesNone   ByteSource = iota // nothing counted them: no figure
	BytesDevice                   // the device's counters (ibytes, obytes), as testpmd reports
	BytesLoop                     // the loops, per packet (Config.CountBytes)
)

var byteSourceNames = [...]string{"none", "device", "loop"}

func (b ByteSource) String() string {
	if b >= 0 && int(b) < len(byteSourceNames) {
		return byteSourceNames[b]
	}
	return fmt.Sprintf("ByteSource(%d)", int(b))
}

// Bytes is port i's received and transmitted bytes and where they come
// from: the loops' counts when they counted bytes (Config.CountBytes),
// else the device's when its driver counts bytes, else BytesNone, with
// zeros that mean "unknown", not "nothing".
func (s Snapshot) Bytes(i int) (rx, tx uint64, src ByteSource) {
	switch {
	case i < 0 || i >= len(s.Ports):
		return 0, 0, BytesNone
	case s.LoopBytes:
		return s.Ports[i].LoopRxBytes, s.Ports[i].LoopTxBytes, BytesLoop
	case i < len(s.Devices) && s.Devices[i].Read && s.Devices[i].Bytes:
		return s.Devices[i].RxBytes, s.Devices[i].TxBytes, BytesDevice
	}
	return 0, 0, BytesNone
}

// Drops sums the drop reasons over lcores.
func (s Snapshot) Drops() [NumDropReasons]uint64 {
	var d [NumDropReasons]uint64
	for _, l := range s.Lcores {
		for i, v := range l.Drops {
			d[i] += v
		}
	}
	return d
}
