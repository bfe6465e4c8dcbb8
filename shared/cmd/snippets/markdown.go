package main

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// Directives are HTML comments, so they do not show when the Markdown is
// rendered. Each is followed by the fenced code block the tool manages.
var (
	// snippetRE: <!-- snippet: path/file.go#name --> (or a whole file).
	snippetRE = regexp.MustCompile(`^([ \t]*)<!--[ \t]*snippet:[ \t]*(\S+)[ \t]*-->[ \t]*$`)
	// diffRE: <!-- snippet-diff: a.go b.go --> (either may have #name).
	diffRE = regexp.MustCompile(`^([ \t]*)<!--[ \t]*snippet-diff:[ \t]*(\S+)[ \t]+(\S+)[ \t]*-->[ \t]*$`)
	// fenceRE: the opening line of a fenced code block (CommonMark).
	fenceRE = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})(.*)$")
)

// directive is one snippet or snippet-diff comment in a Markdown file.
type directive struct {
	line   int    // 1-based line of the comment
	indent string // whitespace before the comment; must be empty
	refs   []string
}

// label names the directive in messages: its reference or references.
func (d directive) label() string {
	if len(d.refs) == 2 {
		return "diff " + d.refs[0] + " " + d.refs[1]
	}
	return d.refs[0]
}

// lang is the info string of a block the tool creates.
func (d directive) lang() string {
	switch {
	case len(d.refs) == 2:
		return "diff"
	case path.Ext(strings.SplitN(d.refs[0], "#", 2)[0]) == ".go":
		return "go"
	}
	return ""
}

// want computes what the directive's block must hold.
func (d directive) want(src *sources) (string, error) {
	if len(d.refs) == 1 {
		return src.text(d.refs[0])
	}
	a, err := src.text(d.refs[0])
	if err != nil {
		return "", err
	}
	b, err := src.text(d.refs[1])
	if err != nil {
		return "", err
	}
	diff, err := unifiedDiff(d.refs[0], a, d.refs[1], b)
	if err != nil {
		return "", err
	}
	if diff == "" {
		return "", fmt.Errorf("%s and %s are identical: nothing to show", d.refs[0], d.refs[1])
	}
	return diff, nil
}

// problem is something wrong with one directive of a Markdown file.
type problem struct {
	file   string // the Markdown file
	line   int    // the directive's line
	label  string // what the directive names
	msg    string // what is wrong
	detail string // a diff of the block against its source, if stale
}

// String formats the problem as "file:line: label: msg", then the detail.
func (p problem) String() string {
	s := fmt.Sprintf("%s:%d: %s: %s\n", p.file, p.line, p.label, p.msg)
	return s + p.detail
}

// result is what processing one Markdown file found.
type result struct {
	text     string    // the file with every block brought up to date
	blocks   int       // directives found
	changed  int       // blocks that differed from their source
	problems []problem // broken directives, and in check mode stale blocks
}

// process finds the directives in the Markdown text of file, computes each
// block from its source and returns the updated text. With check set, a
// block that differs from its source is a problem (with a diff) instead.
// Directives inside other code blocks are examples, not directives.
func process(file, text string, src *sources, check bool) result {
	lines := splitLines(text)
	var res result
	var out []string
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if m := fenceRE.FindStringSubmatch(line); m != nil {
			// A code block the tool does not manage: copy it whole.
			end := closingFence(lines, i+1, m[1])
			out = append(out, lines[i:end]...)
			i = end - 1
			continue
		}
		d, ok := parseDirective(line, i+1)
		if !ok {
			out = append(out, line)
			continue
		}
		res.blocks++
		out = append(out, line)
		next, p := res.update(file, lines, i+1, d, src, check, &out)
		if p != nil {
			res.problems = append(res.problems, *p)
		}
		i = next - 1
	}
	res.text = joinLines(out)
	return res
}

// update handles directive d, whose block starts at lines[at]: it appends
// the block as it must be to out and returns the index of the first line
// after the old block, and a problem if there is one.
func (res *result) update(file string, lines []string, at int, d directive, src *sources, check bool, out *[]string) (int, *problem) {
	bad := func(format string, args ...any) *problem {
		return &problem{file: file, line: d.line, label: d.label(), msg: fmt.Sprintf(format, args...)}
	}
	if d.indent != "" {
		return at, bad("an indented directive is not supported; start it at the left margin")
	}
	want, err := d.want(src)
	if err != nil {
		return at, bad("%v", err)
	}
	var m []string
	if at < len(lines) {
		m = fenceRE.FindStringSubmatch(lines[at])
	}
	if m == nil {
		if check {
			return at, bad("no fenced code block after the directive (run without -check to add it)")
		}
		res.changed++
		*out = append(*out, fenced(want, d.lang(), "")...)
		return at, nil
	}
	end := closingFence(lines, at+1, m[1])
	if end > len(lines) || end-1 <= at || !isClosing(lines[end-1], m[1]) {
		*out = append(*out, lines[at:]...)
		return len(lines), bad("its code block (line %d) is never closed", at+1)
	}
	have := joinLines(lines[at+1 : end-1])
	if have == want {
		*out = append(*out, lines[at:end]...)
		return end, nil
	}
	res.changed++
	if check {
		*out = append(*out, lines[at:end]...)
		p := bad("the code block differs from the source (run without -check to update it)")
		p.detail, _ = unifiedDiff(fmt.Sprintf("%s:%d (the document)", file, at+2), have, d.label()+" (the source)", want)
		return end, p
	}
	*out = append(*out, fenced(want, strings.TrimSpace(m[2]), m[1])...)
	return end, nil
}

// parseDirective recognises a directive line.
func parseDirective(line string, n int) (directive, bool) {
	if m := snippetRE.FindStringSubmatch(line); m != nil {
		return directive{line: n, indent: m[1], refs: []string{m[2]}}, true
	}
	if m := diffRE.FindStringSubmatch(line); m != nil {
		return directive{line: n, indent: m[1], refs: []string{m[2], m[3]}}, true
	}
	return directive{}, false
}

// closingFence returns the index just past the line that closes a block
// opened with fence, searching from lines[from]; len(lines) if none does.
func closingFence(lines []string, from int, fence string) int {
	for i := from; i < len(lines); i++ {
		if isClosing(lines[i], fence) {
			return i + 1
		}
	}
	return len(lines)
}

// isClosing reports whether line closes a block opened with fence: the
// same character, at least as many, nothing after but spaces (CommonMark).
func isClosing(line, fence string) bool {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 {
		return false
	}
	run := len(t) - len(strings.TrimLeft(t, fence[:1]))
	return run >= len(fence) && strings.TrimSpace(t[run:]) == ""
}

// fenced returns text as a fenced code block with info string lang. It
// keeps the old fence unless the text holds a line that would close it.
func fenced(text, lang, old string) []string {
	fence := old
	if fence == "" {
		fence = "```"
	}
	body := splitLines(text)
	for _, l := range body {
		for isClosing(l, fence) {
			fence += fence[:1]
		}
	}
	out := []string{fence + lang}
	out = append(out, body...)
	return append(out, fence)
}
