package flow_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/app"
	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/eal/ealtest"
	"github.com/zcnic/zcnic/flow"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/port"
)

// A rule set swapped under traffic loses nothing: every packet received
// is classified by exactly one rule set (each set has a rule that
// matches everything, so the sets' hits add up to the packets
// received), and ends up forwarded or dropped by a rule, nothing else.
func TestReplaceUnderTraffic(t *testing.T) {
	t.Run("one loop", func(t *testing.T) { replaceUnderTraffic(t, 1) })
	// Two loops on two rx queues of the port: two QSBR readers, each
	// with its own counters.
	t.Run("two loops", func(t *testing.T) { replaceUnderTraffic(t, 2) })
}

func replaceUnderTraffic(t *testing.T, loops int) {
	// Set A marks and counts every packet and lets it through; set B
	// drops every packet. net_null's frames match "pattern end" (every
	// packet). Each loop has its own rows of the rules' counters and
	// actions: with two loops, the second's packets must be marked and
	// dropped as the first's.
	countAll := parseAll(t, []string{"pattern end actions mark id 7 / count / end"})
	dropAll := parseAll(t, []string{"pattern eth type is 0x1234 / end actions mark id 1 / end", "priority 1 pattern end actions drop / end"})
	tb, err := flow.NewTable(flow.Software, countAll)
	require.NoError(t, err)

	const swaps = 40
	var seen, unmarked [64]uint64 // per lcore
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	started := make(chan struct{})
	done := make(chan error, 1)
	cfg := app.Config{
		Ports: []app.PortConfig{
			{Device: ealtest.Name("net_null"), Rules: tb},
			{Device: ealtest.Name("net_null") + ",no-rx=1"},
		},
		Lcores: []app.LcoreConfig{{Lcore: ealtest.Worker(t), Rx: []app.Queue{{Port: 0}}}},
		Vector: 32,
		OnReady: func(_ []*port.Port) error {
			close(started)
			return nil
		},
	}
	if loops == 2 {
		main := eal.MainLcore()
		require.NotEqual(t, main, cfg.Lcores[0].Lcore, "two loops need two lcores")
		cfg.Lcores = append(cfg.Lcores, app.LcoreConfig{Lcore: main, Rx: []app.Queue{{Port: 0, Queue: 1}}})
	}
	go func() {
		<-started
		var err error
		for i := 0; i < swaps && err == nil; i++ {
			// Swap once the current set has seen traffic (a loaded
			// machine may start the loop late).
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
				if st := tb.Stats(); st[len(st)-1].Hits > 0 {
					break
				}
			}
			if i%2 == 0 {
				err = tb.Replace(dropAll)
			} else {
				err = tb.Replace(countAll)
			}
		}
		time.Sleep(2 * time.Millisecond)
		cancel()
		done <- err
	}()
	res, err := app.Run(ctx, cfg, func(c *app.Ctx, ms []*mbuf.Mbuf) {
		seen[c.Lcore()] += uint64(len(ms))
		for _, m := range ms {
			if id, ok := m.Mark(); !ok || id != 7 {
				unmarked[c.Lcore()]++
			}
		}
		c.SendAll(len(ms), 1)
	})
	require.NoError(t, err)
	require.NoError(t, <-done)
	require.NotErrorIs(t, ctx.Err(), context.DeadlineExceeded)
	assert.Zero(t, res.Leaked, "every mbuf back in the pool")

	retired := tb.Retired()
	require.Len(t, retired, swaps)
	sets := append(retired, tb.Stats())
	var hits, counted, dropped uint64
	for i, st := range sets {
		for _, s := range st {
			hits += s.Hits
			if s.Drop {
				dropped += s.Hits
			} else {
				counted += s.Hits
			}
		}
		assert.NotZero(t, st[len(st)-1].Hits, "set %d saw traffic", i)
	}
	rx := res.Ports[0]
	require.NotZero(t, rx.RxPackets)
	assert.Equal(t, rx.RxPackets, hits, "every packet classified by exactly one rule set")
	assert.Equal(t, dropped, res.Drops()[app.DropRule], "rule drops")
	var handled uint64
	for _, n := range seen {
		handled += n
	}
	assert.Equal(t, counted, handled, "what no set dropped reached the handler")
	for l, n := range unmarked {
		assert.Zero(t, n, "packets lcore %d handled without set A's mark", l)
	}
	if loops == 2 {
		for _, lc := range cfg.Lcores {
			assert.NotZero(t, seen[lc.Lcore], "lcore %d handled packets", lc.Lcore)
		}
	}
	assert.Equal(t, rx.RxPackets, rx.Forwarded+rx.Dropped, "received = forwarded + dropped")
	assert.Equal(t, rx.Dropped, res.Drops()[app.DropRule], "dropped only by rules")
	assert.Equal(t, rx.Forwarded, res.Ports[1].TxPackets+res.Drops()[app.DropTxFull])
	t.Logf("%d swaps, %d packets: %d through the count sets, %d dropped by the drop sets", swaps, rx.RxPackets, counted, dropped)
}

// A pipeline's rx loop that stops polling while its ring is full (a
// stalled worker) still lets a swap through at once: it reports that it
// holds no rule set every turn, polled or not.
func TestReplaceWhileRxHeld(t *testing.T) {
	tb, err := flow.NewTable(flow.Software, parseAll(t, []string{"pattern end actions count / end"}))
	require.NoError(t, err)
	worker, main := ealtest.Worker(t), eal.MainLcore()
	require.NotEqual(t, worker, main)
	stalled := make(chan struct{})
	release := make(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg := app.Config{
		Ports: []app.PortConfig{
			{Device: ealtest.Name("net_null"), Rules: tb},
			{Device: ealtest.Name("net_null") + ",no-rx=1"},
		},
		Lcores: []app.LcoreConfig{{Lcore: main, Rx: []app.Queue{{Port: 0}}, NoTx: true}, {Lcore: worker}},
		Rings:  []app.RingConfig{{From: []uint{main}, To: worker, Size: 512}},
	}
	var once bool
	took := make(chan time.Duration, 1)
	go func() {
		<-stalled
		time.Sleep(50 * time.Millisecond) // the ring fills, the rx loop holds
		t0 := time.Now()
		err := tb.Replace(parseAll(t, []string{"pattern end actions count / end"}))
		took <- time.Since(t0)
		assert.NoError(t, err)
		close(release)
		time.Sleep(10 * time.Millisecond)
		cancel()
	}()
	res, err := app.Run(ctx, cfg, func(c *app.Ctx, ms []*mbuf.Mbuf) {
		if c.FromRing() < 0 {
			for i := range ms {
				c.ToRing(i, 0)
			}
			return
		}
		if !once {
			once = true
			close(stalled)
			<-release // the worker stalls until the swap is done
		}
		c.SendAll(len(ms), 1)
	})
	require.NoError(t, err)
	d := <-took
	assert.Less(t, d, 500*time.Millisecond, "the swap waited for the held rx loop")
	assert.NotZero(t, res.Lcores[0].Held, "the rx loop was held")
	assert.Zero(t, res.Leaked)
	t.Logf("swap with the rx loop held: %v", d)
}
