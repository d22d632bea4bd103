package app

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/pkt"
	"github.com/zcnic/zcnic/pkt/testpkts"
)

// jumboFrames are valid UDP/IPv4 and TCP/IPv6 frames larger than an
// mbuf's data room (2048 bytes): they arrive as chains.
func jumboFrames(t *testing.T) [][]byte {
	t.Helper()
	var out [][]byte
	for _, size := range []int{2040, 2100, 4000, 9000} {
		eth := &layers.Ethernet{SrcMAC: testpkts.MAC1, DstMAC: testpkts.MAC2, EthernetType: layers.EthernetTypeIPv4}
		ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{198, 18, 0, 1}, DstIP: net.IP{198, 18, 0, 2}}
		udp := &layers.UDP{SrcPort: 1000, DstPort: 53}
		require.NoError(t, udp.SetNetworkLayerForChecksum(ip4))
		b, err := testpkts.Serialize(eth, ip4, udp, gopacket.Payload(make([]byte, size-42)))
		require.NoError(t, err)
		out = append(out, b)
		eth6 := *eth
		eth6.EthernetType = layers.EthernetTypeIPv6
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: net.ParseIP("2001:db8::1"), DstIP: net.ParseIP("2001:db8::2")}
		tcp := &layers.TCP{SrcPort: 40000, DstPort: 80, ACK: true, Window: 1024}
		require.NoError(t, tcp.SetNetworkLayerForChecksum(ip6))
		b, err = testpkts.Serialize(&eth6, ip6, tcp, gopacket.Payload(make([]byte, size-74)))
		require.NoError(t, err)
		out = append(out, b)
	}
	return out
}

// jumboRun forwards the jumbo frames pcap to pcap with h and returns
// what came out.
func jumboRun(t *testing.T, h func(cfg *Config) Handler) (in, out [][]byte) {
	t.Helper()
	in = jumboFrames(t)
	ports, outPath := pcapPair(t, in)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg := Config{Ports: ports}
	untilTx(&cfg, uint64(len(in)), cancel)
	res, err := Run(ctx, cfg, h(&cfg))
	require.NoError(t, err)
	require.NotErrorIs(t, ctx.Err(), context.DeadlineExceeded, "the run timed out: not every frame was forwarded")
	checkBalanced(t, res)
	assert.Zero(t, res.Ports[0].Dropped, "no frame dropped (as malformed)")
	out, err = testpkts.ReadPcap(outPath)
	require.NoError(t, err)
	require.Len(t, out, len(in))
	return in, out
}

// Frames over the mbuf data room are chains whose headers are in the
// first segment: every mode forwards them, and so does a handler
// written like the README's (5tswap dropped them all as malformed).
func TestForwardJumboChains(t *testing.T) {
	for _, m := range []Mode{IO, MacSwap, FiveTupleSwap, L2Fwd} {
		t.Run(m.String(), func(t *testing.T) {
			in, out := jumboRun(t, func(cfg *Config) Handler {
				fw, err := NewForwarder(len(cfg.Ports), FwdConfig{Mode: m, Peers: []int{1, 0}})
				require.NoError(t, err)
				cfg.OnReady = fw.Ready
				return fw.Handler
			})
			for i := range in {
				require.Len(t, out[i], len(in[i]), "packet %d", i)
				if m == FiveTupleSwap {
					a, b := decode(in[i]), decode(out[i])
					na, nb := a.NetworkLayer().NetworkFlow(), b.NetworkLayer().NetworkFlow()
					assert.Equal(t, na.Reverse(), nb, "packet %d: addresses swapped", i)
					ta, tb := a.TransportLayer().TransportFlow(), b.TransportLayer().TransportFlow()
					assert.Equal(t, ta.Reverse(), tb, "packet %d: ports swapped", i)
					assert.Equal(t, a.TransportLayer().LayerPayload(), b.TransportLayer().LayerPayload(), "packet %d: payload intact", i)
				}
				if m == IO {
					assert.Equal(t, in[i], out[i], "packet %d", i)
				}
			}
		})
	}
	t.Run("readme handler", func(t *testing.T) {
		in, out := jumboRun(t, func(*Config) Handler {
			return func(c *Ctx, pkts []*mbuf.Mbuf) {
				var p pkt.Parsed
				for i, m := range pkts {
					b := m.Data()
					if pkt.ParseLen(b, m.PktLen(), &p) != nil || !pkt.DecrementTTL(b, &p) {
						c.Drop(i, DropTTL)
						continue
					}
					c.Send(i, 1)
				}
			}
		})
		for i := range in {
			require.Len(t, out[i], len(in[i]), "packet %d", i)
			if ip, ok := decode(out[i]).Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
				assert.Equal(t, uint8(63), ip.TTL, "packet %d", i)
			}
		}
	})
}
