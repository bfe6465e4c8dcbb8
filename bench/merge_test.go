package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// mergeRow is a measured row for the merge tests.
func mergeRow(target, workload string, qps float64, raw string) Row {
	return Row{Target: target, Workload: workload, Measure: Measure{QPS: qps, Raw: raw},
		Runs: []Measure{{QPS: qps, Raw: raw}}}
}

// TestMergeResults: a re-measured row replaces the committed row of the
// same target and workload in place, a new row joins its workload's rows,
// a new workload is added, raw paths follow the file, the merge is
// recorded, and the rest of the committed run is untouched.
func TestMergeResults(t *testing.T) {
	dst := &Results{Duration: "5s", Runs: 3, Machine: Machine{Host: "vm", Versions: map[string]string{"nginx": "1.22.1"}},
		Workloads: []Workload{{Name: "w1"}, {Name: "w2"}},
		Rows:      []Row{mergeRow("a", "w1", 1, "old/a-w1.txt"), mergeRow("b", "w1", 2, "old/b-w1.txt"), mergeRow("a", "w2", 3, "old/a-w2.txt")}}
	started := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	src := &Results{Duration: "5s", Runs: 3, Command: "go run ./bench -targets b,c", Started: started,
		Machine:   Machine{Host: "vm", Commit: "abc123", Versions: map[string]string{"nginx": "9.9", "python3": "3.11.7"}},
		Workloads: []Workload{{Name: "w1"}, {Name: "w3"}},
		Rows:      []Row{mergeRow("b", "w1", 20, "new/b-w1.txt"), mergeRow("c", "w1", 30, "new/c-w1.txt"), mergeRow("c", "w3", 40, "new/c-w3.txt")}}
	if err := mergeResults(dst, src, "/r/results/old.json", "/r/results/sub/new.json"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, row := range dst.Rows {
		got = append(got, row.Target+" "+row.Workload+" "+sig3(row.QPS)+" "+row.Raw+" "+row.Runs[0].Raw)
	}
	want := []string{
		"a w1 1.00 old/a-w1.txt old/a-w1.txt",
		"b w1 20.0 sub/new/b-w1.txt sub/new/b-w1.txt",
		"c w1 30.0 sub/new/c-w1.txt sub/new/c-w1.txt",
		"a w2 3.00 old/a-w2.txt old/a-w2.txt",
		"c w3 40.0 sub/new/c-w3.txt sub/new/c-w3.txt",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if n := len(dst.Workloads); n != 3 || dst.Workloads[2].Name != "w3" {
		t.Errorf("workloads %+v, want w3 added", dst.Workloads)
	}
	wantMerge := []Merge{{Command: "go run ./bench -targets b,c", Started: started, Commit: "abc123",
		Source: "sub/new.json", Rows: []string{"b w1", "c w1", "c w3"}}}
	if diff := cmp.Diff(wantMerge, dst.Merges); diff != "" {
		t.Errorf("merges (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"nginx": "1.22.1", "python3": "3.11.7"}, dst.Machine.Versions); diff != "" {
		t.Errorf("versions: a new peer's joins, a known one's stays (-want +got):\n%s", diff)
	}
	if dst.Duration != "5s" || dst.Machine.Host != "vm" {
		t.Errorf("the committed run's header changed: %+v", dst)
	}
}

// TestMergeRefusesOtherSettings: rows of 60 s runs do not go into a file
// of 5 s runs, nor 1 run into a file of 3.
func TestMergeRefusesOtherSettings(t *testing.T) {
	for _, src := range []*Results{{Duration: "1m0s", Runs: 3}, {Duration: "5s", Runs: 1}} {
		dst := &Results{Duration: "5s", Runs: 3, Rows: []Row{mergeRow("a", "w1", 1, "")}}
		err := mergeResults(dst, src, "dst.json", "src.json")
		if err == nil || !strings.Contains(err.Error(), "run with -duration 5s -runs 3") {
			t.Errorf("%s x %d into 5s x 3: %v, want a refusal naming the settings", src.Duration, src.Runs, err)
		}
		if len(dst.Rows) != 1 || len(dst.Merges) != 0 {
			t.Errorf("a refused merge changed the file: %+v", dst)
		}
	}
}

// TestMarkdownNamesMerges: results.md says which rows were re-measured,
// by which command, and when.
func TestMarkdownNamesMerges(t *testing.T) {
	r := fixture(t)
	r.Merges = []Merge{{Command: "go run ./bench -targets 04-select -merge x.json", Commit: "abc123",
		Started: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), Rows: []string{"04-select article-close"}}}
	var b strings.Builder
	writeIntro(&b, r)
	want := "- started 2026-12-03 10:00 UTC, `go run ./bench -targets 04-select -merge x.json`, commit abc123: 04-select article-close.\n"
	if !strings.Contains(b.String(), want) || !strings.Contains(b.String(), "Rows re-measured after that run") {
		t.Errorf("intro lacks the merge %q:\n%s", want, b.String())
	}
}

// TestMergeEndToEnd runs bench on a fake server with -merge into a copy
// of a committed results file: the file gets the new row in place of the
// old one, and results.md is rendered from it.
func TestMergeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a fake server and wrk")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not installed (apt-get install wrk)")
	}
	out := t.TempDir()
	committed := &Results{Command: "go run ./bench (committed)", Duration: "1s", Runs: 1,
		Workloads: []Workload{tinyWorkload},
		Rows:      []Row{mergeRow("fake-ok", tinyWorkload.Name, 1, "old/x.txt"), mergeRow("other", tinyWorkload.Name, 2, "old/y.txt")}}
	dstPath := filepath.Join(out, "committed.json")
	if err := writeResults(dstPath, committed); err != nil {
		t.Fatal(err)
	}
	cfg := config{
		root: t.TempDir(), outDir: out, docsDir: filepath.Join(out, "docs"), duration: time.Second, runs: 1,
		command: "go run ./bench (merge test)", stdout: testWriter{t}, look: fakeLookups(nil, false), merge: dstPath,
		testTargets: []Target{fakeTarget("ok")}, testWorkloads: []Workload{tinyWorkload},
	}
	if _, err := run(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	got, err := readResults(dstPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rows) != 2 || got.Rows[0].Target != "fake-ok" || got.Rows[0].QPS <= 1 || got.Rows[1].Target != "other" {
		t.Fatalf("merged rows: %+v", got.Rows)
	}
	if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(got.Rows[0].Raw))); err != nil {
		t.Errorf("the merged row's raw output is not where it says: %v", err)
	}
	md, err := os.ReadFile(filepath.Join(out, "docs", markdownName))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"go run ./bench (committed)", "`go run ./bench (merge test)`", ": fake-ok tiny-keepalive.", "| other |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("results.md lacks %q:\n%s", want, md)
		}
	}
	// A run whose settings differ is refused before anything runs.
	cfg.duration = 2 * time.Second
	if _, err := run(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "-duration 1s") {
		t.Errorf("a 2 s run merging into a 1 s file: %v, want a refusal", err)
	}
}
