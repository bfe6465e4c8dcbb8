package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Target kinds.
const (
	kindStage = "stage" // a numbered directory of this repository
	kindPeer  = "peer"  // a server we compare the stages with
)

// Target is one server bench measures.
type Target struct {
	// Name is the stage's directory name ("02-simple-wsgi"), a stage's
	// variant ("04-select-inline") or the peer's name ("nethttp").
	Name string
	// Label is the name readers know, for the chart ("net/http"); empty
	// means Name.
	Label string
	// Kind is kindStage or kindPeer.
	Kind string
	// Pkg is the Go package to build, relative to the repository root
	// ("./02-simple-wsgi"); variants share their stage's. Empty for peers
	// that are not Go.
	Pkg string
	// Args are the flags a variant adds to its stage's ("-workers", "0").
	Args []string
	// Note is shown next to the target's rows in the docs.
	Note string
	// Mark is added to the target's name in every table ("own handler"),
	// for what a reader must not miss.
	Mark string
	// Missing, when not empty, says why the target cannot run (not built
	// yet, not installed and how to install it); its rows are skipped with
	// this reason.
	Missing string
	// FixedBody is true when the target answers a fixed body without
	// running the app (nginx): no Little's-law bound applies.
	FixedBody bool
	// Model is the target's concurrency model, which gives each row its
	// own Little's-law bound.
	Model Model
	// Backlog says how long the target's listen queue is and who sets it.
	Backlog string
	// Groups, when not empty, limits the target to these workload groups.
	Groups []string
	// NoC10K, when not empty, says why the target does not run the c10k
	// workload.
	NoC10K string
	// command returns the command that serves on addr with the given app
	// delay; bin is the built binary for Go targets, tmp a private
	// directory for this run.
	command func(addr string, delay time.Duration, bin, tmp string) (*exec.Cmd, error)
}

// label is the target's name as readers know it.
func (t Target) label() string {
	if t.Label != "" {
		return t.Label
	}
	return t.Name
}

// runsIn reports whether the target runs under workload w.
func (t Target) runsIn(w Workload) bool {
	if len(t.Groups) == 0 {
		return true
	}
	for _, g := range t.Groups {
		if g == w.Group {
			return true
		}
	}
	return false
}

// stageDir matches the numbered stage directories: "02-simple-wsgi".
var stageDir = regexp.MustCompile(`^([0-9]{2})-[a-z0-9-]+$`)

// firstHTTPStage is the first stage that speaks HTTP (01 is a TCP echo).
const firstHTTPStage = 2

// sockBacklog describes the stages' listen queue (shared/sock.Backlog).
const sockBacklog = "4096 (shared/sock.Backlog)"

// declaredStages are the stages bench knows, each with its model, and
// their variants: the same binary with other flags. A stage whose
// directory does not exist yet gets a "not built yet" row, so a stage
// slots in the day its directory lands. cores is the machine's logical
// CPUs (06-epoll runs one loop per core by default).
func declaredStages(cores int) []Target {
	perConn := func(says string) Model { return Model{Says: says, Concurrency: perConnection} }
	return []Target{
		stage("02-simple-wsgi", Model{Says: "one connection at a time", Concurrency: 1}, ""),
		stage("03-fork", perConn("a process per connection"),
			"a process per connection: 10,000 held connections are 10,000 processes, more than this machine should hold"),
		variant("03-fork", "prefork8", Model{Says: "8 pre-forked processes", Concurrency: 8},
			"-prefork 8: 8 processes, each serving one connection at a time", []string{"-prefork", "8"},
			"8 processes serve 8 connections at a time: the other held connections are never served"),
		stage("04-select", perConn("select loop, app in a worker pool"),
			"select(2) watches descriptors below FD_SETSIZE (1024) only"),
		variant("04-select", "inline", Model{Says: "select loop, app inside the loop", Concurrency: 1},
			"-workers 0: the app runs inside the loop, as in the article", []string{"-workers", "0"},
			"select(2) watches descriptors below FD_SETSIZE (1024) only"),
		stage("05-poll", perConn("poll loop, app in a worker pool"), ""),
		stage("06-epoll", perConn("epoll loops, app in a worker pool"), ""),
		variant("06-epoll", "inline", Model{Says: fmt.Sprintf("app inside each of %d loops (one per core)", cores), Concurrency: cores},
			"-workers 0: the app runs inside each loop", []string{"-workers", "0"}, "the c10k row of 06-epoll holds for it"),
		withGroups(variant("06-epoll", "loops1", perConn("one epoll loop, app in a worker pool"),
			"-loops 1: one event loop", []string{"-loops", "1"}, "the c10k row of 06-epoll holds for it"), "overhead"),
		stage("07-io-uring", perConn("one io_uring loop, app in a worker pool"), ""),
		variant("07-io-uring", "inline", Model{Says: "app inside the io_uring loop", Concurrency: 1},
			"-workers 0: the app runs inside the loop", []string{"-workers", "0"}, "the c10k row of 07-io-uring holds for it"),
		variant("07-io-uring", "multishot", perConn("one io_uring loop, multishot accept and recv, app in a worker pool"),
			"-multishot: one multishot ACCEPT, one multishot RECV per connection into a provided buffer ring", []string{"-multishot"}, ""),
	}
}

// stage declares the stage in directory name.
func stage(name string, m Model, noC10K string) Target {
	return Target{Name: name, Kind: kindStage, Pkg: "./" + name, Model: m, Backlog: sockBacklog,
		NoC10K: noC10K, command: goCommand()}
}

// variant declares stage run with args as stage-suffix.
func variant(stageName, suffix string, m Model, note string, args []string, noC10K string) Target {
	t := stage(stageName, m, noC10K)
	t.Name, t.Note, t.Args = stageName+"-"+suffix, note, args
	t.command = goCommand(args...)
	return t
}

// withGroups limits t to the workload groups.
func withGroups(t Target, groups ...string) Target {
	t.Groups = groups
	return t
}

// stageTargets returns the declared stages and their variants, marking
// those whose directory has no main package yet, then any other stage
// directory under root (with an unknown model) in order.
func stageTargets(root string) ([]Target, error) {
	found, err := discoverStages(root)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, name := range found {
		have[name] = true
	}
	var out []Target
	declared := map[string]bool{}
	for _, t := range declaredStages(runtime.NumCPU()) {
		dir := strings.TrimPrefix(t.Pkg, "./")
		declared[dir] = true
		if !have[dir] {
			t.Missing = "not built yet: no " + dir + " directory with a main package"
		}
		out = append(out, t)
	}
	for _, name := range found {
		if !declared[name] {
			out = append(out, stage(name, Model{Says: "not declared in bench", Concurrency: unknownModel}, ""))
		}
	}
	return out, nil
}

// discoverStages returns the HTTP stage directories under root: names
// NN-name with NN >= 02 that hold a main package, in order.
func discoverStages(root string) ([]string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("discover stages: %w", err)
	}
	var out []string
	for _, e := range entries {
		m := stageDir.FindStringSubmatch(e.Name())
		if !e.IsDir() || m == nil {
			continue
		}
		if n, _ := strconv.Atoi(m[1]); n < firstHTTPStage {
			continue
		}
		if hasMainPackage(filepath.Join(root, e.Name())) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// hasMainPackage reports whether dir holds a non-test Go file of package main.
func hasMainPackage(dir string) bool {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly)
		if err == nil && file.Name.Name == "main" {
			return true
		}
	}
	return false
}

// goCommand runs a built Go target (a stage or a Go peer) with the flags
// every stage takes, then extra.
func goCommand(extra ...string) func(string, time.Duration, string, string) (*exec.Cmd, error) {
	return func(addr string, delay time.Duration, bin, _ string) (*exec.Cmd, error) {
		args := append([]string{"-addr", addr, "-delay", delay.String()}, extra...)
		return exec.Command(bin, args...), nil
	}
}
