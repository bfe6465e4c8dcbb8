// Command snippets keeps the code shown in the tutorial's chapters equal
// to the code in the repository, so a chapter cannot show a function that
// no longer exists or has changed since it was written.
//
// Usage, from the repository root:
//
//	go run ./shared/cmd/snippets docs          # rewrite every snippet in docs/*.md from the source
//	go run ./shared/cmd/snippets -check docs   # fail if any snippet differs from its source (CI runs this)
//
// Arguments are Markdown files or directories (searched for *.md). Paths
// in directives are relative to -root (default: the current directory,
// which should be the repository root).
//
// In a Go file, a snippet is the lines between two marker comments:
//
//	// !+hello
//	func Hello(delay time.Duration) gateway.App {
//		...
//	}
//	// !-hello
//
// Markers are plain line comments, so gofmt and go vet leave them alone.
// Leave a blank line between a marker and a doc comment, or go doc shows
// the marker as part of the comment. Marker lines of every name are left
// out of every snippet; so are blank lines at its ends, and the
// indentation all its lines share. A name marked in several places gives
// its pieces in order, joined by a "// ..." line.
//
// In a Markdown file, an HTML comment (invisible when rendered) names the
// snippet, and the fenced code block right after it is the tool's:
//
//	<!-- snippet: shared/apps/apps.go#hello -->
//	```go
//	(rewritten from the source)
//	```
//
// Without "#name" the directive shows the whole file (markers removed).
// A diff directive shows how one file (or snippet) turns into another, as
// the unified diff of diff -u, for the chapters that compare stages:
//
//	<!-- snippet-diff: 04-select/server.go 05-poll/server.go -->
//	```diff
//	(rewritten: --- 04-select/server.go, +++ 05-poll/server.go, hunks)
//	```
//
// A directive with no code block after it gets one when the tool rewrites
// the file. Directives inside other code blocks are examples and are left
// alone.
//
// With -check nothing is written: the command lists every directive whose
// block differs from its source, with a diff of the two, and every broken
// one (a missing file, a missing or unpaired marker, no code block), each
// as file:line, and exits 1. Without -check it rewrites stale blocks and
// exits 1 only for broken directives. Exit status 2 is a usage error.
package main

import (
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command with its arguments and outputs, for tests; it
// returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("snippets", flag.ContinueOnError)
	fl.SetOutput(stderr)
	check := fl.Bool("check", false, "change nothing; exit 1 if any snippet differs from its source")
	root := fl.String("root", ".", "the `directory` paths in directives are relative to (the repository root)")
	fl.Usage = func() {
		fmt.Fprintf(stderr, "usage: snippets [-check] [-root dir] file.md|dir ...\n\n"+
			"Rewrites the code blocks that <!-- snippet: file.go#name --> and\n"+
			"<!-- snippet-diff: a.go b.go --> comments name from the source; with\n"+
			"-check, reports the blocks that differ instead.\n\n")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() == 0 {
		fmt.Fprintln(stderr, "snippets: name at least one Markdown file or directory")
		fl.Usage()
		return 2
	}
	files, err := markdownFiles(fl.Args())
	if err != nil {
		fmt.Fprintf(stderr, "snippets: %v\n", err)
		return 2
	}
	return runFiles(files, newSources(*root), *check, stdout, stderr)
}

// runFiles processes each Markdown file and reports, returning the exit
// status.
func runFiles(files []string, src *sources, check bool, stdout, stderr io.Writer) int {
	blocks, problems := 0, 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(stderr, "snippets: %v\n", err)
			problems++
			continue
		}
		res := process(filepath.ToSlash(file), string(data), src, check)
		blocks += res.blocks
		problems += len(res.problems)
		for _, p := range res.problems {
			fmt.Fprint(stderr, p)
		}
		if check || res.text == string(data) {
			continue
		}
		if err := writeFile(file, res.text); err != nil {
			fmt.Fprintf(stderr, "snippets: %v\n", err)
			problems++
			continue
		}
		fmt.Fprintf(stdout, "snippets: updated %d block(s) in %s\n", res.changed, file)
	}
	if problems > 0 {
		fmt.Fprintf(stderr, "snippets: %d problem(s) in %d snippet(s) of %d file(s)\n", problems, blocks, len(files))
		return 1
	}
	if check {
		fmt.Fprintf(stdout, "snippets: %d snippet(s) in %d file(s) match their sources\n", blocks, len(files))
	}
	return 0
}

// markdownFiles expands the arguments: a directory stands for every *.md
// file under it, in lexical order.
func markdownFiles(args []string) ([]string, error) {
	var files []string
	for _, arg := range args {
		info, err := os.Stat(arg)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			files = append(files, arg)
			continue
		}
		var found []string
		err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
				found = append(found, p)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no Markdown files", arg)
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

// writeFile replaces file's content, keeping its permissions.
func writeFile(file, text string) error {
	info, err := os.Stat(file)
	if err != nil {
		return err
	}
	return os.WriteFile(file, []byte(text), info.Mode().Perm())
}
