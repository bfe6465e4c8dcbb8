package main

import (
	"bytes"
	"flag"
	"fmt"
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

// TestChartPanels: nginx leaves the article's panels for a ceiling panel,
// the article's figures sit under the rows that play their part, each
// bar has its own model's bound, and failed or skipped rows have no bar.
func TestChartPanels(t *testing.T) {
	panels := chartPanels(fixture(t))
	var got []string
	for _, p := range panels {
		for _, b := range p.bars {
			got = append(got, fmt.Sprintf("%s | %s %s %g", strings.SplitN(p.title, ":", 2)[0], b.kind, b.label, b.bound))
		}
	}
	want := []string{
		"article-keepalive | ours 02-simple-wsgi (closes) 5",
		"article-keepalive | ours 04-select 5000",
		"article-keepalive | ours 04-select-inline 5",
		"article-keepalive | article the article's figure for it: 4128 0",
		"article-keepalive | ours net/http 5000",
		"overhead-keepalive | ours 02-simple-wsgi (closes) 0",
		"overhead-keepalive | ours net/http 0",
		"c10k | ours net/http 0",
		"c10k | ours nginx 0",
		"ceiling | ceiling nginx, article-keepalive 0",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("chart bars (-want +got):\n%s", diff)
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
