package app

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The runner reads every port's driver counters into its Snapshots,
// and they agree with what the loops counted.
func TestDevCountersPcap(t *testing.T) {
	in, _, res := pcapRun(t, IO)
	require.Len(t, res.Devices, 2)
	var bytes uint64
	for _, b := range in {
		bytes += uint64(len(b))
	}
	for i, d := range res.Devices {
		assert.True(t, d.Read, "port %d: rte_eth_stats_get answered", i)
		assert.True(t, d.Bytes, "port %d: net_pcap counts bytes", i)
		assert.Equal(t, res.Ports[i].RxPackets, d.RxPackets, "port %d ipackets", i)
		assert.Equal(t, res.Ports[i].TxPackets, d.TxPackets, "port %d opackets", i)
		assert.Zero(t, d.Errors(), "port %d: no errors", i)
	}
	assert.Equal(t, uint64(len(in)), res.Devices[0].RxPackets)
	assert.Equal(t, bytes, res.Devices[0].RxBytes, "ibytes: every byte of the pcap")
	assert.Equal(t, bytes, res.Devices[1].TxBytes, "obytes: every byte forwarded")
}

func TestDevCountersNullHasNoBytes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := Config{Ports: []PortConfig{{Device: dev("net_null")}, {Device: dev("net_null")}}}
	var seen []DevCounters
	untilTx(&cfg, 100000, cancel)
	onStats := cfg.OnStats
	cfg.OnStats = func(s Snapshot) {
		seen = append(seen, s.Devices...)
		onStats(s)
	}
	res, err := Forward(ctx, cfg, FwdConfig{Mode: IO})
	require.NoError(t, err)
	require.NotEmpty(t, seen, "the live snapshots carry device counters")
	for i, d := range res.Devices {
		assert.True(t, d.Read)
		assert.False(t, d.Bytes, "port %d: net_null reports packets only", i)
		assert.Equal(t, res.Ports[i].RxPackets, d.RxPackets, "port %d ipackets", i)
		assert.Equal(t, res.Ports[i].TxPackets, d.TxPackets, "port %d opackets", i)
	}
}

// /zcnic/drops names the reasons as DropReason does, and lists only
// named ones.
func TestTelemetryReasonNames(t *testing.T) {
	for r := DropReason(0); r < NumDropReasons; r++ {
		if r.Named() {
			assert.Equal(t, r.String(), telemetryReason(int(r)))
		} else {
			assert.Empty(t, telemetryReason(int(r)))
		}
	}
	assert.Empty(t, telemetryReason(int(NumDropReasons)))
}
