package main

import (
	"math"
	"strconv"
	"strings"
)

// thousands formats n with commas: 12345 -> "12,345".
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// sig3 formats x with three significant digits, with commas from 1000
// on: 4959 -> "4,960", 39.71 -> "39.7", 5 -> "5.00", 0.4512 -> "0.451".
func sig3(x float64) string {
	if x == 0 {
		return "0"
	}
	if x < 0 {
		return "-" + sig3(-x)
	}
	digits := int(math.Floor(math.Log10(x))) + 1 // digits before the point
	if digits >= 3 {
		scale := math.Pow(10, float64(digits-3))
		return thousands(int64(math.Round(x/scale) * scale))
	}
	s := strconv.FormatFloat(x, 'f', 3-digits, 64)
	if r, _ := strconv.ParseFloat(s, 64); r >= math.Pow(10, float64(digits)) {
		return sig3(r) // 9.996 rounds to 10.0, which has one more digit
	}
	return s
}

// fmtQPS formats requests per second with three significant digits.
func fmtQPS(q float64) string { return sig3(q) }

// fmtMS formats milliseconds with three significant digits, "–" for none.
func fmtMS(ms float64) string {
	if ms <= 0 {
		return "–"
	}
	return sig3(ms) + " ms"
}

// fmtSeconds formats a duration in seconds as the docs show it: "0.2 s".
func fmtSeconds(s float64) string {
	return strconv.FormatFloat(s, 'f', -1, 64) + " s"
}

// oneLine shortens a possibly multi-line message for a table cell.
func oneLine(s string, max int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	s = strings.ReplaceAll(s, "|", "\\|")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
