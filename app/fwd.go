package app

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/pkt"
	"github.com/zcnic/zcnic/port"
)

// Mode is a forwarding mode, with dpdk-testpmd's semantics.
type Mode int

// Forwarding modes.
const (
	// IO forwards packets untouched.
	IO Mode = iota
	// MacSwap swaps the Ethernet source and destination.
	MacSwap
	// FiveTupleSwap swaps MACs, IP addresses and UDP/TCP ports
	// (testpmd's 5tswap); packets that do not parse are dropped as
	// DropMalformed.
	FiveTupleSwap
	// L2Fwd sets the destination MAC to the output port's peer and the
	// source MAC to the output port's own (DPDK's l2fwd example).
	L2Fwd
)

var modeNames = []string{"io", "macswap", "5tswap", "l2fwd"}

func (m Mode) String() string {
	if m >= 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// ParseMode parses "io", "macswap", "5tswap" or "l2fwd".
func ParseMode(s string) (Mode, error) {
	for i, n := range modeNames {
		if s == n {
			return Mode(i), nil
		}
	}
	return 0, fmt.Errorf("app: unknown forwarding mode %q (modes: %s)", s, strings.Join(modeNames, ", "))
}

// FwdConfig configures a forwarder.
type FwdConfig struct {
	Mode Mode
	// Peers[i] is the output port for packets received on port i. Nil
	// pairs ports 0<->1, 2<->3, ...; with an odd count the last port
	// sends back out of itself.
	Peers []int
	// DstMACs[i] is the destination MAC that L2Fwd writes for packets
	// leaving port i. Nil uses 02:00:00:00:00:<i> (as DPDK's l2fwd does).
	DstMACs []net.HardwareAddr
}

// DefaultPeers pairs n ports 0<->1, 2<->3, ...; an odd last port is its
// own peer.
func DefaultPeers(n int) []int {
	peers := make([]int, n)
	for i := range peers {
		peers[i] = i ^ 1
		if peers[i] >= n {
			peers[i] = i
		}
	}
	return peers
}

// Forward runs a forwarder: Run with the handler of fc.Mode, its Ready
// called after cfg.OnReady.
func Forward(ctx context.Context, cfg Config, fc FwdConfig) (Result, error) {
	fw, err := NewForwarder(len(cfg.Ports), fc)
	if err != nil {
		return Result{}, err
	}
	cfg.AddReady(fw.Ready)
	return Run(ctx, cfg, fw.Handler)
}

// AddReady makes f run after the OnReady already set (if any), which
// it keeps: the way to give a run a Forwarder's Ready beside a hook of
// one's own. A nil f changes nothing; an error from the first ends the
// start there.
func (c *Config) AddReady(f func(ports []*port.Port) error) {
	if f == nil {
		return
	}
	own := c.OnReady
	if own == nil {
		c.OnReady = f
		return
	}
	c.OnReady = func(ports []*port.Port) error {
		if err := own(ports); err != nil {
			return err
		}
		return f(ports)
	}
}

// Forwarder is a forwarding mode's handler, and the hook that gives it
// what it reads from the ports once they have started.
type Forwarder struct {
	// Handler forwards the bursts.
	Handler Handler
	// Ready, for L2Fwd, learns each port's MAC, which the handler writes
	// as the source of the packets leaving it: give it to the run with
	// Config.AddReady (after your own OnReady), as Forward does; without
	// it L2Fwd writes a zero source. Nil for the modes that need nothing.
	Ready func(ports []*port.Port) error
}

// NewForwarder returns the forwarder of fc for a run of n ports.
// It changes no Config: a mode that needs the started ports says so
// with Forwarder.Ready.
func NewForwarder(n int, fc FwdConfig) (Forwarder, error) {
	peers := fc.Peers
	if peers == nil {
		peers = DefaultPeers(n)
	}
	if len(peers) != n {
		return Forwarder{}, cfgErr("Peers has %d entries for %d ports", len(peers), n)
	}
	for i, p := range peers {
		if p < 0 || p >= n {
			return Forwarder{}, cfgErr("Peers[%d] = %d: no such port", i, p)
		}
	}
	// The handlers below write verdicts straight into the burst's
	// verdict array (v, as long as pkts), so that their loops carry no
	// bound check (go build -gcflags=-d=ssa/check_bce ./app shows none
	// in them).
	//
	// out is the output for the current burst: the peer of its input
	// port, or -1 for a burst from a ring (a pipeline stage), whose
	// packets may come from several ports and are routed one by one.
	var peerv [maxTx]int16 // the send verdict of each input port's peer
	for i, p := range peers {
		peerv[i] = int16(p + 1)
	}
	out := func(c *Ctx) int {
		if c.FromRing() >= 0 {
			return -1
		}
		return peers[c.RxQueue().Port]
	}
	// route is the verdict for packet m of a ring burst: its input
	// port's peer, or DropNoRoute.
	noRoute := dropVerdict(DropNoRoute)
	route := func(c *Ctx, m *mbuf.Mbuf) int16 {
		if in := c.InputPort(m); in >= 0 {
			return peerv[uint(in)%maxTx]
		}
		return noRoute
	}
	malformed := dropVerdict(DropMalformed)
	switch fc.Mode {
	case IO:
		return Forwarder{Handler: func(c *Ctx, pkts []*mbuf.Mbuf) {
			if o := out(c); o >= 0 {
				c.SendAll(len(pkts), o)
				return
			}
			v := c.verdicts(len(pkts))
			for i, m := range pkts {
				v[i] = route(c, m)
			}
		}}, nil
	case MacSwap:
		return Forwarder{Handler: func(c *Ctx, pkts []*mbuf.Mbuf) {
			o := out(c)
			if o >= 0 {
				c.SendRest(o) // all but the drops below
			}
			v := c.verdicts(len(pkts))
			for i, m := range pkts {
				if pkt.SwapMACs(m.Data()) != nil {
					v[i] = malformed
				} else if o < 0 {
					v[i] = route(c, m)
				}
			}
		}}, nil
	case FiveTupleSwap:
		return Forwarder{Handler: func(c *Ctx, pkts []*mbuf.Mbuf) {
			o := out(c)
			if o >= 0 {
				c.SendRest(o)
			}
			v := c.verdicts(len(pkts))
			var p pkt.Parsed
			for i, m := range pkts {
				b := m.Data()
				// b is the first segment: a frame larger than an mbuf
				// is a chain, with its headers here, which the fast
				// path leaves to ParseLen.
				if !pkt.SwapFiveTupleFast(b) &&
					(pkt.ParseLen(b, m.PktLen(), &p) != nil || pkt.SwapFiveTuple(b, &p) != nil) {
					v[i] = malformed
				} else if o < 0 {
					v[i] = route(c, m)
				}
			}
		}}, nil
	case L2Fwd:
		// macs[i]: the destination and source MACs written on packets
		// leaving port i.
		var macs [maxTx][12]byte
		for i := 0; i < n; i++ {
			if fc.DstMACs != nil {
				if len(fc.DstMACs) != n || len(fc.DstMACs[i]) != 6 {
					return Forwarder{}, cfgErr("DstMACs needs one 6-byte MAC per port")
				}
				copy(macs[i][:6], fc.DstMACs[i])
			} else {
				macs[i] = [12]byte{2, 0, 0, 0, 0, byte(i)}
			}
		}
		ready := func(ports []*port.Port) error {
			for i, p := range ports {
				in, err := p.Info()
				if err != nil {
					return err
				}
				copy(macs[i][6:], in.MAC)
			}
			return nil
		}
		return Forwarder{Ready: ready, Handler: func(c *Ctx, pkts []*mbuf.Mbuf) {
			o := out(c)
			if o >= 0 {
				c.SendRest(o)
			}
			v := c.verdicts(len(pkts))
			for i, m := range pkts {
				b := m.Data()
				if len(b) < 14 {
					v[i] = malformed
					continue
				}
				vo := int16(o + 1)
				if o < 0 {
					if vo = route(c, m); vo < 0 {
						v[i] = vo
						continue
					}
					v[i] = vo
				}
				// vo-1 is a port index, below maxTx.
				*(*[12]byte)(b) = macs[uint(vo-1)%maxTx]
			}
		}}, nil
	}
	return Forwarder{}, cfgErr("unknown mode %v", fc.Mode)
}

// RxOnly is the handler that counts and drops every packet.
func RxOnly(c *Ctx, pkts []*mbuf.Mbuf) { c.DropAll(DropFiltered) }
