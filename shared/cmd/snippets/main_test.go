package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyFixture copies testdata/repo to a temporary directory and returns
// it, so a test can change the sources and the chapter.
func copyFixture(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir("testdata/repo", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/repo", p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// runIn runs the command with -root dir and the chapter directory of dir,
// and returns its exit status and outputs.
func runIn(dir string, check bool) (int, string, string) {
	args := []string{"-root", dir}
	if check {
		args = append(args, "-check")
	}
	args = append(args, filepath.Join(dir, "docs"))
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// readFile returns a file's content or fails the test.
func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// replaceIn replaces old with new in a file, which must contain old.
func replaceIn(t *testing.T, name, old, new string) {
	t.Helper()
	text := readFile(t, name)
	if !strings.Contains(text, old) {
		t.Fatalf("%s does not contain %q", name, old)
	}
	if err := os.WriteFile(name, []byte(strings.Replace(text, old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFixtureChapter writes the fixture chapter from its bare directives
// (a snippet, a diff of two snippets, a diff of two files) and checks it
// is exactly the committed chapter, which -check then accepts.
func TestFixtureChapter(t *testing.T) {
	dir := copyFixture(t)
	chapter := filepath.Join(dir, "docs", "chapter.md")
	if err := os.WriteFile(chapter, []byte(readFile(t, "testdata/bare.md")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runIn(dir, false)
	if code != 0 || !strings.Contains(stdout, "updated 3 block(s)") {
		t.Fatalf("write: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if got, want := readFile(t, chapter), readFile(t, "testdata/repo/docs/chapter.md"); got != want {
		t.Errorf("written chapter differs from testdata/repo/docs/chapter.md:\n%s", got)
	}
	code, stdout, stderr = runIn(dir, true)
	if code != 0 || !strings.Contains(stdout, "3 snippet(s) in 1 file(s) match") {
		t.Errorf("check: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestCheckStale changes a line inside a marked snippet: -check must fail,
// name the chapter, the line of the directive and the snippet, show the
// changed line, and leave the chapter alone; a rewrite then fixes it.
func TestCheckStale(t *testing.T) {
	dir := copyFixture(t)
	replaceIn(t, filepath.Join(dir, "05-poll", "server.go"), `fmt.Println(n, "ready")`, `fmt.Println(n, "are ready")`)
	chapter := filepath.Join(dir, "docs", "chapter.md")
	before := readFile(t, chapter)

	code, _, stderr := runIn(dir, true)
	if code != 1 {
		t.Fatalf("check: exit %d, want 1; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		"docs/chapter.md:25: diff 04-select/server.go#wait 05-poll/server.go#wait: the code block differs from the source",
		"docs/chapter.md:51: diff 04-select/server.go 05-poll/server.go: the code block differs from the source",
		`+	fmt.Println(n, "are ready")`,
		"2 problem(s)",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("check output lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "chapter.md:5: ") {
		t.Errorf("the select snippet did not change but is reported:\n%s", stderr)
	}
	if readFile(t, chapter) != before {
		t.Error("-check changed the chapter")
	}

	if code, _, stderr := runIn(dir, false); code != 0 {
		t.Fatalf("write: exit %d, stderr:\n%s", code, stderr)
	}
	if code, _, stderr := runIn(dir, true); code != 0 {
		t.Errorf("check after the rewrite: exit %d, stderr:\n%s", code, stderr)
	}
}

// TestCheckMissingMarker renames a snippet in the source: -check fails and
// names the file and the marker that is gone.
func TestCheckMissingMarker(t *testing.T) {
	dir := copyFixture(t)
	src := filepath.Join(dir, "04-select", "server.go")
	replaceIn(t, src, "// !+wait", "// !+waiting")
	replaceIn(t, src, "// !-wait", "// !-waiting")
	code, _, stderr := runIn(dir, true)
	if code != 1 || !strings.Contains(stderr, "docs/chapter.md:5: 04-select/server.go#wait: 04-select/server.go: no marker // !+wait") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	// Without -check a broken directive also fails, and its block stays.
	if code, _, _ := runIn(dir, false); code != 1 {
		t.Errorf("write with a missing marker: exit %d, want 1", code)
	}
}

// TestCheckNoBlock: a directive without its code block fails -check.
func TestCheckNoBlock(t *testing.T) {
	dir := copyFixture(t)
	chapter := filepath.Join(dir, "docs", "chapter.md")
	if err := os.WriteFile(chapter, []byte(readFile(t, "testdata/bare.md")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runIn(dir, true)
	if code != 1 || strings.Count(stderr, "no fenced code block after the directive") != 3 {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

// TestUsageErrors checks that bad command lines exit 2 with a message.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "name at least one Markdown file or directory"},
		{[]string{"-nosuchflag", "docs"}, "flag provided but not defined"},
		{[]string{"testdata/no-such-dir"}, "no such file or directory"},
		{[]string{"testdata/repo/04-select"}, "no Markdown files"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(tt.args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2", tt.args, code)
		}
		if !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%q: stderr %q, want %q", tt.args, stderr.String(), tt.want)
		}
	}
}
