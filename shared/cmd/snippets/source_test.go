package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTree creates files (path -> content) under a new temporary
// directory and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// marked is a Go file with a top-level snippet, an indented one, one in
// two pieces and one nested inside another.
const marked = `package p

// !+T

// T is a type.
type T int

// !-T

func f() {
	x := 1
	// !+inner
	if x > 0 {
		x--
	}
	// !-inner
	// !+pieces
	a := 1
	// !-pieces
	b := 2
	// !+pieces
		c := a + b
	// !-pieces
	// !+outer
	y := 2
	// !+nested
	z := 3
	// !-nested
	_ = y + z + c
	// !-outer
}
`

// TestSnippetText checks what each kind of snippet gives: blank lines at
// the ends trimmed, shared indentation removed, pieces joined by a
// "// ..." line, and no marker lines anywhere.
func TestSnippetText(t *testing.T) {
	src := newSources(writeTree(t, map[string]string{"p/p.go": marked}))
	tests := []struct {
		ref  string
		want string
	}{
		{"p/p.go#T", "// T is a type.\ntype T int\n"},
		{"p/p.go#inner", "if x > 0 {\n\tx--\n}\n"},
		{"p/p.go#pieces", "a := 1\n\t// ...\n\tc := a + b\n"},
		{"p/p.go#outer", "y := 2\nz := 3\n_ = y + z + c\n"},
		{"p/p.go#nested", "z := 3\n"},
	}
	for _, tt := range tests {
		got, err := src.text(tt.ref)
		if err != nil {
			t.Errorf("%s: %v", tt.ref, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tt.ref, got, tt.want)
		}
	}
}

// TestWholeFile checks that a reference without #name is the whole file
// with its marker lines removed, and no double blank line where a marker
// stood between blank lines.
func TestWholeFile(t *testing.T) {
	src := newSources(writeTree(t, map[string]string{"p/p.go": marked}))
	got, err := src.text("p/p.go")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "// !") {
		t.Errorf("whole file still holds a marker:\n%s", got)
	}
	if strings.Contains(got, "\n\n\n") {
		t.Errorf("whole file has a double blank line where a marker was:\n%s", got)
	}
	want := "package p\n\n// T is a type.\ntype T int\n\nfunc f() {\n"
	if !strings.HasPrefix(got, want) {
		t.Errorf("whole file starts\n%q\nwant\n%q", got[:min(len(got), len(want))], want)
	}
}

// TestMarkerErrors checks that a missing snippet and unpaired markers are
// errors that name the file (and line) and the marker.
func TestMarkerErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		ref     string
		want    string
	}{
		{"missing", "package p\n", "p.go#nope", "p.go: no marker // !+nope"},
		{"never closed", "package p\n// !+a\nvar x int\n", "p.go#a", "p.go:2: marker !+a is never closed"},
		{"end without start", "package p\n// !-a\n", "p.go#a", "p.go:2: marker !-a without a !+a"},
		{"opened twice", "package p\n// !+a\n// !+a\n// !-a\n", "p.go#a", "p.go:3: marker !+a again"},
		{"empty", "package p\n// !+a\n\n// !-a\n", "p.go#a", "p.go: snippet a is empty"},
		{"no file", "package p\n", "q.go#a", "no such file"},
	}
	for _, tt := range tests {
		src := newSources(writeTree(t, map[string]string{"p.go": tt.content}))
		_, err := src.text(tt.ref)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

// TestMarkerSyntax checks which lines are markers: only a line comment
// alone on its line, "// !+" or "// !-" and a name.
func TestMarkerSyntax(t *testing.T) {
	tests := []struct {
		line string
		sign byte
		name string
	}{
		{"// !+hello", '+', "hello"},
		{"\t\t// !-hello  ", '-', "hello"},
		{"// !+serve.loop_2", '+', "serve.loop_2"},
		{"x := 1 // !+hello", 0, ""},
		{"//!+hello", 0, ""},
		{"// !+", 0, ""},
		{"// !+hello world", 0, ""},
		{"/* !+hello */", 0, ""},
	}
	for _, tt := range tests {
		sign, name, ok := marker(tt.line)
		if ok != (tt.sign != 0) || sign != tt.sign || name != tt.name {
			t.Errorf("marker(%q) = %q, %q, %v; want %q, %q", tt.line, sign, name, ok, tt.sign, tt.name)
		}
	}
}
