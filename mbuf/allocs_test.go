package mbuf_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/mbuf"
)

var sinkBytes []byte

// The per-packet and per-burst paths allocate nothing.
func TestHotPathsDoNotAllocate(t *testing.T) {
	p := newPool(t, 127, 0)
	b := newBurst(t, 32)
	m := alloc(t, p)
	defer m.Free()
	require.NoError(t, m.SetData(make([]byte, 64)))

	check := func(name string, f func()) {
		t.Helper()
		assert.Zero(t, testing.AllocsPerRun(200, f), name)
	}
	check("Data", func() { sinkBytes = m.Data() })
	check("lengths and metadata", func() {
		_ = m.DataLen() + m.PktLen() + m.Headroom() + m.Tailroom() + m.NumSegs() + m.Refcnt()
		m.SetPort(m.Port() + 1)
		m.SetRSSHash(m.RSSHash() + 1)
		m.SetOlFlags(m.OlFlags() ^ mbuf.TxIPv4)
		m.SetPacketType(m.PacketType() + 1)
		if err := m.SetTxOffload(14, 20, 8); err != nil {
			panic(err)
		}
		_, _, _ = m.TxOffload()
	})
	check("Prepend then Adj", func() {
		h, err := m.Prepend(14)
		if err != nil {
			panic(err)
		}
		h[0] = 1
		if err := m.Adj(14); err != nil {
			panic(err)
		}
	})
	check("Append then Trim", func() {
		tl, err := m.Append(4)
		if err != nil {
			panic(err)
		}
		tl[3] = 1
		if err := m.Trim(4); err != nil {
			panic(err)
		}
	})
	check("SetData", func() {
		if err := m.SetData(sinkBytes[:32]); err != nil {
			panic(err)
		}
	})
	check("Burst.Alloc + Burst.Free", func() {
		if err := b.Alloc(p, 32); err != nil {
			panic(err)
		}
		b.Free()
	})
	check("Pool.Alloc + Mbuf.Reset + Mbuf.Free", func() {
		x := p.Alloc()
		x.Reset()
		x.Free()
	})
	require.NoError(t, b.Alloc(p, 16))
	held := append([]*mbuf.Mbuf(nil), b.Pkts()...)
	check("Push/Consume", func() {
		// Take the first mbuf out and push it back at the end: the burst
		// rotates and keeps all 16.
		first := b.Pkts()[0]
		b.Consume(1)
		if !b.Push(first) {
			panic("full")
		}
		_ = b.Len() + b.Room() + b.Cap()
		_ = b.Tail()
	})
	assert.ElementsMatch(t, addrs(held), addrs(b.Pkts()))
	b.Free()
	assert.Equal(t, 1, p.InUse(), "only m is out")
}
