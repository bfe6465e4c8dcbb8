package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLittleBound(t *testing.T) {
	tests := []struct {
		name        string
		concurrency int
		latency     time.Duration
		want        float64
	}{
		{"1000 connections, 200 ms app", 1000, 200 * time.Millisecond, 5000},
		{"iterative server", 1, 200 * time.Millisecond, 5},
		{"8 sync workers", 8, 200 * time.Millisecond, 40},
		{"50 connections, 10 ms", 50, 10 * time.Millisecond, 5000},
		{"no sleep: no bound", 50, 0, 0},
	}
	for _, tt := range tests {
		if got := littleBound(tt.concurrency, tt.latency); got != tt.want {
			t.Errorf("%s: littleBound(%d, %v) = %v, want %v", tt.name, tt.concurrency, tt.latency, got, tt.want)
		}
	}
}

func TestWorkloadBounds(t *testing.T) {
	want := map[string]float64{"article-keepalive": 5000, "article-close": 5000, "overhead-keepalive": 0, "overhead-close": 0}
	got := map[string]float64{}
	for _, w := range workloads {
		got[w.Name] = w.Bound()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bounds (-want +got):\n%s", diff)
	}
}

func TestSelectWorkloads(t *testing.T) {
	names := func(ws []Workload) []string {
		var out []string
		for _, w := range ws {
			out = append(out, w.Name)
		}
		return out
	}
	tests := []struct {
		list []string
		want []string
	}{
		{[]string{"article"}, []string{"article-keepalive", "article-close"}},
		{[]string{"overhead-close", "article"}, []string{"article-keepalive", "article-close", "overhead-close"}},
		{[]string{"overhead", "overhead-close"}, []string{"overhead-keepalive", "overhead-close"}},
	}
	for _, tt := range tests {
		got, err := selectWorkloads(tt.list)
		if err != nil {
			t.Errorf("selectWorkloads(%v): %v", tt.list, err)
			continue
		}
		if diff := cmp.Diff(tt.want, names(got)); diff != "" {
			t.Errorf("selectWorkloads(%v) (-want +got):\n%s", tt.list, diff)
		}
	}
	if _, err := selectWorkloads([]string{"article", "bogus"}); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("unknown workload: err = %v, want one naming it", err)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{thousands(0), "0"},
		{thousands(999), "999"},
		{thousands(1000), "1,000"},
		{thousands(-1234567), "-1,234,567"},
		{fmtQPS(4.66), "4.66"},
		{fmtQPS(54535.4), "54,500"},
		{fmtQPS(4959), "4,960"},
		{fmtQPS(101033), "101,000"},
		{fmtQPS(39.71), "39.7"},
		{fmtQPS(5), "5.00"},
		{fmtQPS(9.996), "10.0"},
		{fmtQPS(999.6), "1,000"},
		{fmtQPS(0), "0"},
		{fmtMS(0), "–"},
		{fmtMS(0.6912), "0.691 ms"},
		{fmtMS(14.62), "14.6 ms"},
		{fmtMS(1807.4), "1,810 ms"},
		{oneLine("a | b\nsecond", 100), `a \| b`},
		{oneLine("abcdef", 3), "abc…"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
