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

// A finite pcap replay ends at the end of its input: the run stops by
// itself once every record is received (well before StopWhenIdle), with
// every packet sent. Before StopWhenIdle, Run only stopped on its
// context, here the 20 s deadline.
func TestStopAtEndOfPcap(t *testing.T) {
	in, err := testpkts.Mixed()
	require.NoError(t, err)
	dir := t.TempDir()
	inPath, outPath := filepath.Join(dir, "in.pcap"), filepath.Join(dir, "out.pcap")
	require.NoError(t, testpkts.WritePcap(inPath, in))
	cfg := Config{
		Ports: []PortConfig{
			{Device: dev("net_pcap") + ",rx_pcap=" + inPath},
			{Device: dev("net_pcap") + ",tx_pcap=" + outPath}, // tx only: its rx reads nothing
		},
		StopWhenIdle: 10 * time.Second,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	res, err := Forward(ctx, cfg, FwdConfig{Mode: IO, Peers: []int{1, 0}})
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 5*time.Second, "ended at the last record, not after StopWhenIdle")
	assert.True(t, res.Idle)
	assert.NoError(t, ctx.Err(), "the run ended before its context")
	checkBalanced(t, res)
	assert.Equal(t, uint64(len(in)), res.Ports[1].TxPackets)
	out, err := testpkts.ReadPcap(outPath)
	require.NoError(t, err)
	assert.Len(t, out, len(in))
}

// An input that is not a file ends when it has been idle for
// StopWhenIdle.
func TestStopWhenIdle(t *testing.T) {
	cfg := Config{
		Ports:        []PortConfig{{Device: dev("net_null") + ",no-rx=1"}},
		StopWhenIdle: 200 * time.Millisecond,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	res, err := Run(ctx, cfg, RxOnly)
	require.NoError(t, err)
	assert.True(t, res.Idle)
	assert.NoError(t, ctx.Err())
	assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)
	assert.Less(t, time.Since(start), 5*time.Second)
	// Busy inputs never idle: a net_null port without no-rx runs on,
	// three times past StopWhenIdle. (A wait shorter than the longest
	// time a loaded machine deschedules the loop, 0.1 s, made this
	// fail under load: the loop received nothing for that long.)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel2()
	res, err = Run(ctx2, Config{Ports: []PortConfig{{Device: dev("net_null")}}, StopWhenIdle: time.Second}, RxOnly)
	require.NoError(t, err)
	assert.False(t, res.Idle)
	assert.Error(t, ctx2.Err())
}

// A run that polls no rx queue (a generator's) has no finite input to
// end at once: only the wait ends it (it used to end at the first check,
// every input of none having "ended").
func TestNoInputIsNotAtItsEnd(t *testing.T) {
	r := &runner{cfg: Config{Lcores: []LcoreConfig{{Lcore: 1}}}}
	assert.Nil(t, r.finiteInputs())
	w := &idleWatch{wait: time.Hour, since: time.Now(), want: r.finiteInputs()}
	assert.False(t, w.ended(nil))
}
