package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs bench for real: it builds 02-simple-wsgi and the net/http
// peer, loads each with wrk for 2 s (overhead workload, keep-alive) and
// checks the rows in the results file and the generated docs.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the smoke test builds and loads real servers")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not installed (apt-get install wrk)")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	targets := []string{"nethttp"}
	if hasMainPackage(filepath.Join(root, "02-simple-wsgi")) {
		targets = append([]string{"02-simple-wsgi"}, targets...)
	} else {
		t.Log("02-simple-wsgi does not exist yet: smoke-testing nethttp only")
	}
	out := t.TempDir()
	var log bytes.Buffer
	cfg := config{
		root: root, outDir: out, docsDir: filepath.Join(out, "docs"), duration: 2 * time.Second,
		targets: targets, workloads: []string{"overhead-keepalive"},
		command: "go run ./bench (smoke test)", stdout: &log, look: systemLookups,
	}
	path, err := run(t.Context(), cfg)
	t.Logf("bench output:\n%s", log.String())
	if err != nil {
		t.Fatal(err)
	}
	res, err := readResults(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != len(targets) {
		t.Fatalf("%d rows, want %d", len(res.Rows), len(targets))
	}
	if res.Finished.IsZero() || res.Machine.Cores == 0 || res.Machine.Wrk == "" || res.Machine.NoFile == 0 {
		t.Errorf("results header incomplete: finished %v, machine %+v", res.Finished, res.Machine)
	}
	for i, row := range res.Rows {
		checkSmokeRow(t, out, targets[i], row)
	}
	for _, name := range []string{markdownName, chartName} {
		if _, err := os.Stat(filepath.Join(out, "docs", name)); err != nil {
			t.Error(err)
		}
	}
}

// checkSmokeRow checks that a measured row has every figure.
func checkSmokeRow(t *testing.T, out, target string, row Row) {
	t.Helper()
	if row.Target != target || row.Workload != "overhead-keepalive" {
		t.Errorf("row %s/%s, want %s/overhead-keepalive", row.Target, row.Workload, target)
	}
	if row.Error != "" || row.Skipped != "" {
		t.Fatalf("%s: error %q, skipped %q", target, row.Error, row.Skipped)
	}
	checks := []struct {
		what string
		ok   bool
	}{
		{"requests > 0", row.Requests > 0},
		{"qps > 0", row.QPS > 0},
		{"seconds > 1", row.Seconds > 1},
		{"p50 > 0", row.LatencyMS.P50 > 0},
		{"p99 >= p50", row.LatencyMS.P99 >= row.LatencyMS.P50},
		{"max >= p99", row.LatencyMS.Max >= row.LatencyMS.P99},
		{"cpu > 0", row.CPUSeconds > 0 && row.Cores > 0},
		{"peak rss > 0", row.PeakRSSKiB > 0 && row.Procs >= 1},
		{"no bound for overhead", row.BoundQPS == 0 && row.BoundShare == 0},
		{"wrk command recorded", strings.HasPrefix(row.Wrk, "wrk -t1 -c50 -d2s -T12s -s bench/report.lua http://127.0.0.1:")},
		{"every response a latency sample", row.Samples == row.Requests},
		{"Little's-law check made, and explained when off", row.Little.InFlight > 0 && row.Little.Connections == 50 &&
			(row.Little.OK || (row.Little.Why != "" && row.Little.Why != "unexplained"))},
		{"02 closes every connection, net/http keeps them", row.ServerCloses == (target == "02-simple-wsgi")},
		{"checked response size", row.CheckBytes > 100},
		{"stopped by SIGTERM", strings.HasPrefix(row.Stop, "exited after SIGTERM")},
		{"no status >= 400", row.Status4xx5xx == 0},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: want %s; row %+v", target, c.what, row)
		}
	}
	raw, err := os.ReadFile(filepath.Join(out, row.Raw))
	if err != nil || !strings.Contains(string(raw), wrkJSONPrefix) {
		t.Errorf("%s: raw output %s: %v", target, row.Raw, err)
	}
}
