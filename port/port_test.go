package port_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/port"
)

func TestListAndOpen(t *testing.T) {
	ps := port.List()
	require.GreaterOrEqual(t, len(ps), 2)
	p, err := port.Open("net_null0")
	require.NoError(t, err)
	assert.Same(t, p, ps[0], "one *Port per port id")
	q, err := port.ByID(int(p.ID()))
	require.NoError(t, err)
	assert.Same(t, p, q)

	in, err := p.Info()
	require.NoError(t, err)
	assert.Equal(t, "net_null", in.Driver)
	assert.Equal(t, "net_null0", in.Name)
	assert.Len(t, in.MAC, 6)
	assert.GreaterOrEqual(t, in.MaxRxQueues, 1)
}

func TestNullBurstsCountersMatch(t *testing.T) {
	pool := newPool(t, 4095)
	rx := attach(t, uniq("net_null")+",size=128", pool)
	tx := attach(t, uniq("net_null"), pool)
	require.NoError(t, rx.ResetStats())
	require.NoError(t, tx.ResetStats())

	var received, sent int
	for _, size := range []int{1, 2, 7, 31, 32, 33, 64, 256} {
		b := newBurst(t, size)
		for i := 0; i < 50; i++ {
			n, err := rx.Rx(0, b)
			require.NoError(t, err)
			require.Equal(t, size, n, "net_null always fills the burst")
			for _, m := range b.Pkts() {
				require.Equal(t, 128, m.DataLen())
			}
			received += n
			s, err := tx.Tx(0, b)
			require.NoError(t, err)
			sent += s
			b.Free() // whatever the device did not take
		}
	}
	rs, err := rx.Stats()
	require.NoError(t, err)
	ts, err := tx.Stats()
	require.NoError(t, err)
	assert.Equal(t, uint64(received), rs.RxPackets)
	// net_null counts packets only; bytes are checked on net_ring and net_pcap.
	assert.Equal(t, uint64(sent), ts.TxPackets)
	assert.Equal(t, received, sent, "net_null takes every packet")
}

func TestRingLoopbackByteExact(t *testing.T) {
	pool := newPool(t, 1023)
	p := attach(t, uniq("net_ring"), pool)
	out := newBurst(t, 32)
	require.NoError(t, out.Alloc(pool, 5))
	for i, m := range out.Pkts() {
		pkt := make([]byte, 60+i*100)
		for j := range pkt {
			pkt[j] = byte(i*31 + j)
		}
		require.NoError(t, m.SetData(pkt))
	}
	sent, err := p.Tx(0, out)
	require.NoError(t, err)
	require.Equal(t, 5, sent)
	assert.Equal(t, 0, out.Len())

	in := newBurst(t, 32)
	n, err := p.Rx(0, in)
	require.NoError(t, err)
	require.Equal(t, 5, n)
	for i, m := range in.Pkts() {
		want := make([]byte, 60+i*100)
		for j := range want {
			want[j] = byte(i*31 + j)
		}
		assert.Equal(t, want, m.Data(), "packet %d", i)
	}
	in.Free()
}

func TestTxRxOneCrossing(t *testing.T) {
	pool := newPool(t, 1023)
	a := attach(t, uniq("net_ring"), pool)
	b := newBurst(t, 32)
	require.NoError(t, b.Alloc(pool, 3))
	for i, m := range b.Pkts() {
		require.NoError(t, m.SetData([]byte{byte(i), 1, 2, 3}))
	}
	// Same burst: send 3 into the ring loopback, receive them back.
	sent, got, err := port.TxRx(a, 0, b, a, 0, b)
	require.NoError(t, err)
	assert.Equal(t, 3, sent)
	assert.Equal(t, 3, got)
	require.Equal(t, 3, b.Len())
	for i, m := range b.Pkts() {
		assert.Equal(t, []byte{byte(i), 1, 2, 3}, m.Data())
	}
	b.Free()
}

func TestTxKeepsUnsent(t *testing.T) {
	pool := newPool(t, 4095)
	p := attach(t, uniq("net_ring"), pool)
	// Fill the port's ring without draining it, until it refuses.
	b := newBurst(t, 64)
	sent, full := 0, false
	for i := 0; i < 100 && !full; i++ {
		require.NoError(t, b.Alloc(pool, 64))
		first := b.Pkts()[0]
		last := b.Pkts()[63]
		n, err := p.Tx(0, b)
		require.NoError(t, err)
		sent += n
		if n < 64 {
			full = true
			assert.Equal(t, 64-n, b.Len(), "unsent mbufs stay with the caller")
			assert.False(t, slices.Contains(b.Pkts(), first), "the sent ones are gone from the burst")
			assert.Same(t, last, b.Pkts()[b.Len()-1], "the unsent keep their order")
		}
	}
	require.True(t, full, "the ring never filled")
	b.Free()
	// Drain: everything sent comes back.
	got := 0
	for {
		n, err := p.Rx(0, b)
		require.NoError(t, err)
		if n == 0 {
			break
		}
		got += n
		b.Free()
	}
	assert.Equal(t, sent, got)
}

func TestBadInput(t *testing.T) {
	_, err := port.Attach("net_bogus0")
	var re *eal.Error
	require.True(t, errors.As(err, &re), "unknown driver: %v", err)
	assert.Equal(t, "rte_dev_probe", re.Call)

	_, err = port.Attach("net_pcap0,rx_pcap")
	assert.ErrorContains(t, err, "not key=value")
	_, err = port.Attach("net_pcap0,rx_pcap=/nonexistent/in.pcap")
	assert.ErrorContains(t, err, "net_pcap0: Couldn't open /nonexistent/in.pcap: No such file or directory")
	_, err = port.Open("net_nope0")
	assert.ErrorContains(t, err, "no port named")
	_, err = port.ByID(port.MaxPorts + 3)
	assert.ErrorContains(t, err, "no port")

	pool := newPool(t, 511)
	p, err := port.Attach(uniq("net_null"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, p.Close()) })
	in, err := p.Info()
	require.NoError(t, err)

	cfg := port.Config{RxQueues: 1, TxQueues: 1, RxDesc: 128, Pool: pool}
	zero := cfg
	zero.RxQueues = 0
	assert.ErrorContains(t, p.Configure(zero), "at least 1")
	many := cfg
	many.RxQueues = in.MaxRxQueues + 1
	assert.ErrorContains(t, p.Configure(many), "allows at most")
	small := cfg
	small.RxQueues, small.RxDesc = 2, 512
	assert.ErrorContains(t, p.Configure(small), "mempool")
	nopool := cfg
	nopool.Pool = nil
	assert.ErrorContains(t, p.Configure(nopool), "no mempool")
	off := cfg
	off.RxOffloads = port.RxOffloadTCPCksum
	if in.RxOffloadCapa&port.RxOffloadTCPCksum == 0 {
		assert.ErrorContains(t, p.Configure(off), "not supported")
	}

	// Bursts on a configured but stopped port, and on a bad queue.
	b := newBurst(t, 8)
	_, err = p.Rx(0, b)
	assert.ErrorIs(t, err, port.ErrNotStarted)
	require.NoError(t, p.Configure(cfg))
	_, err = p.Tx(0, b)
	assert.ErrorIs(t, err, port.ErrNotStarted)
	require.NoError(t, p.Start())
	_, err = p.Rx(1, b)
	assert.ErrorContains(t, err, "rx queue 1")
	assert.ErrorContains(t, p.Configure(cfg), "stop it first")
	require.NoError(t, p.Stop())
	_, err = p.Rx(0, b)
	assert.ErrorIs(t, err, port.ErrNotStarted)
}

func TestAttachTwiceAndReattach(t *testing.T) {
	name := uniq("net_null")
	p, err := port.Attach(name)
	require.NoError(t, err)
	_, err = port.Attach(name)
	assert.ErrorContains(t, err, "exists already")
	require.NoError(t, p.Close())
	_, err = p.Stats()
	assert.ErrorIs(t, err, port.ErrClosed)
	q, err := port.Attach(name)
	require.NoError(t, err, "a closed hot-plugged device can be attached again")
	assert.NotSame(t, p, q)
	require.NoError(t, q.Close())
}

func TestLinkAndXStats(t *testing.T) {
	pool := newPool(t, 1023)
	p := attach(t, uniq("net_null"), pool)
	l, err := p.Link()
	require.NoError(t, err)
	assert.True(t, l.Up, "a started net_null port has link")
	b := newBurst(t, 32)
	_, err = p.Rx(0, b)
	require.NoError(t, err)
	b.Free()
	x, err := p.XStats()
	require.NoError(t, err)
	assert.Equal(t, uint64(32), x["rx_good_packets"])
	require.NoError(t, p.ResetStats())
	x, err = p.XStats()
	require.NoError(t, err)
	assert.Equal(t, uint64(0), x["rx_good_packets"])
}

func TestZeroAllocsPerBurst(t *testing.T) {
	pool := newPool(t, 4095)
	rx := attach(t, uniq("net_null"), pool)
	tx := attach(t, uniq("net_null"), pool)
	b := newBurst(t, 32)
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := rx.Rx(0, b); err != nil {
			panic(err)
		}
		if _, err := tx.Tx(0, b); err != nil {
			panic(err)
		}
		b.Free()
	})
	assert.Zero(t, allocs, "rx + tx of a burst allocates nothing")
	allocs = testing.AllocsPerRun(1000, func() {
		if _, _, err := port.TxRx(tx, 0, b, rx, 0, b); err != nil {
			panic(err)
		}
	})
	assert.Zero(t, allocs, "TxRx allocates nothing")
	b.Free()
}

// Reading a port's counters allocates nothing: the runner reads them
// every stats interval.
func TestStatsAllocatesNothing(t *testing.T) {
	p, err := port.Open("net_null0")
	require.NoError(t, err)
	_, err = p.Stats()
	require.NoError(t, err)
	assert.Zero(t, testing.AllocsPerRun(100, func() { p.Stats() }))
}
