// Command runit checks that the commands the chapters tell the reader to
// run still name things that exist: a transcript can go stale when a flag,
// a test or a file is renamed, and nothing else would notice.
//
// Usage, from the repository root:
//
//	go run ./shared/cmd/runit                         # docs/*.md and README.md
//	go run ./shared/cmd/runit docs/*.md README.md     # the same, as CI runs it
//	go run ./shared/cmd/runit -v docs/03-fork.md      # also list what was checked
//
// It reads the fenced code blocks of each Markdown file. In a block with
// "$ " prompts the commands are the prompted lines (with the lines an open
// quote or a trailing backslash carries them on to); the other lines are
// output. A block tagged sh, bash or shell without prompts is a script
// whose every line is a command. Blocks of other languages are not read,
// nor is a block right after the comment <!-- runit: skip --> (for a
// transcript that shows a mistake on purpose).
// Each command line is split into simple commands at |, &&, ;, & and
// parentheses; redirections, comments, NAME=value prefixes and reserved
// words (for ... do, time) are set aside. Then, for what can be checked
// without running anything but go:
//
//   - go run ./DIR [flags] [args]: DIR holds a Go package; every flag
//     named (-x, --x, -x=v) is listed by the program's -h output (runit
//     builds each program once into a temporary directory and runs it with
//     -h); every argument that looks like a repository path exists.
//   - go build [-o OUT] ./DIR: DIR holds a Go package; a later command
//     in the same file that runs OUT (or DIR/base(DIR), go build's default
//     name) is checked as go run ./DIR would be.
//   - go test [flags] PATTERN...: go list finds each package pattern;
//     with -run, -bench or -fuzz, go test -list . PATTERN lists a test the
//     regexp selects in each package, as go test applies it (alternatives
//     at top-level |, only the first element of a/b/c is a top-level name;
//     subtest names exist only when the tests run and are not checked),
//     and each alternative selects a test in one of the packages. A regexp
//     that matches the empty name ('^$': run no tests) is not checked.
//   - ./PATH, git apply PATH, bash PATH, sh PATH, python3 PATH: a path
//     that looks like a repository file (./x, or x/y where x is a
//     top-level entry of the repository) exists.
//
// Everything else (curl, wrk, nc, kill, ps, words with $VAR, $(...) or
// globs, absolute paths) is skipped: a problem here is certain, never a
// guess. A flag whose value is an output file (-o, -out, -cpuprofile) may
// name a file that does not exist yet.
//
// Each problem is a line "file:line: command: what is wrong", and the exit
// status is 1 if there is any; 2 is a usage error. With -v, runit also
// lists each thing it checked and each command it skipped.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command with its arguments and outputs, for tests; it
// returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("runit", flag.ContinueOnError)
	fl.SetOutput(stderr)
	verbose := fl.Bool("v", false, "also list each thing checked and each command skipped")
	root := fl.String("root", ".", "the repository root `directory`: paths, ./DIR packages and go commands are relative to it")
	fl.Usage = func() {
		fmt.Fprintf(stderr, "usage: runit [-v] [-root dir] [file.md ...]\n\n"+
			"Checks that the commands in the Markdown files' code blocks name flags,\n"+
			"tests and files that exist (default files: docs/*.md and README.md under\n"+
			"-root). Prints one line per problem and exits 1 if there is any.\n\n")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	files := fl.Args()
	if len(files) == 0 {
		docs, err := filepath.Glob(filepath.Join(*root, "docs", "*.md"))
		if err != nil {
			fmt.Fprintf(stderr, "runit: %v\n", err)
			return 2
		}
		files = append(docs, filepath.Join(*root, "README.md"))
	}
	tmp, err := os.MkdirTemp("", "runit-")
	if err != nil {
		fmt.Fprintf(stderr, "runit: %v\n", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	var v io.Writer
	if *verbose {
		v = stdout
	}
	c, err := newChecker(*root, tmp, stdout, v)
	if err != nil {
		fmt.Fprintf(stderr, "runit: %v\n", err)
		return 2
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(stderr, "runit: %v\n", err)
			return 2
		}
		c.checkFile(filepath.ToSlash(file), string(data))
	}
	if c.problems > 0 {
		fmt.Fprintf(stderr, "runit: %d problem(s) in the commands of %d file(s)\n", c.problems, len(files))
		return 1
	}
	fmt.Fprintf(stdout, "runit: %d check(s) passed in the commands of %d file(s)\n", c.checked, len(files))
	return 0
}
