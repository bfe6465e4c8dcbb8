package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMainWithoutWrk(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no wrk here
	var stdout, stderr bytes.Buffer
	code := realMain(t.Context(), []string{"-out", t.TempDir()}, &stdout, &stderr)
	if code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "apt-get install wrk") {
		t.Errorf("stderr = %q, want the apt-get line", stderr.String())
	}
}

func TestMainFlags(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string // in stderr
	}{
		{[]string{"-h"}, 0, "go run ./bench -quick"},
		{[]string{"-duration", "soon"}, 2, "invalid value"},
		{[]string{"extra"}, 2, "unexpected arguments"},
		{[]string{"-render", "testdata/missing.json"}, 1, "missing.json"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := realMain(t.Context(), tt.args, &stdout, &stderr); code != tt.code {
			t.Errorf("%v: exit status %d, want %d", tt.args, code, tt.code)
		}
		if !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: stderr = %q, want it to contain %q", tt.args, stderr.String(), tt.want)
		}
	}
}

func TestMainRender(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := realMain(t.Context(), []string{"-render", "testdata/results.json", "-docs", dir}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr.String())
	}
	md, err := os.ReadFile(filepath.Join(dir, markdownName))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "results.md.golden"))
	if err != nil {
		t.Fatal(err)
	}
	// Only the name of the source differs from the golden file.
	got := strings.ReplaceAll(string(md), "bench/testdata/results", "bench/results/2026-11-27-testhost-quick")
	if got != string(want) {
		t.Errorf("-render wrote a different results.md than writeMarkdown:\n%s", md)
	}
}
