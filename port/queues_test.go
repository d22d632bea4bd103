package port_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/port"
)

// A net_null port with two queues each way and RSS: the driver reports
// the hash functions it took, and counts packets per queue.
func TestQueueStatsAndRSS(t *testing.T) {
	pool := newPool(t, 4095)
	want := port.RSSIP | port.RSSUDP
	p := attachWith(t, uniq("net_null"), port.Config{RxQueues: 2, TxQueues: 2, RxDesc: 256, TxDesc: 256, Pool: pool, RSSHash: want})
	require.NoError(t, p.ResetStats())
	hf, err := p.RSSHash()
	require.NoError(t, err)
	assert.Equal(t, want, hf, "the driver took the hash functions asked")
	assert.Equal(t, "ip,udp", port.RSSNames(hf))

	b := newBurst(t, 32)
	for q, times := range []int{3, 5} {
		for range times {
			n, err := p.Rx(uint16(q), b)
			require.NoError(t, err)
			require.Equal(t, 32, n)
			_, err = p.Tx(uint16(1-q), b)
			require.NoError(t, err)
			b.Free()
		}
	}
	qs, err := p.QueueStats()
	require.NoError(t, err)
	assert.Equal(t, []uint64{96, 160}, qs.RxPackets, "rx per queue")
	assert.Equal(t, []uint64{160, 96}, qs.TxPackets, "tx per queue")

	one := attach(t, uniq("net_null"), pool)
	hf, err = one.RSSHash()
	require.NoError(t, err)
	assert.Zero(t, hf&want, "one queue, no RSS asked")
	qs, err = one.QueueStats()
	require.NoError(t, err)
	assert.Len(t, qs.RxPackets, 1)
}

func TestRSSNames(t *testing.T) {
	assert.Equal(t, "none", port.RSSNames(0))
	assert.Equal(t, "ip,udp,tcp", port.RSSNames(port.RSSIP|port.RSSUDP|port.RSSTCP))
	assert.Equal(t, "ip", port.RSSNames(port.RSSIPv4), "any bit of a group names it")
	assert.Equal(t, "tcp,0x80000000", port.RSSNames(port.RSSTCP|0x80000000), "the rest in hex")
}
