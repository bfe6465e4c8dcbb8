package main

import (
	"fmt"
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

// fmtQPS formats requests per second: one decimal below 100, whole
// numbers with commas above.
func fmtQPS(q float64) string {
	if q < 100 {
		return strconv.FormatFloat(q, 'f', 1, 64)
	}
	return thousands(int64(q + 0.5))
}

// fmtMS formats milliseconds with about three significant digits.
func fmtMS(ms float64) string {
	switch {
	case ms <= 0:
		return "–"
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f ms", ms)
	default:
		return thousands(int64(ms+0.5)) + " ms"
	}
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
