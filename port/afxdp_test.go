package port_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/port"
)

// TestAFXDPVethByteExact is TestAFPacketVethByteExact over net_af_xdp:
// each end of a veth pair gets an XDP program (loaded by the driver
// through libxdp, without a bpffs mount, so without libxdp's dispatcher)
// that redirects its frames to an AF_XDP socket whose UMEM is the port's
// mempool. Frames cross both ways byte for byte and the pool is full
// after close. veth has no zero-copy AF_XDP, so the kernel copies each
// frame once into the UMEM (and once out of it on transmit): XDP copy
// mode.
func TestAFXDPVethByteExact(t *testing.T) {
	// A pool is the UMEM of one AF_XDP socket: one pool per port.
	pool, poolB := newPool(t, 4095), newPool(t, 4095)
	va, vb := newVeth(t)
	if noHuge {
		t.Log("EAL runs with --no-huge: checking that net_af_xdp is refused")
		p, err := port.Attach(uniq("net_af_xdp") + ",iface=" + va)
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, p.Close()) })
		err = p.Configure(port.Config{RxQueues: 1, TxQueues: 1, RxDesc: 256, TxDesc: 256, Pool: pool})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "net_af_xdp needs EAL on hugepages")
		return
	}
	// 22.11 takes iface, start_queue, queue_count, shared_umem,
	// xdp_prog, busy_budget and force_copy.
	pa := attach(t, uniq("net_af_xdp")+",iface="+va+",start_queue=0,queue_count=1", pool)
	pb := attach(t, uniq("net_af_xdp")+",iface="+vb+",start_queue=0,queue_count=1", poolB)
	for _, ifc := range []string{va, vb} {
		out, err := exec.Command("ip", "link", "show", ifc).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "xdp") {
			t.Errorf("%s has no XDP program attached (%v): %s", ifc, err, out)
		}
	}
	vethByteExact(t, pool, "net_af_xdp", pa, pb, va, vb)
}

// TestAFXDPOnePoolTwoPorts: a pool can be the UMEM of one AF_XDP socket
// only, so a second net_af_xdp port on the same pool is refused before
// its rx queue set-up (which would only say "Invalid argument"), with
// the reason, and no mbuf is lost on the way. Once the first port is
// closed, the pool may serve another.
func TestAFXDPOnePoolTwoPorts(t *testing.T) {
	if noHuge {
		t.Skip("net_af_xdp is refused without hugepages (TestAFXDPVethByteExact checks that)")
	}
	pool := newPool(t, 4095)
	va, vb := newVeth(t)
	first, err := attachNoCleanup(uniq("net_af_xdp")+",iface="+va, pool)
	require.NoError(t, err)
	p, err := port.Attach(uniq("net_af_xdp") + ",iface=" + vb)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, p.Close()) })
	cfg := port.Config{RxQueues: 1, TxQueues: 1, RxDesc: 256, TxDesc: 256, Pool: pool}
	err = p.Configure(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is already the AF_XDP UMEM of "+first.String())
	assert.NotContains(t, err.Error(), "rte_eth_rx_queue_setup", "refused before the driver is asked")
	require.NoError(t, first.Close())
	require.NoError(t, p.Configure(cfg), "the pool is free once its port has closed")
}
