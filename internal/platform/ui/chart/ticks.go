package chart

import (
	"math"
	"strconv"
)

// maxTickIntervals bounds the number of intervals NiceTicks will make.
const maxTickIntervals = 50

// NiceTicks returns evenly spaced, round axis ticks covering [min, max].
//
// The step is the smallest of 1, 2 or 5 × 10^n that splits the range into at
// most maxTicks intervals (so at most maxTicks+1 ticks; a range that
// straddles zero always gets at least two intervals); the first tick is
// the largest multiple of the step at or below min and the last the smallest
// at or above max. For example (0, 97, 5) gives 0, 20, 40, 60, 80, 100 and
// (-37, 82, 5) gives -50, 0, 50, 100.
//
// min and max may come in either order. When they are equal the range is
// stretched to reach zero (or to [0, 1] when both are zero), so a flat series
// still gets a usable axis. maxTicks below 1 means 5, and it is capped at 50.
// NiceTicks returns nil if min or max is NaN or infinite, or the range
// overflows float64.
func NiceTicks(min, max float64, maxTicks int) []float64 {
	a, b := min, max
	if !finite(a) || !finite(b) {
		return nil
	}
	if a > b {
		a, b = b, a
	}
	if a == b {
		switch {
		case a > 0:
			a = 0
		case a < 0:
			b = 0
		default:
			b = 1
		}
	}
	if maxTicks < 1 {
		maxTicks = 5
	}
	if maxTicks > maxTickIntervals {
		maxTicks = maxTickIntervals
	}

	if a < 0 && b > 0 && maxTicks < 2 {
		maxTicks = 2 // zero must be a tick, so one interval cannot do
	}

	step := niceStep((b - a) / float64(maxTicks))
	var lo, hi float64
	for range 64 { // each round moves to the next nice step; a few suffice
		lo = math.Floor(a/step + slack(a/step))
		hi = math.Ceil(b/step - slack(b/step))
		if hi-lo <= float64(maxTicks) {
			break
		}
		step = niceStep(step * 1.000001)
	}
	if hi-lo > float64(maxTicks) {
		return nil // range too wide for float64 (e.g. ±1e308)
	}

	decimals := 0
	if e := -math.Floor(math.Log10(step)); e > 0 {
		decimals = int(e) + 1
	}
	n := int(hi - lo)
	ticks := make([]float64, 0, n+1)
	for i := 0; i <= n; i++ {
		ticks = append(ticks, roundTo((lo+float64(i))*step, decimals))
	}
	return ticks
}

// slack is the float error tolerated when rounding x to a whole number of
// steps, so that e.g. 0.3/0.1 = 3.0000000000000004 still counts as 3.
func slack(x float64) float64 {
	return 1e-9 * math.Max(1, math.Abs(x))
}

// niceStep returns the smallest 1, 2 or 5 × 10^n that is at least raw.
func niceStep(raw float64) float64 {
	if raw <= 0 || !finite(raw) {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if s := m * mag; s >= raw*(1-1e-12) {
			return s
		}
	}
	return 10 * mag
}

// roundTo rounds v to the given number of decimals, removing float noise
// such as 0.30000000000000004, and turns -0 into 0.
func roundTo(v float64, decimals int) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'f', decimals, 64), 64)
	if err != nil || r == 0 {
		return 0
	}
	return r
}
