package port_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/internal/testpkts"
)

func TestPcapForwardByteExact(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pcap"), filepath.Join(dir, "out.pcap")
	pkts, err := testpkts.Mixed()
	require.NoError(t, err)
	require.NoError(t, testpkts.WritePcap(in, pkts))

	pool := newPool(t, 2047)
	rx := attach(t, uniq("net_pcap")+",rx_pcap="+in, pool)
	tx, err := attachNoCleanup(uniq("net_pcap")+",tx_pcap="+out, pool)
	require.NoError(t, err)

	b := newBurst(t, 8) // smaller than the file: several bursts
	deadline := time.Now().Add(5 * time.Second)
	forwarded := 0
	for forwarded < len(pkts) && time.Now().Before(deadline) {
		n, err := rx.Rx(0, b)
		require.NoError(t, err)
		if n == 0 && b.Len() == 0 {
			continue
		}
		s, err := tx.Tx(0, b)
		require.NoError(t, err)
		forwarded += s
	}
	require.Equal(t, len(pkts), forwarded, "every packet of the file was forwarded")
	require.Zero(t, b.Len())
	st, err := rx.Stats()
	require.NoError(t, err)
	total := 0
	for _, p := range pkts {
		total += len(p)
	}
	assert.Equal(t, uint64(len(pkts)), st.RxPackets)
	assert.Equal(t, uint64(total), st.RxBytes)

	// The pcap PMD flushes its dump file when the port closes.
	require.NoError(t, tx.Close())
	got, err := testpkts.ReadPcap(out)
	require.NoError(t, err)
	require.Len(t, got, len(pkts))
	for i := range pkts {
		assert.Equal(t, pkts[i], got[i], "packet %d", i)
	}
}
