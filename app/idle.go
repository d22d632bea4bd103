package app

import (
	"time"

	"github.com/zcnic/zcnic/internal/pcapfile"
)

// The end of a run's input (Config.StopWhenIdle): the runner watches
// the loops' rx counters, a few times per StopWhenIdle, never on the
// loops' path.

// idleWatch decides when a run's input has ended.
type idleWatch struct {
	wait  time.Duration
	last  []uint64 // rx packets per port at the last change
	since time.Time
	// want is, when every polled port's input is finite, how many
	// packets each holds; nil otherwise.
	want   []uint64
	ticker *time.Ticker
}

// newIdleWatch returns the watch of a run with StopWhenIdle, and the
// channel to check it on; nil and a nil channel without.
func (r *runner) newIdleWatch() (*idleWatch, <-chan time.Time) {
	if r.cfg.StopWhenIdle <= 0 {
		return nil, nil
	}
	w := &idleWatch{wait: r.cfg.StopWhenIdle, since: time.Now(), want: r.finiteInputs()}
	w.ticker = time.NewTicker(min(max(w.wait/8, time.Millisecond), 100*time.Millisecond))
	return w, w.ticker.C
}

func (w *idleWatch) stop() { w.ticker.Stop() }

// ended reports whether the input has ended, given the rx packets per
// port so far: every finite input received whole, or nothing received
// for the wait.
func (w *idleWatch) ended(rx []uint64) bool {
	if w.want != nil {
		done := true
		for i, n := range w.want {
			if rx[i] < n {
				done = false
			}
		}
		if done {
			return true
		}
	}
	changed := len(w.last) != len(rx)
	for i := 0; !changed && i < len(rx); i++ {
		changed = rx[i] != w.last[i]
	}
	if changed {
		w.last = append(w.last[:0], rx...)
		w.since = time.Now()
		return false
	}
	return time.Since(w.since) >= w.wait
}

// finiteInputs is, when every port a loop polls reads a finite input, how
// many packets each port's input holds (0 for a port nobody polls); nil
// if any polled input is not finite. A net_pcap port is finite when it
// replays rx_pcap files once (no infinite_rx), one per rx queue, or
// reads nothing (tx_pcap only: its rx is a dummy).
func (r *runner) finiteInputs() []uint64 {
	want := make([]uint64, len(r.ports))
	polled := map[Queue]bool{}
	for _, l := range r.cfg.Lcores {
		for _, q := range l.Rx {
			polled[q] = true
		}
	}
	if len(polled) == 0 {
		return nil // no input at all (a generator): only the wait
	}
	for i, p := range r.ports {
		var queues []int
		for q := range polled {
			if q.Port == i {
				queues = append(queues, q.Queue)
			}
		}
		if len(queues) == 0 {
			continue
		}
		if !pcapfile.IsNetPcap(p.Name()) {
			return nil
		}
		a := pcapfile.ParseNetPcapArgs(p.DevArgs())
		if a.InfiniteRx || a.RxIface {
			return nil
		}
		for _, q := range queues {
			if q >= len(a.RxPcap) {
				continue // a dummy rx queue: nothing to read
			}
			in, err := pcapfile.Scan(a.RxPcap[q])
			if err != nil {
				return nil
			}
			want[i] += uint64(in.Records)
		}
	}
	return want
}

// rxPackets is the packets received per port so far, as the loops last
// published them.
func (r *runner) rxPackets() []uint64 {
	rx := make([]uint64, len(r.ports))
	for _, c := range r.ctxs {
		c.mu.Lock()
		for i := range rx {
			rx[i] += c.pub.Ports[i].RxPackets
		}
		c.mu.Unlock()
	}
	return rx
}
