package app

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/mbuf"
)

// A second Run while one is going is refused at once, with ErrRunning,
// and leaves the first alone: its ports keep receiving, and its result is
// that of a run alone.
func TestConcurrentRunIsRefused(t *testing.T) {
	devs := []PortConfig{{Device: dev("net_null")}, {Device: dev("net_null")}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var rx atomic.Uint64
	started := make(chan struct{})
	secondDone := make(chan struct{})
	var afterSecond atomic.Uint64 // the first run's rx when the second returned
	cfg := Config{Ports: devs, StatsInterval: 5 * time.Millisecond}
	cfg.OnStats = func(s Snapshot) {
		rx.Store(s.Ports[0].RxPackets)
		select {
		case <-started:
		default:
			if s.Ports[0].RxPackets > 0 {
				close(started)
			}
		}
		select {
		case <-secondDone:
			// The first run goes on receiving after the second failed.
			if s.Ports[0].RxPackets > afterSecond.Load()+100000 {
				cancel()
			}
		default:
		}
	}
	type out struct {
		res Result
		err error
	}
	first := make(chan out, 1)
	go func() {
		res, err := Forward(ctx, cfg, FwdConfig{Mode: MacSwap})
		first <- out{res, err}
	}()
	select {
	case <-started:
	case o := <-first:
		t.Fatalf("the first run ended before receiving: %v", o.err)
	}

	_, err := Forward(context.Background(), Config{Ports: devs}, FwdConfig{Mode: MacSwap})
	afterSecond.Store(rx.Load())
	close(secondDone)
	require.ErrorIs(t, err, ErrRunning)
	assert.Contains(t, err.Error(), devs[0].Device, "the error names the devices of the run in progress")

	o := <-first
	require.NoError(t, o.err)
	require.NotErrorIs(t, ctx.Err(), context.DeadlineExceeded, "the first run stopped receiving after the second was refused")
	assert.Greater(t, o.res.Ports[0].RxPackets, afterSecond.Load())
	checkBalanced(t, o.res)

	// Once the first has returned, a new run starts.
	ctx2, cancel2 := context.WithCancel(context.Background())
	cfg2 := Config{Ports: devs}
	untilTx(&cfg2, 1000, cancel2)
	res, err := Forward(ctx2, cfg2, FwdConfig{Mode: MacSwap})
	require.NoError(t, err)
	checkBalanced(t, res)
}

// runChecked runs h on one net_null port with Config.Debug until a misuse
// stops it (or 20 s pass), and checks that the pool came back full.
func runChecked(t *testing.T, h Handler) (Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := Run(ctx, Config{Ports: []PortConfig{{Device: dev("net_null")}}, Debug: true}, h)
	require.NoError(t, ctx.Err(), "the misuse did not stop the run")
	assert.Zero(t, res.Leaked, "every mbuf is back in the pool")
	return res, err
}

// misuse returns the first *MisuseError in err, failing the test if
// there is none.
func misuse(t *testing.T, err error) *MisuseError {
	t.Helper()
	require.ErrorIs(t, err, ErrMisuse)
	var me *MisuseError
	require.True(t, errors.As(err, &me), "%v", err)
	return me
}

// once runs f on the first call of a handler only; later bursts are
// dropped.
func once(f func(c *Ctx, pkts []*mbuf.Mbuf)) Handler {
	var done bool
	return func(c *Ctx, pkts []*mbuf.Mbuf) {
		if done {
			c.DropAll(DropFiltered)
			return
		}
		done = true
		f(c, pkts)
	}
}

// Keep, Free, then Send: a verdict for a freed packet. Without the
// check the loop would transmit an mbuf that is back in the pool.
func TestDebugVerdictAfterFree(t *testing.T) {
	var addr uintptr
	var lcore uint
	res, err := runChecked(t, once(func(c *Ctx, pkts []*mbuf.Mbuf) {
		lcore = c.Lcore()
		addr = uintptr(unsafe.Pointer(pkts[2]))
		c.Keep(2)
		pkts[2].Free() // the handler's own now: fine
		c.Send(2, 0)   // but it is freed
		c.SendRest(0)
	}))
	me := misuse(t, err)
	assert.Equal(t, "Ctx.Send", me.Call)
	assert.Equal(t, 2, me.Packet)
	assert.Equal(t, addr, me.Mbuf)
	assert.Equal(t, int(lcore), me.Lcore)
	assert.Contains(t, err.Error(), fmt.Sprintf("app: misuse on lcore %d: Ctx.Send of packet 2 of the burst (mbuf %#x)", lcore, addr))
	assert.Contains(t, err.Error(), "freed")
	assert.NotContains(t, err.Error(), "driver", "no leak is blamed on a driver")
	checkBalanced(t, res)
	assert.Equal(t, uint64(1), res.Ports[0].Kept, "the freed packet counts as kept (and freed by the handler)")
}

// Free without Keep: the loop still owns the packet. The free is
// refused, and the later verdict is reported too.
func TestDebugFreeOfLoopsPacket(t *testing.T) {
	var addr uintptr
	res, err := runChecked(t, once(func(c *Ctx, pkts []*mbuf.Mbuf) {
		addr = uintptr(unsafe.Pointer(pkts[0]))
		pkts[0].Free()
		c.Drop(0, DropFiltered)
		c.SendRest(0)
	}))
	me := misuse(t, err)
	assert.Equal(t, "mbuf.Free", me.Call)
	assert.Equal(t, 0, me.Packet)
	assert.Equal(t, addr, me.Mbuf)
	assert.Contains(t, me.Error(), "the loop still owns it")
	assert.Contains(t, err.Error(), "Ctx.Drop of packet 0 of the burst", "the verdict after it is named too")
	checkBalanced(t, res)
}

func TestDebugDoubleFree(t *testing.T) {
	t.Run("kept packet", func(t *testing.T) {
		var addr uintptr
		res, err := runChecked(t, once(func(c *Ctx, pkts []*mbuf.Mbuf) {
			addr = uintptr(unsafe.Pointer(pkts[1]))
			c.Keep(1)
			pkts[1].Free()
			pkts[1].Free()
			c.SendRest(0)
		}))
		me := misuse(t, err)
		assert.Equal(t, "mbuf.Free", me.Call)
		assert.Equal(t, 1, me.Packet)
		assert.Equal(t, addr, me.Mbuf)
		assert.Contains(t, me.Problem, "freed twice")
		checkBalanced(t, res)
	})
	t.Run("allocated mbuf", func(t *testing.T) {
		var addr uintptr
		var lcore uint
		_, err := runChecked(t, once(func(c *Ctx, pkts []*mbuf.Mbuf) {
			lcore = c.Lcore()
			m := c.Pool().Alloc()
			addr = uintptr(unsafe.Pointer(m))
			m.Free()
			m.Free()
			c.SendRest(0)
		}))
		me := misuse(t, err)
		assert.Equal(t, "mbuf.Free", me.Call)
		assert.Equal(t, -1, me.Packet, "no packet of the burst")
		assert.Equal(t, addr, me.Mbuf)
		assert.Equal(t, int(lcore), me.Lcore)
		assert.Contains(t, me.Problem, "freed twice")
	})
}

// Ctx.Inject from another goroutine (so another thread than the
// lcore's) is refused: the mbuf stays the caller's.
func TestDebugInjectOffLcore(t *testing.T) {
	var lcore uint
	var injected atomic.Bool
	res, err := runChecked(t, once(func(c *Ctx, pkts []*mbuf.Mbuf) {
		lcore = c.Lcore()
		done := make(chan struct{})
		go func() {
			defer close(done)
			m := c.Pool().Alloc()
			if m == nil {
				return
			}
			if c.Inject(m, 0) {
				injected.Store(true)
			} else {
				m.Free()
			}
		}()
		<-done
		c.SendRest(0)
	}))
	me := misuse(t, err)
	assert.Equal(t, "Ctx.Inject", me.Call)
	assert.Equal(t, int(lcore), me.Lcore)
	assert.Contains(t, me.Problem, "not from the thread of lcore")
	assert.False(t, injected.Load(), "the off-lcore Inject was refused")
	checkBalanced(t, res)
	assert.Zero(t, res.Lcores[0].Injected)
}

// A handler that uses its packets as documented runs clean with Debug:
// Keep then Free, Keep then Inject, allocations, SendRest, and the
// built-in forwarders.
func TestDebugCleanRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{Ports: []PortConfig{{Device: dev("net_null")}}, Debug: true}
	untilTx(&cfg, 20000, cancel)
	res, err := Run(ctx, cfg, func(c *Ctx, pkts []*mbuf.Mbuf) {
		if len(pkts) >= 3 {
			c.Keep(0)
			pkts[0].Free()
			c.Keep(1)
			if !c.Inject(pkts[1], 0) {
				pkts[1].Free()
			}
			if m := c.Pool().Alloc(); m != nil {
				m.Free()
			}
			c.Drop(2, DropFiltered)
		}
		c.SendRest(0)
	})
	require.NoError(t, err)
	p := res.Ports[0]
	assert.Equal(t, p.RxPackets, p.Forwarded+p.Dropped+p.Kept)
	assert.Positive(t, res.Lcores[0].Injected)
	assert.Equal(t, p.Forwarded+res.Lcores[0].Injected, p.TxPackets, "forwarded and injected packets were transmitted")
	assert.Zero(t, res.Leaked)

	ctx, cancel = context.WithCancel(context.Background())
	cfg = Config{Ports: []PortConfig{{Device: dev("net_null")}, {Device: dev("net_null")}}, Debug: true}
	untilTx(&cfg, 20000, cancel)
	res, err = Forward(ctx, cfg, FwdConfig{Mode: FiveTupleSwap})
	require.NoError(t, err)
	checkBalanced(t, res)
}

// A handler that blocks for ever: Run returns StopTimeout after the
// cancel, naming the lcore, and leaves the run to be torn down when the
// handler comes back; nothing crashes when it does.
func TestStopTimeoutAbandonsStuckLoop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	block := make(chan struct{})
	stuck := make(chan uint, 1)
	var calls atomic.Int64
	cfg := Config{Ports: []PortConfig{{Device: dev("net_null")}, {Device: dev("net_null")}}, StopTimeout: 300 * time.Millisecond}
	type out struct {
		res Result
		err error
	}
	ran := make(chan out, 1)
	go func() {
		res, err := Run(ctx, cfg, func(c *Ctx, pkts []*mbuf.Mbuf) {
			if calls.Add(1) == 1 {
				stuck <- c.Lcore()
				<-block
			}
			c.SendAll(len(pkts), 1-c.RxQueue().Port)
		})
		ran <- out{res, err}
	}()
	lcore := <-stuck
	cancel()
	var o out
	select {
	case o = <-ran:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context ended: the handler blocks")
	}
	require.ErrorIs(t, o.err, ErrStopTimeout)
	var se *StopTimeoutError
	require.True(t, errors.As(o.err, &se))
	assert.Equal(t, []uint{lcore}, se.Lcores)
	assert.Contains(t, o.err.Error(), fmt.Sprintf("lcore %d did not stop within 300ms", lcore))

	// Until the handler comes back, no Run can start, and says why.
	_, err := Run(context.Background(), Config{Ports: []PortConfig{{Device: dev("net_null")}}}, RxOnly)
	require.ErrorIs(t, err, ErrRunning)
	assert.Contains(t, err.Error(), fmt.Sprintf("abandoned with lcore %d stuck", lcore))

	current.mu.Lock()
	slot := current.run
	current.mu.Unlock()
	require.NotNil(t, slot, "the abandoned run holds the process")
	close(block) // the handler wakes up, on ports that are still there
	select {
	case <-slot.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the abandoned run was not torn down after its loop returned")
	}
	require.NoError(t, slot.lateErr, "the late teardown found the pool full")

	// And the process runs again.
	ctx2, cancel2 := context.WithCancel(context.Background())
	cfg2 := Config{Ports: []PortConfig{{Device: dev("net_null")}}}
	untilTx(&cfg2, 1000, cancel2)
	res, err := Forward(ctx2, cfg2, FwdConfig{Mode: IO})
	require.NoError(t, err)
	checkBalanced(t, res)
}
