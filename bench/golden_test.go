package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// update rewrites the golden files: go test lbws/bench -run Golden -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got), rerun with -update if intended:\n%s", name, diff)
	}
}

func fixture(t *testing.T) *Results {
	t.Helper()
	r, err := readResults(filepath.Join("testdata", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestMarkdownGolden(t *testing.T) {
	var b bytes.Buffer
	if err := writeMarkdown(&b, fixture(t), "results.svg", "bench/results/2026-11-27-testhost-quick.json"); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "results.md.golden", b.Bytes())
}

func TestChartGolden(t *testing.T) {
	var b bytes.Buffer
	if err := writeChart(&b, fixture(t)); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("<?xml")) || !bytes.Contains(b.Bytes(), []byte("<svg")) {
		t.Fatalf("not an SVG: %.100q", b.String())
	}
	checkGolden(t, "results.svg.golden", b.Bytes())
}

func TestRenderDocsWritesBothFiles(t *testing.T) {
	dir := t.TempDir()
	var log bytes.Buffer
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if err := renderDocs(filepath.Join("testdata", "results.json"), dir, root, &log); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, markdownName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(md, []byte("go run ./bench -render bench/testdata/results.json")) {
		t.Errorf("results.md does not name its source relative to the root:\n%s", md)
	}
	if _, err := os.Stat(filepath.Join(dir, chartName)); err != nil {
		t.Error(err)
	}
}

func TestResultsRoundTrip(t *testing.T) {
	want := fixture(t)
	path := filepath.Join(t.TempDir(), "r.json")
	if err := writeResults(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := readResults(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".tmp-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// TestIntroSaysShortRuns checks that a page from runs shorter than the
// default says so, how long the whole run took, and what that means, and
// that a page from default-length runs does not.
func TestIntroSaysShortRuns(t *testing.T) {
	r := fixture(t) // 5 s runs, 2 min 30 s in all
	var b strings.Builder
	writeIntro(&b, r)
	for _, want := range []string{"Runs of 5 s instead of the default 60 s", "end in 3 minutes rather than hours", "a first look"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("intro of a 5 s run lacks %q:\n%s", want, b.String())
		}
	}
	r.Duration = defaultDuration.String()
	b.Reset()
	writeIntro(&b, r)
	if strings.Contains(b.String(), "instead of the default") {
		t.Errorf("intro of a default-length run says it was short:\n%s", b.String())
	}
}
