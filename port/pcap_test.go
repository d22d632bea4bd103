package port_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/pkt/testpkts"
	"github.com/zcnic/zcnic/port"
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

// DPDK 22.11's net_pcap frees its infinite_rx ring when the rx queue
// setup fails (a pool smaller than the file, or a frame that needs a
// chain) but keeps the pointer: closing the port, or EAL cleanup, frees
// it again, which crashed the process (SIGSEGV) or freed another ring.
// Configure now refuses before the driver is called.
func TestPcapInfiniteRxRefusedBeforeSetup(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pcap")
	frame := make([]byte, 64)
	pkts := make([][]byte, 100000)
	for i := range pkts {
		pkts[i] = frame
	}
	require.NoError(t, testpkts.WritePcap(in, pkts))
	jumbo := filepath.Join(dir, "jumbo.pcap")
	require.NoError(t, testpkts.WritePcap(jumbo, [][]byte{make([]byte, 9000)}))
	empty := filepath.Join(dir, "empty.pcap")
	require.NoError(t, testpkts.WritePcap(empty, nil))
	pool := newPool(t, 8191) // holds the descriptors, not the file
	for _, tc := range []struct{ file, msg string }{
		{in, "infinite_rx=1 keeps every packet of its rx_pcap files in mbufs (100000), but mempool"},
		{jumbo, "record 1 is 9000 bytes, more than one mbuf holds (2048)"},
		{empty, "holds no packets"},
	} {
		devargs := uniq("net_pcap") + ",rx_pcap=" + tc.file + ",infinite_rx=1"
		p, err := port.Attach(devargs)
		require.NoError(t, err)
		assert.Equal(t, "rx_pcap="+tc.file+",infinite_rx=1", p.DevArgs(), "the port's device arguments")
		err = p.Configure(port.Config{RxQueues: 1, TxQueues: 1, RxDesc: 256, TxDesc: 256, Pool: pool})
		require.ErrorContains(t, err, tc.msg)
		assert.NotContains(t, err.Error(), "rte_eth_rx_queue_setup", "refused before the driver's setup")
		require.NoError(t, p.Close())
	}
	assert.Zero(t, pool.InUse())

	// A pool that holds the file works.
	big := newPool(t, 131071)
	p := attachWith(t, uniq("net_pcap")+",rx_pcap="+in+",infinite_rx=1", port.Config{RxQueues: 1, TxQueues: 1, RxDesc: 256, TxDesc: 256, Pool: big})
	b := newBurst(t, 32)
	n, err := p.Rx(0, b)
	require.NoError(t, err)
	assert.Equal(t, 32, n)
	b.Free()
}

// pcapTxRoundTrip writes frames into an rx_pcap file, forwards them in
// bursts of up to burst to a tx_pcap port, closes it and returns what it
// wrote, with the tx port's TxWhole and TxCut.
func pcapTxRoundTrip(t *testing.T, frames [][]byte, burst int) (got [][]byte, whole, cut uint64) {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pcap"), filepath.Join(dir, "out.pcap")
	require.NoError(t, testpkts.WritePcap(in, frames))
	pool := newPool(t, 8191) // 2 KiB mbufs: the long frames arrive chained
	rx := attach(t, uniq("net_pcap")+",rx_pcap="+in, pool)
	tx, err := attachNoCleanup(uniq("net_pcap")+",tx_pcap="+out, pool)
	require.NoError(t, err)
	bounce := fmt.Sprintf("zc_pcaptx%d", tx.ID())
	_, err = mbuf.LookupPool(bounce)
	require.NoError(t, err, "a tx_pcap port has its bounce pool")

	b := newBurst(t, burst)
	forwarded := 0
	for deadline := time.Now().Add(10 * time.Second); forwarded < len(frames) && time.Now().Before(deadline); {
		n, err := rx.Rx(0, b)
		require.NoError(t, err)
		if n == 0 && b.Len() == 0 {
			continue
		}
		if b.Len() < burst && forwarded+b.Len() < len(frames) {
			continue // fill the burst: the tx call sees them together
		}
		s, err := tx.Tx(0, b)
		require.NoError(t, err)
		forwarded += s
	}
	require.Equal(t, len(frames), forwarded)
	require.NoError(t, tx.Close())
	_, err = mbuf.LookupPool(bounce)
	assert.Error(t, err, "the bounce pool is freed at Close")
	got, err = testpkts.ReadPcap(out)
	require.NoError(t, err)
	return got, tx.TxWhole(), tx.TxCut()
}

// DPDK 22.11's net_pcap wrote chained frames over 16,128 bytes cut to
// 16,128 (with their whole length as the record's original length),
// silently. The port hands it such frames in one mbuf: written whole.
func TestPcapTxChainedFramesWhole(t *testing.T) {
	var frames [][]byte
	for i, n := range []int{60, 16128, 16129, 20000, 1514, 65000, 65535} {
		f := make([]byte, n)
		for j := range f {
			f[j] = byte(i*7 + j*13)
		}
		frames = append(frames, f)
	}
	got, whole, cut := pcapTxRoundTrip(t, frames, 8)
	require.Len(t, got, len(frames))
	for i := range frames {
		assert.Equal(t, len(frames[i]), len(got[i]), "frame %d: length", i)
		assert.True(t, bytes.Equal(frames[i], got[i]), "frame %d (%d bytes): written whole", i, len(frames[i]))
	}
	assert.Equal(t, uint64(4), whole, "the chained frames over 16128 bytes were copied")
	assert.Zero(t, cut)
	assert.Equal(t, 16128, port.PcapTxCut)
}

// More long chained frames in one tx call than the bounce pool holds:
// the rest are written cut, as the driver does, and counted.
func TestPcapTxCutCounted(t *testing.T) {
	frames := make([][]byte, 40)
	for i := range frames {
		frames[i] = bytes.Repeat([]byte{byte(i)}, 20000)
	}
	got, whole, cut := pcapTxRoundTrip(t, frames, 64)
	require.Len(t, got, len(frames))
	short := 0
	for i := range got {
		if len(got[i]) == port.PcapTxCut {
			short++
			assert.Equal(t, frames[i][:port.PcapTxCut], got[i], "frame %d: its first bytes", i)
		} else {
			assert.Equal(t, frames[i], got[i], "frame %d", i)
		}
	}
	assert.Equal(t, uint64(short), cut, "every cut frame is counted")
	assert.Equal(t, uint64(len(frames)), whole+cut)
	assert.Equal(t, uint64(32), whole, "a burst's worth fit the bounce pool")
}
