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
//	go run ./bench                    # everything, 60 s runs: most of an hour
//	go run ./bench -quick             # a first table in about 3 minutes
//	go run ./bench -targets 02,nethttp -workloads overhead -duration 10s
//	go run ./bench -render bench/results/2026-11-27-host.json
//
// Targets are the stage directories from 02-simple-wsgi on that hold a
// main package (each is built into a temporary directory and started with
// -addr 127.0.0.1:PORT -delay D; a stage whose -h lists -workers also runs
// as <stage>-inline with -workers 0, the app called inside the loop as in
// the article's select server), and the peers: nethttp (Go's net/http
// serving the same App through gateway.ToHandler, always), gunicorn (8
// sync workers running the article's Flask app in bench/peers, when
// gunicorn and Flask are installed) and nginx (one worker returning a
// fixed body, when installed: the raw ceiling, not the same app). A peer
// that is not installed gets a row saying how to install it.
//
// Workloads: article-keepalive and article-close (the app sleeps 200 ms,
// wrk -t8 -c1000, with keep-alive and with Connection: close), and
// overhead-keepalive and overhead-close (no sleep, wrk -t1 -c50), which
// show the cost of the server itself. -workloads takes names or the groups
// "article" and "overhead".
//
// Each run starts the target on a free loopback port, waits until
// GET /hello answers, runs wrk with bench/report.lua (which prints wrk's
// summary as JSON), samples the server's processes for CPU time and RSS,
// and stops the target with SIGTERM, then SIGKILL after 5 s. Bench raises
// its open-file limit to the hard limit (the servers and wrk inherit it)
// and refuses to start if the hard limit is too low for the workload.
//
// Output: bench/results/<date>-<host>.json (rewritten after every row, so
// an interrupted run keeps what it measured), the raw wrk output of every
// run in bench/results/<date>-<host>/, and docs/results.md with the chart
// docs/results.svg. A -quick run writes <date>-<host>-quick.json and keeps
// its results.md and chart next to its raw outputs, so docs/ stays the
// full run's. -render rebuilds the docs from a results file without
// running anything.
//
// Exit status: 0 on success, 1 on an error, 2 for bad flags or when wrk
// is not installed.
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
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := mainErr(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// mainErr parses flags and runs bench or renders the docs; it returns the
// exit status.
func mainErr(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	targets := fs.String("targets", "", "comma list of targets (`names` or stage numbers: 02,nethttp,gunicorn,nginx); empty: all")
	wls := fs.String("workloads", "", "comma list of workloads: "+workloadNames()+"; empty: article,overhead")
	duration := fs.Duration("duration", defaultDuration, "length of each wrk run")
	quick := fs.Bool("quick", false, "short runs ("+quickDuration.String()+" each): a first table in about 3 minutes")
	out := fs.String("out", "", "results `directory` (default bench/results)")
	docs := fs.String("docs", "", "`directory` for results.md and results.svg (default docs, or next to the raw outputs with -quick)")
	render := fs.String("render", "", "rebuild results.md and results.svg from this results `file` and exit")
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
	cfg := config{
		root: root, outDir: *out, docsDir: *docs, duration: *duration, quick: *quick,
		targets: splitList(*targets), workloads: splitList(*wls),
		command: "go run ./bench " + strings.Join(args, " "), stdout: stdout,
		bar: isTerminal(os.Stdout) && stdout == io.Writer(os.Stdout), look: systemLookups,
	}
	cfg.command = strings.TrimSpace(cfg.command)
	if cfg.outDir == "" {
		cfg.outDir = filepath.Join(root, "bench", "results")
	}
	if cfg.docsDir == "" && (!cfg.quick || *render != "") {
		cfg.docsDir = filepath.Join(root, "docs")
	}
	if cfg.quick && !set["duration"] {
		cfg.duration = quickDuration
	}
	if *render != "" {
		return report(stderr, renderDocs(*render, cfg.docsDir, root, stdout))
	}
	path, err := run(ctx, cfg)
	if errors.Is(err, errNoWrk) {
		fmt.Fprintln(stderr, wrkMissing)
		return 2
	}
	if err == nil {
		fmt.Fprintf(stdout, "results: %s\n", path)
	}
	return report(stderr, err)
}

// report prints err, if any, and returns the exit status for it.
func report(stderr io.Writer, err error) int {
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	return 0
}

// usage prints the help with examples.
func usage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprint(w, `Usage: go run ./bench [flags]

Bench builds every stage from 02 on, starts it and its peers (net/http,
gunicorn, nginx) one at a time on a loopback port, loads each with wrk,
and writes bench/results/<date>-<host>.json, docs/results.md and
docs/results.svg. A full run takes most of an hour; it prints the plan and
its expected length first, then one line per run.

Examples:
  go run ./bench                        # full run, the article's 60 s per run
  go run ./bench -quick                 # first table in about 3 minutes
  go run ./bench -targets 02,nethttp -workloads overhead -duration 10s
  go run ./bench -render bench/results/2026-11-27-myhost.json

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
