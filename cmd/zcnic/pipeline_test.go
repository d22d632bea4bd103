package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/pkt"
	"github.com/zcnic/zcnic/pkt/testpkts"
)

// fwd --pipeline: the main lcore receives a pcap and hands it over a
// ring to the worker, which swaps MACs and writes the output pcap.
func TestFwdPipeline(t *testing.T) {
	in, err := testpkts.Mixed()
	require.NoError(t, err)
	dir := t.TempDir()
	inPath, empty, out := filepath.Join(dir, "in.pcap"), filepath.Join(dir, "empty.pcap"), filepath.Join(dir, "out.pcap")
	require.NoError(t, testpkts.WritePcap(inPath, in))
	require.NoError(t, testpkts.WritePcap(empty, nil))
	r := zcnic(t, 20*time.Second, "fwd", "--pipeline", "--mode", "macswap", "--lcores", "0-1", "--duration", "1s", "--json",
		"--vdev", "net_pcap0,rx_pcap="+inPath, "--vdev", "net_pcap1,rx_pcap="+empty+",tx_pcap="+out)
	s := runJSON(t, r)
	checkSums(t, s)
	require.Len(t, s.Lcores, 2)
	assert.Equal(t, uint64(len(in)), s.Lcores[0].RingOut, "the main lcore handed every packet on")
	assert.Equal(t, uint64(len(in)), s.Lcores[1].RingIn, "the worker got them")
	assert.Equal(t, uint64(len(in)), s.Ports[1].TxPackets)

	got, err := testpkts.ReadPcap(out)
	require.NoError(t, err)
	require.Len(t, got, len(in))
	// One worker: the order is kept.
	for i := range in {
		want := append([]byte(nil), in[i]...)
		require.NoError(t, pkt.SwapMACs(want))
		assert.Equal(t, want, got[i], "packet %d", i)
	}

	r = zcnic(t, 10*time.Second, "fwd", "--pipeline", "--lcores", "0", "--vdev", "net_null0")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--pipeline needs 2 lcores or more")
}
