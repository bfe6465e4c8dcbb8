package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestUnifiedDiffGolden checks the format on a small case: headers, hunk
// ranges, context, and two changes far apart in two hunks.
func TestUnifiedDiffGolden(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n"
	b := "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n"
	want := `--- a
+++ b
@@ -1,6 +1,6 @@
 1
 2
-3
+three
 4
 5
 6
@@ -10,3 +10,4 @@
 10
 11
 12
+13
`
	got, err := unifiedDiff("a", a, "b", b)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestUnifiedDiffEdges checks equal texts (no diff) and empty sides,
// whose ranges start at line 0 as in diff -u.
func TestUnifiedDiffEdges(t *testing.T) {
	tests := []struct {
		a, b, want string
	}{
		{"x\n", "x\n", ""},
		{"", "x\ny\n", "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n"},
		{"x\n", "", "--- a\n+++ b\n@@ -1 +0,0 @@\n-x\n"},
	}
	for _, tt := range tests {
		got, err := unifiedDiff("a", tt.a, "b", tt.b)
		if err != nil || got != tt.want {
			t.Errorf("diff(%q, %q) = %q, %v; want %q", tt.a, tt.b, got, err, tt.want)
		}
	}
}

// TestUnifiedDiffApplies checks on random texts that the diff is a correct
// patch: applying its hunks to a at their stated lines gives b, and the
// hunk headers count the lines they hold.
func TestUnifiedDiffApplies(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 500 {
		a, b := randomText(rng), randomText(rng)
		d, err := unifiedDiff("a", a, "b", b)
		if err != nil {
			t.Fatal(err)
		}
		if d == "" {
			if a != b {
				t.Fatalf("case %d: no diff between different texts %q and %q", n, a, b)
			}
			continue
		}
		got, err := applyDiff(a, d)
		if err != nil {
			t.Fatalf("case %d: %v\na=%q\nb=%q\ndiff:\n%s", n, err, a, b, d)
		}
		if got != b {
			t.Fatalf("case %d: patched a is\n%q\nwant b\n%q\ndiff:\n%s", n, got, b, d)
		}
	}
}

// TestUnifiedDiffMatchesDiffU compares the fixture stages' diff with the
// system's diff -u, when there is one.
func TestUnifiedDiffMatchesDiffU(t *testing.T) {
	if _, err := exec.LookPath("diff"); err != nil {
		t.Skip("no diff command")
	}
	src := newSources("testdata/repo")
	dir := t.TempDir()
	var files [2]string
	for i, ref := range []string{"04-select/server.go", "05-poll/server.go"} {
		text, err := src.text(ref)
		if err != nil {
			t.Fatal(err)
		}
		files[i] = filepath.Join(dir, strconv.Itoa(i))
		if err := os.WriteFile(files[i], []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, _ := exec.Command("diff", "-u", files[0], files[1]).Output()
	a, _ := os.ReadFile(files[0])
	b, _ := os.ReadFile(files[1])
	ours, err := unifiedDiff("x", string(a), "y", string(b))
	if err != nil {
		t.Fatal(err)
	}
	// Compare from the first hunk: the headers carry names and times.
	strip := func(s string) string { return s[strings.Index(s, "@@"):] }
	if strip(ours) != strip(string(out)) {
		t.Errorf("ours:\n%s\ndiff -u:\n%s", ours, out)
	}
}

// randomText returns up to 30 lines drawn from a small alphabet, so that
// texts share lines and the diff has work to do.
func randomText(rng *rand.Rand) string {
	var b strings.Builder
	for range rng.IntN(30) {
		fmt.Fprintf(&b, "%c\n", 'a'+rng.IntN(5))
	}
	return b.String()
}

// applyDiff applies a unified diff to a, checking each hunk's header
// against its lines and its context against a.
func applyDiff(a, diff string) (string, error) {
	src := splitLines(a)
	lines := splitLines(diff)
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "--- ") || !strings.HasPrefix(lines[1], "+++ ") {
		return "", fmt.Errorf("no headers")
	}
	var out []string
	next := 0 // first line of src not yet copied
	for i := 2; i < len(lines); {
		var sa, la, sb, lb int
		if _, err := fmt.Sscanf(normalizeRange(lines[i]), "@@ -%d,%d +%d,%d @@", &sa, &la, &sb, &lb); err != nil {
			return "", fmt.Errorf("hunk header %q: %v", lines[i], err)
		}
		if la > 0 {
			sa-- // 1-based; an empty range names the line before
		}
		if sa < next {
			return "", fmt.Errorf("hunk %q overlaps the previous one", lines[i])
		}
		out = append(out, src[next:sa]...)
		next = sa
		i++
		gotA, gotB := 0, 0
		for ; i < len(lines) && !strings.HasPrefix(lines[i], "@@"); i++ {
			l := lines[i]
			switch l[0] {
			case ' ', '-':
				if next >= len(src) || src[next] != l[1:] {
					return "", fmt.Errorf("line %q does not match a", l)
				}
				next++
				gotA++
				if l[0] == ' ' {
					out = append(out, l[1:])
					gotB++
				}
			case '+':
				out = append(out, l[1:])
				gotB++
			default:
				return "", fmt.Errorf("bad line %q", l)
			}
		}
		if gotA != la || gotB != lb {
			return "", fmt.Errorf("hunk says -%d +%d lines, holds -%d +%d", la, lb, gotA, gotB)
		}
	}
	out = append(out, src[next:]...)
	return joinLines(out), nil
}

// normalizeRange rewrites "@@ -3 +4 @@" as "@@ -3,1 +4,1 @@".
func normalizeRange(h string) string {
	f := strings.Fields(h)
	if len(f) != 4 {
		return h
	}
	for _, i := range []int{1, 2} {
		if !strings.Contains(f[i], ",") {
			f[i] += ",1"
		}
	}
	return strings.Join(f, " ")
}
