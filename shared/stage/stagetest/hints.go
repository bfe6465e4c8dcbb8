package stagetest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// HintsAreTheStage checks an exercise's hints.md, from the exercise's
// directory (the stage is its parent, the repository root its
// grandparent). The last hint of each TODO(you) is the stage's code, so
// a hint cannot go stale when the stage changes. A section "## name" or
// "## name (file)" is a TODO's when name is a function of the skeleton
// (in file, or in any of its Go files) whose body is a TODO(you); it
// must have a Go block. Every Go block must appear, line for line
// (indentation aside), in the stage's file it is from: the last Go file
// the hint names in backquotes before the block (`shared/sock/conn.go`,
// from the repository root, as in 01 to 03, whose exercises are smaller
// programs than their stages and quote the stage's code from several
// files), or else the section's file, in the stage's directory (04 to
// 06, whose exercises are their stages with holes). There, a last block
// that is a whole function must appear exactly, and the skeleton's
// function of the same signature must still be a TODO(you).
func HintsAreTheStage(t *testing.T) {
	t.Helper()
	md, err := os.ReadFile("hints.md")
	if err != nil {
		t.Fatal(err)
	}
	head := regexp.MustCompile(`^(\w+)[^(]*(?:\(([\w.]+)\))?$`)
	block := regexp.MustCompile("(?s)```go\n(.*?)\n *```")
	named := regexp.MustCompile("`([\\w./-]+\\.go)`")
	checked := 0
	for _, sec := range strings.Split(string(md), "\n## ")[1:] {
		title, body, _ := strings.Cut(sec, "\n")
		m := head.FindStringSubmatch(title)
		if m == nil {
			continue
		}
		name, file := m[1], m[2]
		if skeletonTodo(t, name, file) == "" {
			continue // not a TODO's section ("When a check fails")
		}
		blocks := block.FindAllStringSubmatchIndex(body, -1)
		if len(blocks) == 0 {
			t.Errorf("hints.md, %s: no Go block; the last hint should be the stage's code", name)
			continue
		}
		prev := 0
		for i, b := range blocks {
			code := dedent(body[b[2]:b[3]])
			from, own := "", false
			if ns := named.FindAllStringSubmatch(body[prev:b[0]], -1); len(ns) > 0 {
				from = ns[len(ns)-1][1]
			}
			prev = b[1]
			switch {
			case strings.Contains(from, "/"):
				from = filepath.Join("..", "..", filepath.FromSlash(from))
			case from != "":
				from = filepath.Join("..", from)
			case file != "":
				from, own = filepath.Join("..", file), true
			default:
				t.Errorf("hints.md, %s: Go block %d names no file it is from (say `path/to/file.go` before it)", name, i+1)
				continue
			}
			stage := readFile(t, from)
			if !containsLines(stage, code) {
				t.Errorf("hints.md, %s: Go block %d is not in %s (has the stage changed?):\n%s", name, i+1, filepath.ToSlash(from), code)
			}
			checked++
			sig, _, _ := strings.Cut(code, "\n")
			if !own || i < len(blocks)-1 || !strings.HasPrefix(sig, "func ") {
				continue
			}
			if !strings.Contains(stage, code) {
				t.Errorf("hints.md, %s: the function in the last hint differs from %s", name, filepath.ToSlash(from))
			}
			if fn := function(readFile(t, file), sig); !strings.Contains(fn, "TODO(you)") {
				t.Errorf("%s: %s is not a TODO(you) (hints.md, %s)", file, sig, name)
			}
		}
	}
	if checked == 0 {
		t.Fatal("hints.md: no section with a Go block")
	}
}

// skeletonTodo returns the skeleton's file (file, or any Go file of the
// exercise if file is "") with a function name whose body is a
// TODO(you), or "".
func skeletonTodo(t *testing.T, name, file string) string {
	t.Helper()
	files := []string{file}
	if file == "" {
		var err error
		if files, err = filepath.Glob("*.go"); err != nil {
			t.Fatal(err)
		}
	}
	sig := regexp.MustCompile(`(?m)^func (\([^)]*\) )?` + regexp.QuoteMeta(name) + `\(`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		src := string(b)
		if loc := sig.FindStringIndex(src); loc != nil {
			if end := strings.Index(src[loc[0]:], "\n}\n"); end >= 0 && strings.Contains(src[loc[0]:loc[0]+end], "TODO(you)") {
				return f
			}
		}
	}
	return ""
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
