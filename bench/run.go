package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// config is everything a bench run needs to know.
type config struct {
	// root is the repository root (the directory with go.work).
	root string
	// outDir receives <date>-<host>.json and the raw wrk outputs.
	outDir string
	// docsDir receives results.md and results.svg; empty means next to
	// the raw outputs (what -quick does, to keep docs/ for full runs).
	docsDir string
	// duration is each wrk run's -d.
	duration time.Duration
	// quick marks a -quick run.
	quick bool
	// partial marks a run that -targets, -workloads, -duration or -runs
	// narrowed: unless docsDir is given, its docs go next to its raw
	// outputs, not into docs/.
	partial bool
	// runs is the number of repetitions of each cell.
	runs int
	// targets and workloads are the -targets and -workloads lists.
	targets, workloads []string
	// command is the command line, for the record.
	command string
	// stdout receives the plan and the progress lines.
	stdout io.Writer
	// bar enables the live progress bar.
	bar bool
	// merge, when set, is a results file that receives this run's rows
	// (replacing those of the same target and workload); the docs are
	// then rendered from it.
	merge string
	// look finds the installed peers.
	look lookups
	// testTargets and testWorkloads, when set, replace the selection
	// (tests point bench at fake servers).
	testTargets   []Target
	testWorkloads []Workload
}

// errRowsFailed is returned by run when it finished but some rows failed;
// main exits 3.
var errRowsFailed = errors.New("some runs failed")

// runner holds the state of one bench run.
type runner struct {
	cfg    config
	wrk    string            // wrk's path
	script string            // report.lua in tmp
	tmp    string            // private scratch directory
	bins   map[string]string // built binary per Go package
	errs   map[string]error  // build error per Go package
	raw    string            // directory of raw outputs
	json   string            // results file
	nofile uint64            // the open-file limit bench set
}

// run measures every selected target under every selected workload and
// writes the results, row by row, then the docs. It returns the results
// file's path.
func run(ctx context.Context, cfg config) (string, error) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		return "", errNoWrk
	}
	ws, ts, err := selection(cfg)
	if err != nil {
		return "", err
	}
	if err := checkMergeable(cfg); err != nil {
		return "", err
	}
	nofile, err := raiseNoFile(fdNeed(ws))
	if err != nil {
		return "", err
	}
	r := &runner{cfg: cfg, wrk: wrk, nofile: nofile}
	res := r.newResults(ws, nofile)
	if err := r.prepareOutput(res); err != nil {
		return "", err
	}
	if err := r.makeScratch(); err != nil {
		return "", err
	}
	defer os.RemoveAll(r.tmp)
	r.build(ctx, ts)
	ts = r.checkVariants(ctx, ts)
	plan := makePlan(ts, ws)
	for i := range plan {
		plan[i].runs = cfg.runs
	}
	printPlan(cfg.stdout, plan, ts, ws, cfg.duration, r.json)
	if err := r.runAll(ctx, plan, res); err != nil {
		return r.json, err
	}
	res.Finished = time.Now().UTC()
	if err := writeResults(r.json, res); err != nil {
		return r.json, err
	}
	docsFrom := r.json
	if cfg.merge != "" {
		if err := mergeInto(cfg.merge, r.json); err != nil {
			return r.json, err
		}
		fmt.Fprintf(cfg.stdout, "merged %d row(s) into %s\n", len(res.Rows), cfg.merge)
		docsFrom = cfg.merge
	}
	if err := renderDocs(docsFrom, r.docsDir(), cfg.root, cfg.stdout); err != nil {
		return r.json, err
	}
	if failed := failedRows(res); len(failed) > 0 {
		return r.json, fmt.Errorf("%w (%d of %d): %s", errRowsFailed, len(failed), len(res.Rows), strings.Join(failed, "; "))
	}
	return r.json, nil
}

// checkMergeable reads the -merge file before anything runs, and refuses
// a run whose duration or repetitions differ from that file's.
func checkMergeable(cfg config) error {
	if cfg.merge == "" {
		return nil
	}
	dst, err := readResults(cfg.merge)
	if err != nil {
		return fmt.Errorf("-merge: %w", err)
	}
	return sameSettings(dst, &Results{Duration: cfg.duration.String(), Runs: cfg.runs}, cfg.merge)
}

// failedRows names the failed rows of res with their reasons.
func failedRows(res *Results) []string {
	var out []string
	for _, row := range res.Rows {
		if row.Error != "" {
			out = append(out, row.Target+" "+row.Workload+": "+oneLine(row.Error, 200))
		}
	}
	return out
}

// selection resolves the -workloads and -targets lists.
func selection(cfg config) ([]Workload, []Target, error) {
	if cfg.testTargets != nil {
		return cfg.testWorkloads, cfg.testTargets, nil
	}
	wl := cfg.workloads
	if len(wl) == 0 {
		wl = []string{"article", "overhead", c10kGroup}
	}
	ws, err := selectWorkloads(wl)
	if err != nil {
		return nil, nil, err
	}
	stages, err := stageTargets(cfg.root)
	if err != nil {
		return nil, nil, err
	}
	all := append(stages, peers(cfg.look, filepath.Join(cfg.root, "bench", "peers"))...)
	ts, err := selectTargets(all, cfg.targets)
	return ws, ts, err
}

// fdNeed is the number of open files the largest wrk workload needs; the
// c10k workload's rows say when the limit is too low for it instead.
func fdNeed(ws []Workload) int {
	need := 0
	for _, w := range ws {
		if w.Group != c10kGroup {
			need = max(need, w.Connections+fdMargin)
		}
	}
	return need
}

// makeScratch creates the private directory with the wrk script; the
// caller removes r.tmp.
func (r *runner) makeScratch() error {
	var err error
	if r.tmp, err = os.MkdirTemp("", "lbws-bench-"); err != nil {
		return fmt.Errorf("scratch directory: %w", err)
	}
	r.script = filepath.Join(r.tmp, "report.lua")
	if err := os.WriteFile(r.script, reportLua, 0o644); err != nil {
		os.RemoveAll(r.tmp)
		return fmt.Errorf("write wrk script: %w", err)
	}
	return nil
}

// newResults starts the results record.
func (r *runner) newResults(ws []Workload, nofile uint64) *Results {
	return &Results{
		Command:   r.cfg.command,
		Started:   time.Now().UTC(),
		Quick:     r.cfg.quick,
		Partial:   r.cfg.partial,
		Duration:  r.cfg.duration.String(),
		Runs:      max(r.cfg.runs, 1),
		Machine:   machineInfo(r.cfg.root, wrkVersion(r.wrk), nofile, r.cfg.look),
		Workloads: ws,
	}
}

// prepareOutput names the results file after the start time, the host
// and a random suffix (two runs in one second on two machines with one
// host name still get two files), creates the directories and writes the
// empty record.
func (r *runner) prepareOutput(res *Results) error {
	name := resultsName(res.Started, res.Machine.Host, r.cfg.quick, r.cfg.partial)
	r.json = filepath.Join(r.cfg.outDir, name+".json")
	r.raw = filepath.Join(r.cfg.outDir, name)
	if err := os.MkdirAll(r.raw, 0o755); err != nil {
		return fmt.Errorf("results directory: %w", err)
	}
	return writeResults(r.json, res)
}

// docsDir is where results.md goes.
func (r *runner) docsDir() string {
	if r.cfg.docsDir != "" {
		return r.cfg.docsDir
	}
	return r.raw
}

// build compiles every Go package of the targets into the scratch
// directory, once for a stage and its variants; a target that does not
// build gets its error on each of its rows. It builds in the package's
// own directory, so its module's go.mod (which replaces lbws/shared with
// ../shared) works with or without the workspace.
func (r *runner) build(ctx context.Context, ts []Target) {
	r.bins, r.errs = map[string]string{}, map[string]error{}
	for _, t := range ts {
		_, done := r.bins[t.Pkg]
		if t.Pkg == "" || t.Missing != "" || done || r.errs[t.Pkg] != nil {
			continue
		}
		bin := filepath.Join(r.tmp, "bin", filepath.Base(t.Pkg))
		fmt.Fprintf(r.cfg.stdout, "building %s\n", t.Pkg)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
		cmd.Dir = filepath.Join(r.cfg.root, filepath.FromSlash(t.Pkg))
		if out, err := cmd.CombinedOutput(); err != nil {
			r.errs[t.Pkg] = fmt.Errorf("go build %s: %w: %s", t.Pkg, err, strings.TrimSpace(string(out)))
			continue
		}
		r.bins[t.Pkg] = bin
	}
}

// runAll measures each planned run and rewrites the results file after
// each row, so an interrupted run keeps what it measured.
func (r *runner) runAll(ctx context.Context, plan []plannedRun, res *Results) error {
	prog := newProgress(r.cfg.stdout, expectedTotal(plan, r.cfg.duration), r.cfg.bar)
	defer prog.finish()
	for i, p := range plan {
		prog.begin(i+1, len(plan), p)
		row := r.measure(ctx, p.t, p.w)
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted during %s %s; rows kept: %d in %s (go run ./bench -render on it rebuilds the docs): %w",
				p.t.Name, p.w.Name, len(res.Rows), r.json, ctx.Err())
		}
		res.Rows = append(res.Rows, row)
		if err := writeResults(r.json, res); err != nil {
			return err
		}
		prog.end(p, row, r.cfg.duration)
	}
	return nil
}
