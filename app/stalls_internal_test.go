package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The Go side's bucket edges are the C side's buckets: every value in
// [lo, hi) of bucket i is counted in bucket i by zc_stall_bucket.
func TestStallBucketEdgesMatchC(t *testing.T) {
	for i := 0; i < stallBuckets-1; i++ {
		lo, hi := bucketEdges(i)
		require.Less(t, lo, hi, "bucket %d", i)
		assert.Equal(t, i, cStallBucket(lo), "bucket %d's lowest value %d", i, lo)
		assert.Equal(t, i, cStallBucket(hi-1), "bucket %d's highest value %d", i, hi-1)
		if i > stallSub {
			assert.LessOrEqual(t, float64(hi-lo)/float64(lo), 1.0/stallSub, "bucket %d is at most 1/%d of its values wide", i, stallSub)
		}
		nlo, _ := bucketEdges(i + 1)
		assert.Equal(t, hi, nlo, "bucket %d ends where %d begins", i, i+1)
	}
	assert.Equal(t, stallBuckets-1, cStallBucket(1<<62), "huge gaps go to the last bucket")
}

// stallsOf is the Stalls of the given gaps, as the C side would count
// them, at hz.
func stallsOf(hz uint64, gaps ...time.Duration) Stalls {
	s := Stalls{hz: hz}
	for _, g := range gaps {
		c := uint64(float64(g) * float64(hz) / 1e9)
		s.hist[cStallBucket(c)]++
		s.Gaps++
		s.Total += g
		s.Max = max(s.Max, cyclesDur(c, hz))
		for i, l := range StallLimits {
			if g > l {
				switch i {
				case 0:
					s.Over16us++
				case 1:
					s.Over64us++
				case 2:
					s.Over256us++
				case 3:
					s.Over1ms++
				}
			}
		}
	}
	return s
}

func TestStallsQuantileCumulativeExcess(t *testing.T) {
	const hz = 2_500_000_000
	var gaps []time.Duration
	for i := 0; i < 9990; i++ {
		gaps = append(gaps, 3*time.Microsecond)
	}
	for i := 0; i < 9; i++ {
		gaps = append(gaps, 100*time.Microsecond)
	}
	gaps = append(gaps, 2*time.Millisecond)
	s := stallsOf(hz, gaps...)

	within := func(got, want time.Duration) {
		t.Helper()
		assert.GreaterOrEqual(t, got, want-want/100, "got %v, want %v (the bucket's upper edge)", got, want)
		assert.LessOrEqual(t, got, want+want/8+time.Nanosecond, "got %v, want %v within 1/8", got, want)
	}
	within(s.Quantile(0.5), 3*time.Microsecond)
	within(s.Quantile(0.99), 3*time.Microsecond)
	within(s.Quantile(0.9991), 100*time.Microsecond)
	assert.Equal(t, s.Max, s.Quantile(1), "the top is Max itself")
	within(s.Max, 2*time.Millisecond)
	assert.Zero(t, Stalls{}.Quantile(0.5))

	cum := s.Cumulative([]time.Duration{time.Microsecond, 16 * time.Microsecond, 128 * time.Microsecond, 64 * time.Millisecond})
	assert.Equal(t, []uint64{0, 9990, 9999, 10000}, cum)

	assert.Equal(t, uint64(10), s.Over16us)
	assert.Equal(t, uint64(10), s.Over64us)
	assert.Equal(t, uint64(1), s.Over256us)
	assert.Equal(t, uint64(1), s.Over1ms)

	// 9 gaps 49 us past 51.2 us and one 1.95 ms past it.
	ex := s.Excess(51200 * time.Nanosecond)
	want := 9*(100*time.Microsecond-51200*time.Nanosecond) + (2*time.Millisecond - 51200*time.Nanosecond)
	assert.InDelta(t, float64(want), float64(ex), float64(want)/8)
	assert.Zero(t, s.Excess(time.Second))

	var sum Stalls
	sum.Add(s)
	sum.Add(s)
	assert.Equal(t, 2*s.Gaps, sum.Gaps)
	assert.Equal(t, s.Max, sum.Max)
	within(sum.Quantile(0.9991), 100*time.Microsecond)
}
