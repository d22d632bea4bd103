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

// Forward runs a forwarder: Run with the handler of cfg.Mode.
func Forward(ctx context.Context, cfg Config, fc FwdConfig) (Result, error) {
	h, err := NewForwarder(&cfg, fc)
	if err != nil {
		return Result{}, err
	}
	return Run(ctx, cfg, h)
}

// NewForwarder returns the handler for fc, and for L2Fwd hooks cfg's
// OnReady to learn the ports' MACs.
func NewForwarder(cfg *Config, fc FwdConfig) (Handler, error) {
	n := len(cfg.Ports)
	peers := fc.Peers
	if peers == nil {
		peers = DefaultPeers(n)
	}
	if len(peers) != n {
		return nil, cfgErr("Peers has %d entries for %d ports", len(peers), n)
	}
	for i, p := range peers {
		if p < 0 || p >= n {
			return nil, cfgErr("Peers[%d] = %d: no such port", i, p)
		}
	}
	// out is the output for the current burst: the peer of its input
	// port, or -1 for a burst from a ring (a pipeline stage), whose
	// packets may come from several ports and are routed one by one.
	out := func(c *Ctx) int {
		if c.FromRing() >= 0 {
			return -1
		}
		return peers[c.RxQueue().Port]
	}
	// peerOf routes one packet of a ring burst (-1: no route).
	peerOf := func(c *Ctx, m *mbuf.Mbuf, out int) int {
		if out >= 0 {
			return out
		}
		if in := c.InputPort(m); in >= 0 {
			return peers[in]
		}
		return -1
	}
	switch fc.Mode {
	case IO:
		return func(c *Ctx, pkts []*mbuf.Mbuf) {
			if o := out(c); o >= 0 {
				c.SendAll(len(pkts), o)
				return
			}
			for i, m := range pkts {
				c.Send(i, peerOf(c, m, -1))
			}
		}, nil
	case MacSwap:
		return func(c *Ctx, pkts []*mbuf.Mbuf) {
			o := out(c)
			if o >= 0 {
				c.SendRest(o) // all but the drops below
			}
			for i, m := range pkts {
				if pkt.SwapMACs(m.Data()) != nil {
					c.Drop(i, DropMalformed)
				} else if o < 0 {
					c.Send(i, peerOf(c, m, o))
				}
			}
		}, nil
	case FiveTupleSwap:
		return func(c *Ctx, pkts []*mbuf.Mbuf) {
			o := out(c)
			if o >= 0 {
				c.SendRest(o)
			}
			var p pkt.Parsed
			for i, m := range pkts {
				b := m.Data()
				if pkt.SwapFiveTupleFast(b) {
					if o < 0 {
						c.Send(i, peerOf(c, m, o))
					}
					continue
				}
				// b is the first segment: a frame larger than an
				// mbuf is a chain, with its headers here.
				if pkt.ParseLen(b, m.PktLen(), &p) != nil || pkt.SwapFiveTuple(b, &p) != nil {
					c.Drop(i, DropMalformed)
				} else if o < 0 {
					c.Send(i, peerOf(c, m, o))
				}
			}
		}, nil
	case L2Fwd:
		// src[i], dst[i]: the MACs written on packets leaving port i.
		src := make([][6]byte, n)
		dst := make([][6]byte, n)
		for i := range dst {
			if fc.DstMACs != nil {
				if len(fc.DstMACs) != n || len(fc.DstMACs[i]) != 6 {
					return nil, cfgErr("DstMACs needs one 6-byte MAC per port")
				}
				copy(dst[i][:], fc.DstMACs[i])
			} else {
				dst[i] = [6]byte{2, 0, 0, 0, 0, byte(i)}
			}
		}
		prev := cfg.OnReady
		cfg.OnReady = func(ports []*port.Port) error {
			for i, p := range ports {
				in, err := p.Info()
				if err != nil {
					return err
				}
				copy(src[i][:], in.MAC)
			}
			if prev != nil {
				return prev(ports)
			}
			return nil
		}
		return func(c *Ctx, pkts []*mbuf.Mbuf) {
			o := out(c)
			if o >= 0 {
				c.SendRest(o)
			}
			for i, m := range pkts {
				b := m.Data()
				if len(b) < 14 {
					c.Drop(i, DropMalformed)
					continue
				}
				p := peerOf(c, m, o)
				if p < 0 {
					c.Drop(i, DropNoRoute)
					continue
				}
				copy(b[0:6], dst[p][:])
				copy(b[6:12], src[p][:])
				if o < 0 {
					c.Send(i, p)
				}
			}
		}, nil
	}
	return nil, cfgErr("unknown mode %v", fc.Mode)
}

// RxOnly is the handler that counts and drops every packet.
func RxOnly(c *Ctx, pkts []*mbuf.Mbuf) { c.DropAll(DropFiltered) }
