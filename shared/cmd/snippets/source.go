package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// markerRE matches a marker line: optional indentation, "// !+name" (the
// snippet starts after this line) or "// !-name" (it ends before this
// line), and nothing else. A marker is a plain line comment, so gofmt
// leaves it alone; put a blank line between it and a doc comment, or go
// doc would show it as part of the comment.
var markerRE = regexp.MustCompile(`^[ \t]*// !([+-])([A-Za-z0-9_.-]+)[ \t]*$`)

// source is one file that directives name, read once.
type source struct {
	path  string   // as the directive names it, relative to the root
	lines []string // the file's lines, without their newlines
}

// sources reads the files directives name, relative to root, and keeps
// each one for the next directive that names it.
type sources struct {
	root  string             // directory the paths are relative to
	files map[string]*source // files read so far, by path
}

// newSources returns an empty cache of files under root.
func newSources(root string) *sources {
	return &sources{root: root, files: make(map[string]*source)}
}

// get returns the file at path (relative to the root), reading it once.
func (s *sources) get(path string) (*source, error) {
	if f, ok := s.files[path]; ok {
		return f, nil
	}
	data, err := os.ReadFile(filepath.Join(s.root, filepath.FromSlash(path)))
	if err != nil {
		return nil, err
	}
	f := &source{path: path, lines: splitLines(string(data))}
	if err := f.checkMarkers(); err != nil {
		return nil, err
	}
	s.files[path] = f
	return f, nil
}

// text returns what a reference names: "file.go#name" is the snippet
// called name, "file.go" the whole file. Marker lines are never part of
// the text.
func (s *sources) text(ref string) (string, error) {
	path, name, _ := strings.Cut(ref, "#")
	f, err := s.get(path)
	if err != nil {
		return "", err
	}
	if name == "" {
		return f.whole(), nil
	}
	return f.snippet(name)
}

// checkMarkers reports markers that do not pair up: an end without a
// start, a start without an end, a start of a snippet already open.
func (f *source) checkMarkers() error {
	open := make(map[string]int) // name -> line of its open start marker
	for i, line := range f.lines {
		sign, name, ok := marker(line)
		if !ok {
			continue
		}
		start, isOpen := open[name]
		switch {
		case sign == '+' && isOpen:
			return fmt.Errorf("%s:%d: marker !+%s again before !-%s (opened on line %d)", f.path, i+1, name, name, start)
		case sign == '+':
			open[name] = i + 1
		case !isOpen:
			return fmt.Errorf("%s:%d: marker !-%s without a !+%s before it", f.path, i+1, name, name)
		default:
			delete(open, name)
		}
	}
	for name, line := range open {
		return fmt.Errorf("%s:%d: marker !+%s is never closed with // !-%s", f.path, line, name, name)
	}
	return nil
}

// snippet returns the lines between "// !+name" and "// !-name", without
// marker lines (of any name), without leading and trailing blank lines,
// and with the indentation all its lines share removed. A name marked more
// than once gives its pieces in order, joined by a "// ..." line.
func (f *source) snippet(name string) (string, error) {
	var pieces [][]string
	var cur []string
	in := false
	for _, line := range f.lines {
		sign, n, ok := marker(line)
		switch {
		case ok && n == name && sign == '+':
			in, cur = true, nil
		case ok && n == name:
			in = false
			if p := trimBlank(cur); len(p) > 0 {
				pieces = append(pieces, p)
			}
		case ok, !in:
			// Another snippet's marker, or outside this one.
		default:
			cur = append(cur, line)
		}
	}
	if len(pieces) == 0 {
		if !f.hasMarker(name) {
			return "", fmt.Errorf("%s: no marker // !+%s", f.path, name)
		}
		return "", fmt.Errorf("%s: snippet %s is empty", f.path, name)
	}
	var out []string
	for i, p := range pieces {
		if i > 0 {
			out = append(out, indentOf(p[0])+"// ...")
		}
		out = append(out, p...)
	}
	return joinLines(dedent(out)), nil
}

// hasMarker reports whether the file has a start marker for name.
func (f *source) hasMarker(name string) bool {
	for _, line := range f.lines {
		if sign, n, ok := marker(line); ok && sign == '+' && n == name {
			return true
		}
	}
	return false
}

// whole returns the file without its marker lines. A marker between two
// blank lines takes one of them along, so no double blank line remains.
func (f *source) whole() string {
	var out []string
	skipBlank := false
	for _, line := range f.lines {
		if _, _, ok := marker(line); ok {
			skipBlank = len(out) == 0 || strings.TrimSpace(out[len(out)-1]) == ""
			continue
		}
		if skipBlank && strings.TrimSpace(line) == "" {
			skipBlank = false
			continue
		}
		skipBlank = false
		out = append(out, line)
	}
	return joinLines(out)
}

// marker parses a marker line: sign is '+' or '-'.
func marker(line string) (sign byte, name string, ok bool) {
	m := markerRE.FindStringSubmatch(line)
	if m == nil {
		return 0, "", false
	}
	return m[1][0], m[2], true
}

// splitLines splits text into lines without their "\n" (or "\r\n"); a
// final newline does not start another line.
func splitLines(text string) []string {
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// joinLines is the inverse of splitLines: every line ends in "\n".
func joinLines(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// trimBlank drops blank lines at both ends.
func trimBlank(lines []string) []string {
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// dedent removes the leading whitespace that every non-blank line shares,
// so a snippet from inside a function starts at the left margin. Blank
// lines become empty.
func dedent(lines []string) []string {
	prefix := ""
	first := true
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		ind := indentOf(l)
		if first {
			prefix, first = ind, false
			continue
		}
		prefix = commonPrefix(prefix, ind)
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		out[i] = l[len(prefix):]
	}
	return out
}

// indentOf returns the leading spaces and tabs of line.
func indentOf(line string) string {
	return line[:len(line)-len(strings.TrimLeft(line, " \t"))]
}

// commonPrefix returns the longest common prefix of a and b.
func commonPrefix(a, b string) string {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return a[:i]
		}
	}
	return a[:n]
}
