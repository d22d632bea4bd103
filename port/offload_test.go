package port_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/pkt"
	"github.com/zcnic/zcnic/pkt/testpkts"
	"github.com/zcnic/zcnic/port"
)

// On a port without checksum offloads (net_ring), PrepareTxChecksum
// computes the checksums itself: frames with broken checksums come back
// through the ring loopback with the checksums gopacket computes.
func TestPrepareTxChecksumSoftware(t *testing.T) {
	pool := newPool(t, 1023)
	p := attach(t, uniq("net_ring"), pool)
	assert.Zero(t, p.TxOffloads())
	want, err := testpkts.Mixed()
	require.NoError(t, err)

	out := newBurst(t, 64)
	require.NoError(t, out.Alloc(pool, len(want)))
	var pp pkt.Parsed
	for i, m := range out.Pkts() {
		f := append([]byte(nil), want[i]...)
		require.NoError(t, pkt.Parse(f, &pp))
		if pp.L3Proto == pkt.L3IPv4 {
			f[pp.L3Offset+10] ^= 0xff // break the IPv4 header checksum
		}
		if pp.L4Proto == pkt.ProtoUDP || pp.L4Proto == pkt.ProtoTCP {
			cs := pp.L4Offset + 6
			if pp.L4Proto == pkt.ProtoTCP {
				cs = pp.L4Offset + 16
			}
			f[cs] ^= 0x5a // and the L4 one
		}
		require.NoError(t, m.SetData(f))
		require.NoError(t, pkt.Parse(m.Data(), &pp))
		off, err := p.PrepareTxChecksum(m, &pp)
		require.NoError(t, err)
		assert.False(t, off, "net_ring has no checksum offload: software")
		assert.Zero(t, m.OlFlags())
	}
	n, err := p.Tx(0, out)
	require.NoError(t, err)
	require.Equal(t, len(want), n)
	in := newBurst(t, 64)
	_, err = p.Rx(0, in)
	require.NoError(t, err)
	require.Equal(t, len(want), in.Len())
	for i, m := range in.Pkts() {
		assert.Equal(t, want[i], m.Data(), "packet %d: checksums as gopacket computed them", i)
	}
	in.Free()
}

// The offload names the zcnic command prints come from here (the command
// had its own cgo copy of this).
func TestOffloadNames(t *testing.T) {
	assert.Equal(t, "none", port.RxOffloadNames(0))
	assert.Equal(t, "IPV4_CKSUM", port.TxOffloadNames(port.TxOffloadIPv4Cksum))
	assert.Equal(t, "IPV4_CKSUM, UDP_CKSUM, TCP_CKSUM", port.TxOffloadNames(port.TxOffloadIPv4Cksum|port.TxOffloadUDPCksum|port.TxOffloadTCPCksum))
	assert.Equal(t, "VLAN_STRIP", port.RxOffloadNames(port.RxOffloadVLANStrip))
}
