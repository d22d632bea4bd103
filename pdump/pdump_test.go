package pdump_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/eal/ealtest"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/pdump"
	"github.com/zcnic/zcnic/port"
	"github.com/zcnic/zcnic/ring"
)

var null0 *port.Port

func TestMain(m *testing.M) {
	if err := ealtest.Init("net_null0"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := run(m)
	if err := eal.Cleanup(); err != nil {
		fmt.Fprintln(os.Stderr, "eal.Cleanup:", err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) int {
	// In memory EAL has no IPC: the action is not registered, and the
	// tests call the server directly.
	if err := pdump.Init(); err != nil {
		fmt.Fprintln(os.Stderr, "pdump.Init:", err)
		return 1
	}
	pool, err := mbuf.NewPool(mbuf.PoolConfig{Name: "pdrx", Count: 4095, Cache: 64, Socket: mbuf.SocketAny})
	if err == nil {
		null0, err = port.Open("net_null0")
	}
	if err == nil {
		err = null0.Configure(port.Config{RxQueues: 1, TxQueues: 1, Pool: pool})
	}
	if err == nil {
		err = null0.Start()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	if err := pdump.Uninit(); err != nil {
		fmt.Fprintln(os.Stderr, "pdump.Uninit:", err)
		code = 1
	}
	if err := null0.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	if pool.InUse() != 0 {
		fmt.Fprintf(os.Stderr, "the rx pool leaked %d mbufs\n", pool.InUse())
		code = 1
	}
	pool.Free()
	return code
}

// client is a capture client's ring and pool.
type client struct {
	r *ring.Ring
	p *mbuf.Pool
}

func newClient(t *testing.T, n int) client {
	t.Helper()
	p, err := mbuf.NewPool(mbuf.PoolConfig{Name: ealtest.Name("pdc"), Count: n, Cache: 0, Socket: mbuf.SocketAny})
	require.NoError(t, err)
	r, err := ring.New(ealtest.Name("pdr"), 1024, ring.SocketAny, 0)
	require.NoError(t, err)
	return client{r, p}
}

// free drains the ring into the pool, checks the pool is full, and
// frees both: what a client does after its DISABLE is answered.
func (c client) free(t *testing.T) {
	t.Helper()
	c.r.Drain()
	assert.Equal(t, 0, c.p.InUse(), "every copy is in the ring or back in the pool")
	require.NoError(t, c.r.Free())
	require.NoError(t, c.p.Free())
}

func (c client) enable(flags uint32, queue uint16) pdump.Request {
	return pdump.Request{Ver: pdump.V1, Op: pdump.Enable, Flags: flags, Device: "net_null0", Queue: queue,
		Ring: c.r.Ptr(), Pool: c.p.Ptr(), Snaplen: ^uint32(0)}
}

func disable(flags uint32, queue uint16) pdump.Request {
	return pdump.Request{Ver: pdump.V1, Op: pdump.Disable, Flags: flags, Device: "net_null0", Queue: queue}
}

// livePeer is a bound unix datagram socket, as a client's rte_mp socket
// is; close makes it look like a killed client's.
func livePeer(t *testing.T) (string, func()) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mp_socket")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return path, func() { c.Close() }
}

// Requests the server refuses, each with EINVAL as 22.11, touching no
// queue (22.11 would index past its arrays for a queue number beyond
// RTE_MAX_QUEUES_PER_PORT).
func TestRefused(t *testing.T) {
	c := newClient(t, 1023)
	defer c.free(t)
	peer, _ := livePeer(t)
	ok := c.enable(pdump.FlagRx|pdump.FlagTx, pdump.AllQueues)
	for _, tc := range []struct {
		name string
		edit func(r *pdump.Request)
	}{
		{"version 3", func(r *pdump.Request) { r.Ver = 3 }},
		{"operation 7", func(r *pdump.Request) { r.Op = 7 }},
		{"no direction", func(r *pdump.Request) { r.Flags = 0 }},
		{"unknown flag", func(r *pdump.Request) { r.Flags |= 4 }},
		{"no such device", func(r *pdump.Request) { r.Device = "net_null9" }},
		{"queue beyond the port's", func(r *pdump.Request) { r.Queue = 1 }},
		{"queue beyond any port's", func(r *pdump.Request) { r.Queue = 5000 }},
		{"no ring", func(r *pdump.Request) { r.Ring = nil }},
		{"no pool", func(r *pdump.Request) { r.Pool = nil }},
		{"disable what is not enabled", func(r *pdump.Request) { *r = disable(pdump.FlagRx, 0) }},
	} {
		r := ok
		tc.edit(&r)
		assert.Equal(t, -int(syscall.EINVAL), pdump.Handle(r, peer), tc.name)
		assert.Equal(t, 0, pdump.Installed(), "%s: nothing installed", tc.name)
	}
}

// A queue is captured once: a second ENABLE is refused (EEXIST) while
// its client lives, and taken over once the client is gone without a
// DISABLE; a DISABLE of both directions removes both callbacks.
func TestEnableTwiceAndTakeOver(t *testing.T) {
	a, b := newClient(t, 1023), newClient(t, 1023)
	peerA, killA := livePeer(t)
	peerB, _ := livePeer(t)
	require.Equal(t, 0, pdump.Handle(a.enable(pdump.FlagRx|pdump.FlagTx, pdump.AllQueues), peerA))
	assert.Equal(t, 2, pdump.Installed(), "one rx and one tx callback")
	assert.Equal(t, -int(syscall.EEXIST), pdump.Handle(b.enable(pdump.FlagRx, 0), peerB), "rx queue 0 is a's")
	assert.Equal(t, -int(syscall.EEXIST), pdump.Handle(b.enable(pdump.FlagTx, 0), peerB), "tx queue 0 is a's")
	assert.Equal(t, 2, pdump.Installed())

	killA()
	require.Equal(t, 0, pdump.Handle(b.enable(pdump.FlagRx, 0), peerB), "a is gone: b takes rx queue 0 over")
	assert.Equal(t, 2, pdump.Installed(), "b's rx callback, a's tx one")
	a.free(t) // nothing captures into a's ring any more
	require.Equal(t, 0, pdump.Handle(disable(pdump.FlagRx|pdump.FlagTx, pdump.AllQueues), peerB))
	assert.Equal(t, 0, pdump.Installed())
	b.free(t)
}

// Captures under polling: an lcore receives from net_null0 without
// pause while the test enables a capture of its rx queue, waits for
// copies, disables it and frees the client's ring and pool (whose
// hugepages go back to the system), again and again. The counters say
// what was copied. Without the wait in the DISABLE the lcore writes
// into freed memory and the process dies.
func TestDetachUnderPolling(t *testing.T) {
	w := ealtest.Worker(t)
	stop := make(chan struct{})
	job, err := eal.Launch(w, func() error {
		b, err := mbuf.NewBurst(32)
		if err != nil {
			return err
		}
		defer b.Close()
		for {
			select {
			case <-stop:
				return nil
			default:
			}
			if _, err := null0.Rx(0, b); err != nil {
				return err
			}
			b.Free()
		}
	})
	require.NoError(t, err)
	defer func() {
		close(stop)
		require.NoError(t, job.Wait())
	}()
	peer, _ := livePeer(t)
	for i := 0; i < 50; i++ {
		c := newClient(t, 2047)
		require.Equal(t, 0, pdump.Handle(c.enable(pdump.FlagRx, 0), peer), "enable %d", i)
		for c.r.Count() == 0 {
			select {
			case <-job.Done():
				t.Fatalf("the polling lcore ended: %v", job.Wait())
			default:
			}
		}
		require.Equal(t, 0, pdump.Handle(disable(pdump.FlagRx, 0), peer), "disable %d", i)
		st, err := pdump.QueueStats(null0.ID(), 0, 0)
		require.NoError(t, err)
		assert.Positive(t, st[0], "accepted")
		assert.Zero(t, st[1], "filtered: no filter")
		assert.Equal(t, st[0], uint64(c.r.Count())+st[3], "accepted = in the ring + ring full")
		c.free(t)
	}
}

// Closing a port ends its captures first: its callbacks go (ethdev
// would keep them for the next port of that id), and a later DISABLE
// finds no port.
func TestPortCloseEndsCapture(t *testing.T) {
	name := ealtest.Name("net_null_pd")
	p, err := port.Attach(name)
	require.NoError(t, err)
	pool := ealtest.Pool(t, 1023, 0)
	require.NoError(t, p.Configure(port.Config{RxQueues: 2, TxQueues: 2, RxDesc: 128, TxDesc: 128, Pool: pool}))
	require.NoError(t, p.Start())
	c := newClient(t, 1023)
	peer, _ := livePeer(t)
	r := c.enable(pdump.FlagRx|pdump.FlagTx, pdump.AllQueues)
	r.Device = name
	require.Equal(t, 0, pdump.Handle(r, peer))
	assert.Equal(t, 4, pdump.Installed(), "two queues, both directions")
	require.NoError(t, p.Close())
	assert.Equal(t, 0, pdump.Installed(), "the close removed them")
	d := disable(pdump.FlagRx|pdump.FlagTx, pdump.AllQueues)
	d.Device = name
	assert.Equal(t, -int(syscall.EINVAL), pdump.Handle(d, peer), "no such port any more")
	c.free(t)
}
