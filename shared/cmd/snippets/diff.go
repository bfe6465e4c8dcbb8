package main

import (
	"fmt"
	"strings"
)

// contextLines is how many unchanged lines a hunk shows around a change,
// as diff -u does.
const contextLines = 3

// maxDiffCells bounds the table unifiedDiff fills (lines of a times lines
// of b): two files of a few thousand lines each. The stage files the
// chapters compare have a few hundred.
const maxDiffCells = 16 << 20

// op is one line of an edit script.
type op struct {
	kind byte   // ' ' kept, '-' only in a, '+' only in b
	text string // the line
}

// unifiedDiff returns the difference between texts a and b in the unified
// format of diff -u (without timestamps), headed by "--- nameA" and
// "+++ nameB", or "" if they are equal. It finds a longest common
// subsequence of lines, so the result is a minimal diff.
func unifiedDiff(nameA, a, nameB, b string) (string, error) {
	if a == b {
		return "", nil
	}
	la, lb := splitLines(a), splitLines(b)
	if len(la)*len(lb) > maxDiffCells {
		return "", fmt.Errorf("diff %s %s: %d x %d lines is too large", nameA, nameB, len(la), len(lb))
	}
	ops := editScript(la, lb)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", nameA, nameB)
	for _, h := range hunks(ops) {
		writeHunk(&out, ops, h)
	}
	return out.String(), nil
}

// editScript turns a into b by a longest common subsequence: a table of
// LCS lengths of every pair of suffixes, then a walk from the front that
// keeps a common line whenever it lies on a longest path.
func editScript(a, b []string) []op {
	n, m := len(a), len(b)
	lcs := make([]int32, (n+1)*(m+1)) // lcs[i*(m+1)+j]: LCS of a[i:] and b[j:]
	at := func(i, j int) int32 { return lcs[i*(m+1)+j] }
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			v := max(at(i+1, j), at(i, j+1))
			if a[i] == b[j] {
				v = at(i+1, j+1) + 1
			}
			lcs[i*(m+1)+j] = v
		}
	}
	var ops []op
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			ops = append(ops, op{' ', a[i]})
			i, j = i+1, j+1
		case at(i+1, j) >= at(i, j+1):
			ops = append(ops, op{'-', a[i]})
			i++
		default:
			ops = append(ops, op{'+', b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		ops = append(ops, op{'-', a[i]})
	}
	for ; j < m; j++ {
		ops = append(ops, op{'+', b[j]})
	}
	return ops
}

// span is a hunk: ops[start:end].
type span struct {
	start, end int // indexes into the edit script
}

// hunks groups the changes of ops with contextLines of context around
// each; changes closer than twice that share a hunk.
func hunks(ops []op) []span {
	var out []span
	for i := 0; i < len(ops); i++ {
		if ops[i].kind == ' ' {
			continue
		}
		start := max(0, i-contextLines)
		if k := len(out) - 1; k >= 0 && start <= out[k].end {
			out[k].end = min(len(ops), i+1+contextLines)
			continue
		}
		out = append(out, span{start, min(len(ops), i+1+contextLines)})
	}
	return out
}

// writeHunk writes one hunk: its "@@ -l,s +l,s @@" header (1-based start
// lines and lengths in a and in b; an empty range starts at the line
// before it, as in diff -u) and its lines.
func writeHunk(out *strings.Builder, ops []op, h span) {
	lineA, lineB := 1, 1 // line numbers of ops[h.start] in a and b
	for _, o := range ops[:h.start] {
		if o.kind != '+' {
			lineA++
		}
		if o.kind != '-' {
			lineB++
		}
	}
	lenA, lenB := 0, 0
	for _, o := range ops[h.start:h.end] {
		if o.kind != '+' {
			lenA++
		}
		if o.kind != '-' {
			lenB++
		}
	}
	if lenA == 0 {
		lineA--
	}
	if lenB == 0 {
		lineB--
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(lineA, lenA), hunkRange(lineB, lenB))
	for _, o := range ops[h.start:h.end] {
		out.WriteByte(o.kind)
		out.WriteString(o.text)
		out.WriteByte('\n')
	}
}

// hunkRange formats a range as diff -u does: "l" for one line, "l,s"
// otherwise.
func hunkRange(line, length int) string {
	if length == 1 {
		return fmt.Sprint(line)
	}
	return fmt.Sprintf("%d,%d", line, length)
}
