package stagetest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// HintsAreTheStage checks an exercise's hints.md, from the exercise's
// directory (the stage is its parent). The last hint of each TODO(you)
// is nearly the code: it must be the stage's code, so a hint cannot go
// stale when the stage changes. Every Go block of a section ("## name
// (file)") must appear in the stage's file, line for line (indentation
// aside); a block that is a whole function must appear exactly, and the
// skeleton's function of the same signature must still be a TODO(you).
func HintsAreTheStage(t *testing.T) {
	t.Helper()
	md, err := os.ReadFile("hints.md")
	if err != nil {
		t.Fatal(err)
	}
	head := regexp.MustCompile(`^(.+?) \(([\w.]+)`)
	block := regexp.MustCompile("(?s)```go\n(.*?)\n *```")
	checked := 0
	for _, sec := range strings.Split(string(md), "\n## ")[1:] {
		title, body, _ := strings.Cut(sec, "\n")
		m := head.FindStringSubmatch(title)
		if m == nil {
			continue // not a TODO's section
		}
		name, file := m[1], m[2]
		stage := readFile(t, filepath.Join("..", file))
		skeleton := readFile(t, file)
		blocks := block.FindAllStringSubmatch(body, -1)
		if len(blocks) == 0 {
			t.Errorf("hints.md, %s: no Go block; the last hint should be nearly the code", name)
			continue
		}
		for i, b := range blocks {
			code := dedent(b[1])
			if !containsLines(stage, code) {
				t.Errorf("hints.md, %s: Go block %d is not in ../%s (has the stage changed?):\n%s", name, i+1, file, code)
			}
			checked++
			sig, _, _ := strings.Cut(code, "\n")
			if i < len(blocks)-1 || !strings.HasPrefix(sig, "func ") {
				continue
			}
			if !strings.Contains(stage, code) {
				t.Errorf("hints.md, %s: the function in the last hint differs from ../%s", name, file)
			}
			if fn := function(skeleton, sig); !strings.Contains(fn, "TODO(you)") {
				t.Errorf("%s: %s is not a TODO(you) (hints.md, %s)", file, sig, name)
			}
		}
	}
	if checked == 0 {
		t.Fatal("hints.md: no section with a Go block")
	}
}

// readFile returns the file's text.
func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dedent removes the indentation of a code block inside a list item.
func dedent(code string) string {
	lines := strings.Split(code, "\n")
	n := len(lines[0]) - len(strings.TrimLeft(lines[0], " "))
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, strings.Repeat(" ", n))
	}
	return strings.Join(lines, "\n")
}

// containsLines reports whether code's lines appear one after another in
// src, each compared without its indentation.
func containsLines(src, code string) bool {
	trim := func(s string) []string {
		ls := strings.Split(s, "\n")
		for i, l := range ls {
			ls[i] = strings.TrimSpace(l)
		}
		return ls
	}
	s, c := trim(src), trim(code)
	for i := 0; i+len(c) <= len(s); i++ {
		match := true
		for j := range c {
			if s[i+j] != c[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// function returns the function of src whose first line is sig, up to
// its closing brace, or "".
func function(src, sig string) string {
	i := strings.Index(src, sig+"\n")
	if i < 0 {
		return ""
	}
	j := strings.Index(src[i:], "\n}\n")
	if j < 0 {
		return src[i:]
	}
	return src[i : i+j]
}
