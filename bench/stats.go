package bench

import (
	"math"
	"slices"
)

// Median is the median of xs (the mean of the middle two for an even
// count), or NaN for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// SteadyMedian is the median of the measure samples that follow the
// first warmup ones; it reports false when there are fewer than
// warmup+measure samples. Samples past warmup+measure are ignored, so
// that both programs are measured over the same window.
func SteadyMedian(samples []float64, warmup, measure int) (float64, bool) {
	if warmup < 0 || measure < 1 || len(samples) < warmup+measure {
		return math.NaN(), false
	}
	return Median(samples[warmup : warmup+measure]), true
}

// Ratio is a/b, or NaN when either is missing or b is not positive.
func Ratio(a, b float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) || b <= 0 {
		return math.NaN()
	}
	return a / b
}
