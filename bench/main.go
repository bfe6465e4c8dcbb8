// Bench measures every HTTP stage of this repository and a few real
// servers under the same wrk load, and explains the numbers with
// Little's law.
//
// The article this repository retells printed a table of requests per
// second (Single Process "todo", Multi-Process 739, Non-Blocking I/O 4128,
// Gunicorn -w 8 3613) for wrk -t8 -c1000 -d60s against an app that sleeps
// 200 ms. Little's law caps 1000 connections waiting 200 ms each at 5000
// requests/s, an iterative server at 5 and 8 sync workers at 40, so that
// table cannot be right. Bench measures what each model really does on
// your machine and writes the figures next to the bound.
//
// Usage, from the repository root:
//
//	go run ./bench                    # everything, 60 s runs, 3 times each: hours
//	go run ./bench -quick             # 5 s runs, once each: a first table
//	go run ./bench -targets 02,nethttp -workloads overhead -duration 10s
//	go run ./bench -render bench/results/2026-11-27T050000Z-host-1a2b3c.json
//
// Targets are declared in target.go, each with its concurrency model (so
// each row has its own Little's-law bound: 1, the workers or the
// connections, over the delay): the stages 02-simple-wsgi, 03-fork (and
// 03-fork-prefork8), 04-select (and 04-select-inline, -workers 0: the app
// inside the loop, as in the article), 05-poll, 06-epoll (and
// 06-epoll-inline, 06-epoll-loops1), 07-io-uring (and 07-io-uring-inline,
// 07-io-uring-multishot),
// each built from its directory into a temporary directory and started
// with -addr 127.0.0.1:PORT -delay D; a
// stage whose directory does not exist yet, or lacks a variant's flag, is
// a "not built yet" row. Any other NN-name directory with a main package
// runs with an unknown model. The peers: nethttp (Go's net/http serving
// the same App through nethttp.ToHandler, always), gunicorn (8 sync
// workers running the article's Flask app in bench/peers, when gunicorn
// and Flask are installed), nginx (one worker returning a fixed body,
// when installed: the raw ceiling, not the same app), and the article's
// own three servers written here in Python 3 after its models
// (article-py-iterative, article-py-fork, article-py-select in
// bench/peers, standard library only: they need python3 and nothing
// else). A peer that is not installed gets a row saying how to install it.
//
// Workloads: article-keepalive and article-close (the app sleeps 200 ms,
// wrk -t8 -c1000, with keep-alive and with Connection: close), and
// overhead-keepalive and overhead-close (no sleep, wrk -t1 -c50), which
// show the cost of the server itself. -workloads takes names or the groups
// "article" and "overhead".
//
// Each run starts the target on a free loopback port, waits until
// GET /hello answers, checks the answer as wrk will ask it (status 200,
// the body, the framing, the connection kept or closed), warms the server
// up and waits until it is idle, runs wrk with -T beyond the run and
// bench/report.lua (which prints wrk's summary as JSON), samples the
// server's processes for CPU time, RSS and PSS, and stops the target with
// SIGTERM, then SIGKILL after 5 s. A run fails, and its row says why,
// when the target does not build or start, answers the check wrongly,
// dies during the run, answers nothing, answers over 1% errors or
// responses that are not the checked one, or when wrk fails. Every row
// gets a Little's-law check (QPS × mean latency against the connections).
// Bench raises its open-file limit to the hard limit (the servers and wrk
// inherit it) and refuses to start if the hard limit is too low.
//
// Output: bench/results/<time>-<host>-<random>.json (rewritten after every
// row, so an interrupted run keeps what it measured), the raw wrk output
// of every run in the directory of the same name, and, for a full run
// only (or with -docs), docs/results.md with the chart docs/results.svg.
// A -quick or partial run (-targets, -workloads, -duration, fewer -runs)
// keeps its results.md and chart next to its raw outputs, so docs/ stays
// the full run's. -render rebuilds the docs from a results file without
// running anything.
//
// Exit status: 0 on success, 1 on an error, 2 for bad flags or when wrk
// is not installed, 3 when the run finished but some rows failed (each
// failed row says why in the table and the JSON, and bench lists them on
// stderr).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Defaults.
const (
	defaultDuration = 60 * time.Second // the article's wrk -d60s
	quickDuration   = 5 * time.Second  // -quick
	defaultRuns     = 3                // repetitions of each cell in a full run
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := realMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// realMain parses flags and runs bench or renders the docs, and returns the
// exit status.
func realMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	targets := fs.String("targets", "", "comma list of targets (`names`, name prefixes or stage numbers: 02,nethttp,gunicorn,nginx,article-py); empty: all")
	wls := fs.String("workloads", "", "comma list of workloads: "+workloadNames()+"; empty: all of them (article,overhead,c10k)")
	duration := fs.Duration("duration", defaultDuration, "length of each wrk run")
	quick := fs.Bool("quick", false, "short runs ("+quickDuration.String()+" each, once) of every target, the article's servers in Python (python3 only) included: a first table in a few minutes")
	runs := fs.Int("runs", defaultRuns, "repetitions of each cell; rows show the median and the range (-quick: 1)")
	out := fs.String("out", "", "results `directory` (default bench/results)")
	docs := fs.String("docs", "", "`directory` for results.md and results.svg (default docs for a full run; next to the raw outputs for -quick and partial runs)")
	render := fs.String("render", "", "rebuild results.md and results.svg from this results `file` and exit")
	merge := fs.String("merge", "", "after the run, put its rows into this results `file` (replacing the same target and workload; "+
		"same -duration and -runs) and rebuild the docs from it (default docs/)")
	fs.Usage = func() { usage(fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bench: unexpected arguments %q\n", fs.Args())
		return 2
	}
	root, err := findRoot()
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *runs < 1 {
		fmt.Fprintf(stderr, "bench: -runs %d: want 1 or more\n", *runs)
		return 2
	}
	cfg := config{
		root: root, outDir: *out, docsDir: *docs, duration: *duration, quick: *quick, runs: *runs,
		partial: isPartial(set, *runs),
		targets: splitList(*targets), workloads: splitList(*wls),
		command: "go run ./bench " + strings.Join(args, " "), stdout: stdout,
		bar: isTerminal(os.Stdout) && stdout == io.Writer(os.Stdout), look: systemLookups, merge: *merge,
	}
	cfg.command = strings.TrimSpace(cfg.command)
	if cfg.outDir == "" {
		cfg.outDir = filepath.Join(root, "bench", "results")
	}
	if cfg.docsDir == "" && (writesDocs(cfg) || *render != "" || *merge != "") {
		cfg.docsDir = filepath.Join(root, "docs")
	}
	if cfg.quick && !set["duration"] {
		cfg.duration = quickDuration
	}
	if cfg.quick && !set["runs"] {
		cfg.runs = 1
	}
	if *render != "" {
		return report(stderr, renderDocs(*render, cfg.docsDir, root, stdout))
	}
	path, err := run(ctx, cfg)
	if errors.Is(err, errNoWrk) {
		fmt.Fprintln(stderr, wrkMissing)
		return 2
	}
	if err == nil || errors.Is(err, errRowsFailed) {
		fmt.Fprintf(stdout, "results: %s\n", path)
	}
	return report(stderr, err)
}

// isPartial reports whether the flags narrow the run: fewer targets,
// workloads, a duration or repetitions other than a full run's.
func isPartial(set map[string]bool, runs int) bool {
	return set["targets"] || set["workloads"] || set["duration"] || (set["runs"] && runs < defaultRuns)
}

// writesDocs reports whether a run replaces docs/results.md and its chart
// without -docs: only a full run does.
func writesDocs(cfg config) bool { return !cfg.quick && !cfg.partial }

// report prints err, if any, and returns the exit status for it: 3 when
// the run finished with failed rows, 1 for any other error.
func report(stderr io.Writer, err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errRowsFailed):
		fmt.Fprintln(stderr, "bench:", err)
		return 3
	}
	fmt.Fprintln(stderr, "bench:", err)
	return 1
}

// usage prints the help with examples.
func usage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprint(w, `Usage: go run ./bench [flags]

Bench builds every stage from 02 on, starts it and its peers (net/http,
fasthttp, nbio, gunicorn, nginx, and the article's three servers in
Python: article-py-iterative, article-py-fork, article-py-select, which
need python3 only) one at a time on a loopback port, checks its answer,
loads it with wrk, and writes bench/results/<time>-<host>-<id>.json and,
for a full run, docs/results.md and docs/results.svg. A full run takes
hours; it prints the plan and its expected length first, then one line
per run. A failed run is a row that says why, and bench exits 3.

Examples:
  go run ./bench                        # full run: 60 s per run, 3 runs per cell
  go run ./bench -quick                 # first table: 5 s per run, once
  go run ./bench -targets 02,nethttp -workloads overhead -duration 10s
  go run ./bench -render bench/results/2026-11-27T050000Z-myhost-1a2b3c.json
  go run ./bench -targets article-py -workloads article -duration 5s -runs 3 \
      -merge bench/results/2026-11-29T192851Z-vm-f75692-partial.json
                                        # re-measure some rows of a committed run

Flags:
`)
	fs.PrintDefaults()
}

// findRoot returns the repository root: the nearest directory at or above
// the working directory that holds go.work.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.work at or above %s: run bench from the repository", dir)
		}
	}
}
