package ping

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	src = [6]byte{2, 0, 0, 0, 0, 1}
	dst = [6]byte{2, 0, 0, 0, 0, 2}
)

// The Go and C encoders write the same frame, and each decoder reads
// what either wrote; other frames are not the pinger's.
func TestFrameEncodeDecode(t *testing.T) {
	for _, c := range []struct{ seq, tsc uint64 }{{0, 0}, {1, 2}, {1<<64 - 1, 1<<63 + 5}, {123456789, 987654321012}} {
		g := make([]byte, FrameLen)
		Encode(g, src, dst, c.seq, c.tsc)
		cb := cEncode(src, dst, c.seq, c.tsc)
		require.Equal(t, g, cb, "seq %d tsc %d", c.seq, c.tsc)
		assert.Equal(t, dst[:], g[0:6])
		assert.Equal(t, src[:], g[6:12])
		for _, dec := range []func([]byte) (uint64, uint64, bool){Decode, cDecode} {
			seq, tsc, ok := dec(g)
			assert.True(t, ok)
			assert.Equal(t, c.seq, seq)
			assert.Equal(t, c.tsc, tsc)
		}
	}
	g := make([]byte, FrameLen)
	Encode(g, src, dst, 7, 8)
	bad := append([]byte(nil), g...)
	bad[12], bad[13] = 0x08, 0x00 // IPv4
	badMagic := append([]byte(nil), g...)
	badMagic[offMagic] ^= 0xff
	for name, b := range map[string][]byte{"ethertype": bad, "magic": badMagic, "short": g[:offTSC+7]} {
		_, _, ok := Decode(b)
		assert.False(t, ok, name)
		_, _, ok = cDecode(b)
		assert.False(t, ok, name)
	}
}

// The bucket edges are the C side's buckets, at most 1/32 wide.
func TestBucketEdges(t *testing.T) {
	for i := 0; i < Buckets-1; i++ {
		lo, hi := BucketEdges(i)
		require.Less(t, lo, hi)
		assert.Equal(t, i, Bucket(lo), "bucket %d's lowest value", i)
		assert.Equal(t, i, Bucket(hi-1), "bucket %d's highest value", i)
		if i > sub {
			assert.LessOrEqual(t, float64(hi-lo)/float64(lo), 1.0/sub)
		}
		nlo, _ := BucketEdges(i + 1)
		assert.Equal(t, hi, nlo)
	}
	assert.Equal(t, Buckets-1, Bucket(1<<62))
}

func TestHistQuantile(t *testing.T) {
	h := Hist{Hz: 1_000_000_000} // a cycle a ns
	add := func(v uint64, n uint64) {
		h.Counts[Bucket(v)] += n
		h.Max = max(h.Max, v)
	}
	add(1000, 900) // 1 us
	add(5000, 90)  // 5 us
	add(20000, 9)  // 20 us
	add(400000, 1) // 400 us
	assert.Equal(t, uint64(1000), h.Total())
	within := func(want time.Duration, got time.Duration) {
		t.Helper()
		assert.GreaterOrEqual(t, got, want, "an upper edge")
		assert.LessOrEqual(t, float64(got), float64(want)*(1+1.0/sub)+1)
	}
	within(time.Microsecond, h.Quantile(0.5))
	within(time.Microsecond, h.Quantile(0.9))
	within(5*time.Microsecond, h.Quantile(0.99))
	within(20*time.Microsecond, h.Quantile(0.999))
	assert.Equal(t, 400*time.Microsecond, h.Quantile(1), "Max")
	assert.Zero(t, (&Hist{Hz: 1}).Quantile(0.5), "empty")
}
