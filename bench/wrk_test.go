package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The testdata files are real wrk 4.1.0 output with report.lua, captured
// against nginx, a listener that never answers, and a closed port.
func TestParseWrk(t *testing.T) {
	tests := []struct {
		file string
		want WrkSummary
	}{
		{"wrk-nginx-keepalive.txt", WrkSummary{
			Requests: 265403, DurationUS: 2099882, Bytes: 42197777,
			LatencyUS: WrkLatency{Min: 22, Mean: 56.53, Stdev: 61.77, P50: 53, P90: 75, P99: 108, Max: 2071},
		}},
		{"wrk-nginx-close.txt", WrkSummary{
			Requests: 60813, DurationUS: 2099628, Bytes: 9365202,
			LatencyUS: WrkLatency{Min: 27, Mean: 553.07, Stdev: 295.40, P50: 489, P90: 970, P99: 1256, Max: 4098},
		}},
		{"wrk-nginx-404.txt", WrkSummary{
			Requests: 101093, DurationUS: 1099658, Bytes: 31136144,
			Errors:    WrkErrors{Status: 101093},
			LatencyUS: WrkLatency{Min: 19, Mean: 67.30, Stdev: 147.51, P50: 52, P90: 67, P99: 743, Max: 2958},
		}},
		{"wrk-no-responses.txt", WrkSummary{DurationUS: 2006462}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseWrk(out)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseWrk (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseWrkWithoutSummary(t *testing.T) {
	out, err := os.ReadFile(filepath.Join("testdata", "wrk-refused.txt"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = parseWrk(out)
	if err == nil || !strings.Contains(err.Error(), "Connection refused") {
		t.Errorf("parseWrk = %v, want an error quoting wrk's last line", err)
	}
}

func TestParseWrkBadJSON(t *testing.T) {
	if _, err := parseWrk([]byte("wrk-json: {\"requests\": nan}\n")); err == nil {
		t.Error("parseWrk accepted invalid JSON")
	}
}

func TestQPS(t *testing.T) {
	s := WrkSummary{Requests: 5000, DurationUS: 2_000_000}
	if got := s.QPS(); got != 2500 {
		t.Errorf("QPS = %v, want 2500", got)
	}
	if got := (WrkSummary{Requests: 5}).QPS(); got != 0 {
		t.Errorf("QPS with no duration = %v, want 0", got)
	}
}

func TestWrkArgs(t *testing.T) {
	ka := workloads[0]
	got := wrkArgs(ka, 60*time.Second, "/tmp/r.lua", "http://127.0.0.1:1/hello")
	want := []string{"-t8", "-c1000", "-d60s", "-T70s", "-s", "/tmp/r.lua", "http://127.0.0.1:1/hello"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keep-alive args (-want +got):\n%s", diff)
	}
	cl := workloads[3]
	got = wrkArgs(cl, 1500*time.Millisecond, "r.lua", "u")
	want = []string{"-t1", "-c50", "-d2s", "-T12s", "-s", "r.lua", "-H", "Connection: close", "u"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("close args (-want +got):\n%s", diff)
	}
	if got, want := quoteArgs("wrk", want), "wrk -t1 -c50 -d2s -T12s -s r.lua -H 'Connection: close' u"; got != want {
		t.Errorf("quoteArgs = %q, want %q", got, want)
	}
}
