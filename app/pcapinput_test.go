package app

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/pkt/testpkts"
)

// infinite_rx loads the whole file into the pool at setup: an automatic
// pool is sized for it (it crashed: the pool held 8191 of 100,000), and
// a PoolSize too small is refused before the driver is called.
func TestInfiniteRxPoolSizedFromFile(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.pcap")
	frame := make([]byte, 64)
	pkts := make([][]byte, 100000)
	for i := range pkts {
		pkts[i] = frame
	}
	require.NoError(t, testpkts.WritePcap(in, pkts))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg := Config{Ports: []PortConfig{{Device: dev("net_pcap") + ",rx_pcap=" + in + ",infinite_rx=1"}, {Device: dev("net_null") + ",no-rx=1"}}}
	untilTx(&cfg, 200000, cancel)
	res, err := Forward(ctx, cfg, FwdConfig{Mode: IO, Peers: []int{1, 1}})
	require.NoError(t, err)
	require.NotErrorIs(t, ctx.Err(), context.DeadlineExceeded)
	checkBalanced(t, res)
	assert.GreaterOrEqual(t, res.PoolSize, 100000)
	assert.GreaterOrEqual(t, res.Ports[1].TxPackets, uint64(200000), "the file was replayed twice over")

	cfg = Config{Ports: []PortConfig{{Device: dev("net_pcap") + ",rx_pcap=" + in + ",infinite_rx=1"}}, PoolSize: 8191}
	_, err = Forward(context.Background(), cfg, FwdConfig{Mode: IO})
	require.ErrorContains(t, err, "infinite_rx=1 keeps every packet of its rx_pcap files in mbufs (100000)")
}

// A leak with nothing kept by the handler is the driver's: the message
// said "kept by the handler" when net_pcap held them.
func TestLeakBlame(t *testing.T) {
	s := Snapshot{Ports: []PortCounters{{RxPackets: 10, Dropped: 10}}}
	assert.EqualError(t, leakError(4064, s), "app: 4064 mbufs were not returned to the pool: the handler kept no packet, so a driver holds them (its ports were closed and did not give them back)")
	s.Ports[0].Kept = 5
	assert.ErrorContains(t, leakError(5, s), "the handler kept 5 packets and never freed or sent some of them")
}
