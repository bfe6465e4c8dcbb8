package main

import (
	"strings"
	"testing"
)

// TestProcessBlocks runs process on small documents against one source
// file and checks the text it writes and the problems it finds.
func TestProcessBlocks(t *testing.T) {
	src := newSources(writeTree(t, map[string]string{
		"a.go": "package a\n// !+x\nvar x = 1\n// !-x\n",
		"b.go": "package a\n// !+x\nvar x = 2\n// !-x\n",
	}))
	tests := []struct {
		name    string
		in      string
		check   bool
		out     string // "" means unchanged
		problem string // "" means none
	}{
		{name: "up to date",
			in: "<!-- snippet: a.go#x -->\n```go\nvar x = 1\n```\n"},
		{name: "stale, rewritten",
			in:  "<!-- snippet: a.go#x -->\n```go\nvar x = 0\n```\n",
			out: "<!-- snippet: a.go#x -->\n```go\nvar x = 1\n```\n"},
		{name: "stale, checked", check: true,
			in:      "<!-- snippet: a.go#x -->\n```go\nvar x = 0\n```\n",
			problem: "doc.md:1: a.go#x: the code block differs from the source"},
		{name: "fence and info string kept",
			in:  "<!-- snippet: a.go#x -->\n~~~~go title\nold\n~~~~\n",
			out: "<!-- snippet: a.go#x -->\n~~~~go title\nvar x = 1\n~~~~\n"},
		{name: "block added",
			in:  "# T\n<!-- snippet: a.go#x -->\ntext\n",
			out: "# T\n<!-- snippet: a.go#x -->\n```go\nvar x = 1\n```\ntext\n"},
		{name: "diff added",
			in:  "<!-- snippet-diff: a.go#x b.go#x -->\n",
			out: "<!-- snippet-diff: a.go#x b.go#x -->\n```diff\n--- a.go#x\n+++ b.go#x\n@@ -1 +1 @@\n-var x = 1\n+var x = 2\n```\n"},
		{name: "diff of identical snippets",
			in:      "<!-- snippet-diff: a.go#x a.go#x -->\n```diff\n```\n",
			problem: "are identical"},
		{name: "example inside a code block is left alone",
			in: "````md\n<!-- snippet: a.go#nope -->\n```go\nwhatever\n```\n````\n"},
		{name: "unclosed block",
			in:      "<!-- snippet: a.go#x -->\n```go\nvar x = 0\n",
			problem: "doc.md:1: a.go#x: its code block (line 2) is never closed"},
		{name: "indented directive",
			in:      "- item\n  <!-- snippet: a.go#x -->\n  ```go\n  var x = 1\n  ```\n",
			problem: "doc.md:2: a.go#x: an indented directive is not supported"},
		{name: "missing snippet",
			in:      "<!-- snippet: a.go#y -->\n```go\n```\n",
			problem: "doc.md:1: a.go#y: a.go: no marker // !+y"},
	}
	for _, tt := range tests {
		res := process("doc.md", tt.in, src, tt.check)
		want := tt.out
		if want == "" {
			want = tt.in
		}
		if res.text != want {
			t.Errorf("%s: text\n%q\nwant\n%q", tt.name, res.text, want)
		}
		var probs []string
		for _, p := range res.problems {
			probs = append(probs, p.String())
		}
		got := strings.Join(probs, "")
		switch {
		case tt.problem == "" && got != "":
			t.Errorf("%s: unexpected problem %q", tt.name, got)
		case tt.problem != "" && !strings.Contains(got, tt.problem):
			t.Errorf("%s: problems %q, want %q", tt.name, got, tt.problem)
		}
	}
}

// TestFenceGrows checks that a snippet holding a line of backticks gets a
// longer fence, so the block cannot end early.
func TestFenceGrows(t *testing.T) {
	got := fenced("a\n```\nb\n", "md", "")
	want := []string{"````md", "a", "```", "b", "````"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q, want %q", got, want)
	}
}
