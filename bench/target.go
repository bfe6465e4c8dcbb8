package main

import (
	"bufio"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
	// Name is the directory name for a stage ("02-simple-wsgi") or the
	// peer's name ("nethttp", "gunicorn", "nginx").
	Name string
	// Kind is kindStage or kindPeer.
	Kind string
	// Pkg is the Go package to build, relative to the repository root
	// ("./02-simple-wsgi"); empty for peers that are not Go.
	Pkg string
	// Note is shown next to the target's rows in the docs.
	Note string
	// Missing, when not empty, says why the target cannot run and how to
	// install what it needs; its rows are skipped with this reason.
	Missing string
	// FixedBody is true when the target answers a fixed body without
	// running the app (nginx): the Little's-law bound does not apply.
	FixedBody bool
	// command returns the command that serves on addr with the given app
	// delay; bin is the built binary for Go targets, tmp a private
	// directory for this run.
	command func(addr string, delay time.Duration, bin, tmp string) (*exec.Cmd, error)
}

// stageDir matches the numbered stage directories: "02-simple-wsgi".
var stageDir = regexp.MustCompile(`^([0-9]{2})-[a-z0-9-]+$`)

// firstHTTPStage is the first stage that speaks HTTP (01 is a TCP echo).
const firstHTTPStage = 2

// discoverStages returns the HTTP stages under root: directories named
// NN-name with NN >= 02 that hold a main package, in order.
func discoverStages(root string) ([]Target, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("discover stages: %w", err)
	}
	var out []Target
	for _, e := range entries {
		m := stageDir.FindStringSubmatch(e.Name())
		if !e.IsDir() || m == nil {
			continue
		}
		if n, _ := strconv.Atoi(m[1]); n < firstHTTPStage {
			continue
		}
		if !hasMainPackage(filepath.Join(root, e.Name())) {
			continue
		}
		out = append(out, Target{Name: e.Name(), Kind: kindStage, Pkg: "./" + e.Name(), command: goCommand()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
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

// goCommand runs a built Go target (a stage or the net/http peer) with the
// flags every stage takes, then extra.
func goCommand(extra ...string) func(string, time.Duration, string, string) (*exec.Cmd, error) {
	return func(addr string, delay time.Duration, bin, _ string) (*exec.Cmd, error) {
		args := append([]string{"-addr", addr, "-delay", delay.String()}, extra...)
		return exec.Command(bin, args...), nil
	}
}

// Install hints for the peers bench does not build itself.
const (
	gunicornMissing = "skipped: not installed (apt-get install gunicorn python3-flask)"
	nginxMissing    = "skipped: not installed (apt-get install nginx-light)"
)

// lookups are the ways bench checks for installed peers; tests replace them.
type lookups struct {
	// path finds an executable, like exec.LookPath.
	path func(name string) (string, error)
	// hasFlask reports whether the Python that runs gunicorn imports flask.
	hasFlask func(gunicorn string) bool
}

// systemLookups checks the real system.
var systemLookups = lookups{path: exec.LookPath, hasFlask: pythonHasFlask}

// peers returns the comparison servers: net/http always, gunicorn and nginx
// with Missing set when they are not installed.
func peers(look lookups, peersDir string) []Target {
	nethttp := Target{Name: "nethttp", Kind: kindPeer, Pkg: "./bench/cmd/nethttp", command: goCommand(),
		Note: "Go's net/http serving the same App through gateway.ToHandler"}
	guni := Target{Name: "gunicorn", Kind: kindPeer,
		Note: "gunicorn -w 8 -k sync with the article's Flask app"}
	if p, err := look.path("gunicorn"); err != nil || !look.hasFlask(p) {
		guni.Missing = gunicornMissing
	} else {
		guni.command = gunicornCommand(p, peersDir)
	}
	ngx := Target{Name: "nginx", Kind: kindPeer, FixedBody: true,
		Note: "one worker, fixed body: no 200 ms sleep, the raw ceiling, not the same app"}
	if p, err := look.path("nginx"); err != nil {
		ngx.Missing = nginxMissing
	} else {
		ngx.command = nginxCommand(p)
	}
	return []Target{nethttp, guni, ngx}
}

// pythonHasFlask runs the interpreter named on gunicorn's #! line and
// reports whether it can import flask.
func pythonHasFlask(gunicorn string) bool {
	f, err := os.Open(gunicorn)
	if err != nil {
		return false
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	fields := strings.Fields(strings.TrimPrefix(line, "#!"))
	if !strings.HasPrefix(line, "#!") || len(fields) == 0 {
		return false
	}
	args := append(fields[1:], "-c", "import flask")
	return exec.Command(fields[0], args...).Run() == nil
}

// gunicornWorkers is the article's "gunicorn -w 8".
const gunicornWorkers = 8

// gunicornCommand runs the Flask app in peersDir with 8 sync workers; the
// app reads its delay in seconds from LBWS_DELAY.
func gunicornCommand(gunicorn, peersDir string) func(string, time.Duration, string, string) (*exec.Cmd, error) {
	return func(addr string, delay time.Duration, _, _ string) (*exec.Cmd, error) {
		cmd := exec.Command(gunicorn, "-w", strconv.Itoa(gunicornWorkers), "-k", "sync",
			"-b", addr, "--chdir", peersDir, "flask_app:app")
		cmd.Env = append(os.Environ(), fmt.Sprintf("LBWS_DELAY=%g", delay.Seconds()))
		return cmd, nil
	}
}
