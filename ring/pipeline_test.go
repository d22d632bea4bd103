package ring_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/ring"
)

// Enqueue and Dequeue allocate nothing.
func TestEnqueueDequeueDoNotAllocate(t *testing.T) {
	p := newPool(t, 127, 0)
	r := newRing(t, 64, 0)
	in := newBurst(t, 32)
	out := newBurst(t, 32)
	require.NoError(t, in.Alloc(p, 32))
	allocs := testing.AllocsPerRun(500, func() {
		if r.Enqueue(in) != 32 || r.Dequeue(out) != 32 {
			panic("short")
		}
		in, out = out, in
		_ = r.Count() + r.FreeCount() + r.Capacity()
	})
	assert.Zero(t, allocs)
	// A partial enqueue (the rest kept in the burst) allocates nothing either.
	small := newRing(t, 16, 0)
	allocs = testing.AllocsPerRun(500, func() {
		if small.Enqueue(in) != 15 || small.Dequeue(in) != 15 {
			panic("short")
		}
	})
	assert.Zero(t, allocs)
	assert.Equal(t, 32, in.Len())
	in.Free()
}

// stamp writes the sequence number and producer id into a fresh mbuf.
func stamp(m *mbuf.Mbuf, producer byte, seq uint64) error {
	d, err := m.Append(9)
	if err != nil {
		return err
	}
	binary.LittleEndian.PutUint64(d, seq)
	d[8] = producer
	return nil
}

// produce runs on a worker lcore (or a goroutine): it allocates total
// mbufs in bursts of 32, numbers them, and enqueues them, busy-retrying
// what does not fit, until done or stop is set.
func produce(p *mbuf.Pool, r *ring.Ring, producer byte, total uint64, stop *atomic.Bool) error {
	b, err := mbuf.NewBurst(32)
	if err != nil {
		return err
	}
	defer b.Close()
	var next uint64
	for next < total || b.Len() > 0 {
		if stop.Load() {
			return errors.New("producer stopped")
		}
		if b.Len() == 0 {
			n := min(32, int(total-next))
			if b.Alloc(p, n) != nil {
				continue // pool momentarily empty: the consumer frees
			}
			for _, m := range b.Pkts() {
				if err := stamp(m, producer, next); err != nil {
					return err
				}
				next++
			}
		}
		// A full ring: retry at once. (No runtime.Gosched: on an lcore the
		// goroutine is locked to its thread, and yielding costs a futex
		// handoff of several microseconds.)
		r.Enqueue(b)
	}
	return nil
}

// consume dequeues until it has seen want mbufs in all, checking that each
// producer's sequence numbers arrive in order, and frees them.
func consume(t *testing.T, r *ring.Ring, want map[byte]uint64, stop *atomic.Bool) {
	t.Helper()
	b := newBurst(t, 32)
	next := map[byte]uint64{}
	var total, got uint64
	for _, n := range want {
		total += n
	}
	deadline := time.Now().Add(2 * time.Minute)
	for got < total {
		if r.Dequeue(b) == 0 {
			if time.Now().After(deadline) {
				stop.Store(true)
				t.Fatalf("timed out with %d of %d mbufs received", got, total)
			}
			runtime.Gosched()
			continue
		}
		for _, m := range b.Pkts() {
			d := m.Data()
			if len(d) != 9 {
				stop.Store(true)
				t.Fatalf("mbuf %d has %d bytes, want 9", got, len(d))
			}
			seq, prod := binary.LittleEndian.Uint64(d), d[8]
			if seq != next[prod] {
				stop.Store(true)
				t.Fatalf("producer %d: got sequence %d, want %d (after %d mbufs)", prod, seq, next[prod], got)
			}
			next[prod]++
			got++
		}
		b.Free()
	}
	assert.Equal(t, want, next)
	assert.Equal(t, 0, r.Count(), "nothing more arrived")
}

// One producer on a worker lcore, one consumer on the test goroutine, a
// small single-producer single-consumer ring, 100k numbered mbufs.
func TestPipelineAcrossLcores(t *testing.T) {
	w := worker(t)
	p := newPool(t, 1023, 64)
	r := newRing(t, 64, ring.SingleProducer|ring.SingleConsumer)
	const total = 100_000
	var stop atomic.Bool
	job, err := eal.Launch(w, func() error {
		if _, ok := eal.CurrentLcore(); !ok {
			return fmt.Errorf("producer is not on an lcore")
		}
		return produce(p, r, 1, total, &stop)
	})
	require.NoError(t, err)
	defer func() {
		stop.Store(true)
		assert.NoError(t, job.Wait())
		assert.True(t, p.Full(), "every mbuf came back: %d in use", p.InUse())
	}()
	consume(t, r, map[byte]uint64{1: total}, &stop)
}

// Two producers on a default (multi-producer) ring: one on a worker
// lcore, one on an ordinary goroutine. Each one's mbufs stay in order.
func TestMultiProducer(t *testing.T) {
	w := worker(t)
	p := newPool(t, 1023, 64)
	r := newRing(t, 128, 0)
	const each = 50_000
	var stop atomic.Bool
	job, err := eal.Launch(w, func() error { return produce(p, r, 1, each, &stop) })
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- produce(p, r, 2, each, &stop) }()
	defer func() {
		stop.Store(true)
		assert.NoError(t, job.Wait())
		assert.NoError(t, <-done)
		assert.True(t, p.Full(), "every mbuf came back: %d in use", p.InUse())
	}()
	consume(t, r, map[byte]uint64{1: each, 2: each}, &stop)
}
