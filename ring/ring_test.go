package ring_test

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcnic/zcnic/internal/rte"
	"github.com/zcnic/zcnic/mbuf"
	"github.com/zcnic/zcnic/ring"
)

func TestNewAndAccessors(t *testing.T) {
	r := newRing(t, 8, 0)
	assert.True(t, strings.HasPrefix(r.Name(), "rr"))
	assert.Equal(t, 7, r.Capacity(), "a power-of-two ring holds count-1")
	assert.Equal(t, 8, r.Size())
	assert.Equal(t, 0, r.Count())
	assert.Equal(t, 7, r.FreeCount())
	assert.Equal(t, ring.Flags(0), r.Flags())

	s := newRing(t, 1024, ring.SingleProducer|ring.SingleConsumer)
	assert.Equal(t, 1023, s.Capacity())
	assert.Equal(t, ring.SingleProducer|ring.SingleConsumer, s.Flags())

	assert.Equal(t, 1, newRing(t, 2, 0).Capacity(), "the smallest ring")
	assert.Equal(t, mbuf.SocketAny, ring.SocketAny)
}

func TestNewExactSize(t *testing.T) {
	r := newRing(t, 1000, ring.ExactSize)
	assert.Equal(t, 1000, r.Capacity())
	assert.Equal(t, 1024, r.Size())
	assert.Equal(t, 1000, r.FreeCount())
	assert.Equal(t, ring.ExactSize, r.Flags())

	r = newRing(t, 1024, ring.ExactSize)
	assert.Equal(t, 1024, r.Capacity(), "exactly the count, even a power of two")
	assert.Equal(t, 2048, r.Size(), "which takes twice the slots")

	r = newRing(t, 1, ring.ExactSize|ring.SingleConsumer)
	assert.Equal(t, 1, r.Capacity())
}

func TestNewCountNotPowerOfTwo(t *testing.T) {
	name := uniq("rbad")
	r, err := ring.New(name, 1000, ring.SocketAny, 0)
	require.Error(t, err)
	assert.Nil(t, r)
	var re *rte.Error
	require.True(t, errors.As(err, &re), "got %T: %v", err, err)
	assert.Equal(t, "rte_ring_create", re.Call)
	assert.ErrorIs(t, err, syscall.EINVAL)
	assert.Contains(t, err.Error(), "rte_ring_create: Invalid argument")
	assert.Contains(t, err.Error(), "count 1000 is not a power of two; use 1024, or pass ExactSize")
	_, err = ring.Lookup(name)
	assert.ErrorIs(t, err, syscall.ENOENT, "nothing was created")

	// Too big to round up: the hint does not suggest an impossible size.
	_, err = ring.New(uniq("rbad"), 1<<30+1, ring.SocketAny, 0)
	require.True(t, errors.As(err, &re), "got %T: %v", err, err)
	assert.ErrorIs(t, err, syscall.EINVAL)
	assert.NotContains(t, err.Error(), "use 2147483648")

	// Too big even for DPDK once ExactSize rounds it up.
	_, err = ring.New(uniq("rbad"), 1<<30+1, ring.SocketAny, ring.ExactSize)
	require.True(t, errors.As(err, &re), "got %T: %v", err, err)
	assert.Equal(t, "rte_ring_create", re.Call)
	assert.ErrorIs(t, err, syscall.EINVAL)
}

func TestNewBadArguments(t *testing.T) {
	tests := []struct {
		name  string
		rname string
		count int
		flags ring.Flags
		msg   string
		inval bool // wraps EINVAL
	}{
		{"empty name", "", 8, 0, "empty name", false},
		{"name too long", strings.Repeat("n", ring.MaxNameLen+1), 8, 0, "longer than 28 bytes", false},
		{"zero count", "rz", 0, 0, "count 0 must be 1 to 2147483647", true},
		{"negative count", "rz", -8, 0, "count -8 must be", true},
		{"count beyond DPDK's mask", "rz", 1 << 31, ring.ExactSize, "count 2147483648 must be", true},
		{"count 1 holds nothing", "rz", 1, 0, "holds nothing", true},
		{"unknown flag", "rz", 8, ring.Flags(0x100), "unknown flags 0x100", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ring.New(tc.rname, tc.count, ring.SocketAny, tc.flags)
			require.Error(t, err)
			assert.Nil(t, r)
			assert.Contains(t, err.Error(), tc.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "ring: New"), err.Error())
			assert.Equal(t, tc.inval, errors.Is(err, syscall.EINVAL))
			var re *rte.Error
			assert.False(t, errors.As(err, &re), "refused before DPDK was called")
		})
	}
	// The longest name works.
	r, err := ring.New(strings.Repeat("m", ring.MaxNameLen), 8, ring.SocketAny, 0)
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("m", ring.MaxNameLen), r.Name())
	require.NoError(t, r.Free())
}

func TestNewDuplicateName(t *testing.T) {
	r := newRing(t, 8, 0)
	dup, err := ring.New(r.Name(), 16, ring.SocketAny, 0)
	require.Error(t, err)
	assert.Nil(t, dup)
	var re *rte.Error
	require.True(t, errors.As(err, &re), "got %T: %v", err, err)
	assert.Equal(t, "rte_ring_create", re.Call)
	assert.ErrorIs(t, err, syscall.EEXIST)
	assert.Contains(t, err.Error(), "a ring of that name exists")
	assert.Equal(t, 7, r.Capacity(), "the first ring is untouched")
}

func TestNewBadSocket(t *testing.T) {
	_, err := ring.New(uniq("rsock"), 8, 1000, 0)
	var re *rte.Error
	require.True(t, errors.As(err, &re), "got %T: %v", err, err)
	assert.Equal(t, "rte_ring_create", re.Call)
	assert.Contains(t, err.Error(), "socket 1000")
}

func TestLookup(t *testing.T) {
	p := newPool(t, 63, 0)
	r := newRing(t, 16, 0)
	l, err := ring.Lookup(r.Name())
	require.NoError(t, err)
	assert.Equal(t, r.Name(), l.Name())
	assert.Equal(t, 15, l.Capacity())
	assert.Equal(t, 16, l.Size())

	b := newBurst(t, 4)
	fill(t, b, p, 3, 'a')
	assert.Equal(t, 3, l.Enqueue(b), "enqueue through the looked-up ring")
	assert.Equal(t, 3, r.Count(), "seen through the original")

	err = l.Free()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "was looked up")
	assert.Equal(t, 3, r.Dequeue(b), "the refused Free left the ring alone")
	assert.Equal(t, []byte("abc"), firstBytes(b))
	b.Free()
}

func TestLookupUnknown(t *testing.T) {
	r, err := ring.Lookup("no-such-ring")
	require.Error(t, err)
	assert.Nil(t, r)
	var re *rte.Error
	require.True(t, errors.As(err, &re), "got %T: %v", err, err)
	assert.Equal(t, "rte_ring_lookup", re.Call)
	assert.ErrorIs(t, err, syscall.ENOENT)
	assert.Contains(t, err.Error(), `"no-such-ring"`)
}

func TestFree(t *testing.T) {
	p := newPool(t, 63, 0)
	name := uniq("rfree")
	r, err := ring.New(name, 16, ring.SocketAny, 0)
	require.NoError(t, err)
	b := newBurst(t, 8)
	fill(t, b, p, 5, 0)
	require.Equal(t, 5, r.Enqueue(b))

	err = r.Free()
	require.Error(t, err, "Free refuses while mbufs are in the ring")
	assert.Contains(t, err.Error(), "still holds 5 mbufs")
	assert.Equal(t, 5, r.Count())

	assert.Equal(t, 5, r.Drain())
	assert.True(t, p.Full(), "Drain freed them")
	assert.Equal(t, 0, r.Drain(), "nothing left")
	require.NoError(t, r.Free())
	_, err = ring.Lookup(name)
	assert.ErrorIs(t, err, syscall.ENOENT, "the ring is gone")

	err = r.Free()
	assert.ErrorContains(t, err, "already freed")
	assert.Equal(t, name, r.Name())
	msg := "ring: " + name + " used after Free"
	assert.PanicsWithValue(t, msg, func() { r.Enqueue(b) })
	assert.PanicsWithValue(t, msg, func() { r.Dequeue(b) })
	assert.PanicsWithValue(t, msg, func() { r.Count() })
	assert.PanicsWithValue(t, msg, func() { r.FreeCount() })
	assert.PanicsWithValue(t, msg, func() { r.Capacity() })
	assert.PanicsWithValue(t, msg, func() { r.Drain() })

	// The name is free again.
	r3, err := ring.New(name, 4, ring.SocketAny, 0)
	require.NoError(t, err)
	require.NoError(t, r3.Free())
}

func TestEnqueueDequeueSameMbufs(t *testing.T) {
	p := newPool(t, 127, 0)
	r := newRing(t, 64, ring.SingleProducer|ring.SingleConsumer)
	in := newBurst(t, 32)
	out := newBurst(t, 32)

	require.NoError(t, in.Alloc(p, 32))
	want := append([]*mbuf.Mbuf(nil), in.Pkts()...)
	for i, m := range in.Pkts() {
		d, err := m.Append(64)
		require.NoError(t, err)
		for j := range d {
			d[j] = byte(i*7 + j)
		}
	}

	assert.Equal(t, 32, r.Enqueue(in))
	assert.Equal(t, 0, in.Len(), "the ring owns them now")
	assert.Equal(t, 32, r.Count())
	assert.Equal(t, 31, r.FreeCount())
	assert.Equal(t, 32, p.InUse(), "mbufs in a ring are in use")

	assert.Equal(t, 32, r.Dequeue(out))
	assert.Equal(t, addrs(want), addrs(out.Pkts()), "the same mbufs, in the same order")
	for i, m := range out.Pkts() {
		d := m.Data()
		require.Len(t, d, 64)
		for j := range d {
			if d[j] != byte(i*7+j) {
				t.Fatalf("mbuf %d byte %d is %d, want %d", i, j, d[j], byte(i*7+j))
			}
		}
	}
	assert.Equal(t, 0, r.Count())
	out.Free()
}

func TestPartialEnqueueKeepsTheRest(t *testing.T) {
	p := newPool(t, 63, 0)
	r := newRing(t, 8, 0) // holds 7
	b := newBurst(t, 8)

	fill(t, b, p, 5, 'a')
	require.Equal(t, 5, r.Enqueue(b))
	fill(t, b, p, 5, 'f')
	rest := append([]*mbuf.Mbuf(nil), b.Pkts()[2:]...)

	assert.Equal(t, 2, r.Enqueue(b), "only two fit")
	assert.Equal(t, 0, r.FreeCount())
	assert.Equal(t, addrs(rest), addrs(b.Pkts()), "the three that did not fit stay in the burst, in order")
	assert.Equal(t, []byte("hij"), firstBytes(b))

	assert.Equal(t, 0, r.Enqueue(b), "a full ring takes nothing")
	assert.Equal(t, addrs(rest), addrs(b.Pkts()))
	assert.Equal(t, 10, p.InUse(), "nothing freed or lost")

	// Dequeue appends after what the burst holds, up to its room.
	out := newBurst(t, 6)
	fill(t, out, p, 2, 'x')
	assert.Equal(t, 4, r.Dequeue(out))
	assert.Equal(t, []byte("xyabcd"), firstBytes(out))
	assert.Equal(t, 0, r.Dequeue(out), "a full burst takes nothing")
	assert.Equal(t, []byte("xyabcd"), firstBytes(out))
	assert.Equal(t, 3, r.Count())

	// Now the retry fits, behind what was already queued.
	assert.Equal(t, 3, r.Enqueue(b))
	assert.Equal(t, 0, b.Len())
	out.Free()
	assert.Equal(t, 6, r.Dequeue(out))
	assert.Equal(t, []byte("efghij"), firstBytes(out))
	assert.Equal(t, 0, r.Dequeue(out), "the ring is empty")
	out.Free()
}

func TestEmptyBurstAndEmptyRing(t *testing.T) {
	p := newPool(t, 15, 0)
	r := newRing(t, 4, 0)
	b := newBurst(t, 4)
	assert.Equal(t, 0, r.Enqueue(b), "an empty burst enqueues nothing")
	assert.Equal(t, 0, r.Dequeue(b), "an empty ring dequeues nothing")
	assert.Equal(t, 0, b.Len())
	fill(t, b, p, 4, 0)
	assert.Equal(t, 0, r.Dequeue(b), "a full burst dequeues nothing")
	assert.Equal(t, 4, b.Len())
	b.Free()
}

func TestDrain(t *testing.T) {
	p := newPool(t, 255, 0)
	r := newRing(t, 256, 0)
	b := newBurst(t, 64)
	for i := 0; i < 3; i++ {
		fill(t, b, p, 50, 0)
		require.Equal(t, 50, r.Enqueue(b))
	}
	assert.Equal(t, 150, p.InUse())
	assert.Equal(t, 150, r.Drain(), "more than one internal batch of 64")
	assert.Equal(t, 0, r.Count())
	assert.True(t, p.Full())
}
