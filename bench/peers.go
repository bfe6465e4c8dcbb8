package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Install hints for the peers bench does not build itself.
const (
	gunicornMissing = "skipped: not installed (apt-get install gunicorn python3-flask)"
	nginxMissing    = "skipped: not installed (apt-get install nginx-light)"
	python3Missing  = "skipped: not installed (apt-get install python3; the article's servers need nothing else)"
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

// goBacklog is the listen queue of Go's net.Listen.
const goBacklog = "net.core.somaxconn (Go's net.Listen)"

// peers returns the comparison servers: net/http always, gunicorn and nginx
// with Missing set when they are not installed.
func peers(look lookups, peersDir string) []Target {
	nethttp := Target{Name: "nethttp", Label: "net/http", Kind: kindPeer, Pkg: "./bench/cmd/nethttp", command: goCommand(),
		Model: Model{Says: "a goroutine per connection", Concurrency: perConnection}, Backlog: goBacklog,
		Note: "Go's net/http serving the same App through gateway.ToHandler"}
	guni := Target{Name: "gunicorn", Kind: kindPeer,
		Model:   Model{Says: "8 sync worker processes", Concurrency: gunicornWorkers},
		Backlog: fmt.Sprintf("%d (--backlog)", gunicornBacklog),
		Note:    "gunicorn -w 8 -k sync with the article's Flask app",
		NoC10K:  "sync workers close every connection: nothing to hold"}
	if p, err := look.path("gunicorn"); err != nil || !look.hasFlask(p) {
		guni.Missing = gunicornMissing
	} else {
		guni.command = gunicornCommand(p, peersDir)
	}
	ngx := Target{Name: "nginx", Kind: kindPeer, FixedBody: true,
		Model:   Model{Says: "one event loop, fixed body", Concurrency: unknownModel},
		Backlog: fmt.Sprintf("%d (listen backlog=; nginx's default is 511)", nginxBacklog),
		Note:    "one worker, fixed body: no 200 ms sleep, the raw ceiling, not the same app"}
	if p, err := look.path("nginx"); err != nil {
		ngx.Missing = nginxMissing
	} else {
		ngx.command = nginxCommand(p)
	}
	fast := Target{Name: "fasthttp", Kind: kindPeer, Pkg: "./bench/cmd/fasthttp", command: goCommand(),
		Mark:  "own handler: same sleep and body",
		Model: Model{Says: "a goroutine per connection (worker pool)", Concurrency: perConnection}, Backlog: goBacklog,
		Note: "valyala/fasthttp with its own handler (same 200 ms sleep, same body), not the shared App: fasthttp is not net/http"}
	nbio := Target{Name: "nbio", Kind: kindPeer, Pkg: "./bench/cmd/nbio", command: goCommand(),
		Model: Model{Says: "epoll loops, handlers in a goroutine pool", Concurrency: perConnection}, Backlog: goBacklog,
		Note: "lesismal/nbio (epoll, like 06) serving the same App through gateway.ToHandler"}
	out := []Target{nethttp, fast, nbio, guni, ngx}
	return append(out, articlePeers(look, peersDir)...)
}

// kindArticle marks the article's own servers, written here in Python 3
// after its models (bench/peers/article_*.py): the same model and app as
// the article's, on this machine.
const kindArticle = "article"

// articleBacklog is the listen queue of the article's servers in Python.
const articleBacklog = "4096 (listen(4096); the article's used 1 and 1024)"

// articlePeers returns the article's three servers in Python 3, with
// Missing set when python3 is not installed.
func articlePeers(look lookups, peersDir string) []Target {
	closes := "the server closes every connection: nothing to hold"
	ts := []Target{
		{Name: "article-py-iterative", Model: Model{Says: "one connection at a time", Concurrency: 1},
			Note: "the article's iterative server in Python 3 (bench/peers/article_iterative.py): " +
				"one recv, the app, sendall, close", NoC10K: closes},
		{Name: "article-py-fork", Model: Model{Says: "a process per connection", Concurrency: perConnection},
			Note: "the article's fork-per-connection server in Python 3 (bench/peers/article_fork.py): " +
				"os.fork per connection, SIGCHLD reaping", NoC10K: closes},
		{Name: "article-py-select", Model: Model{Says: "select loop, app inside the loop", Concurrency: 1},
			Note: "the article's select server in Python 3 (bench/peers/article_select.py): " +
				"the app runs inside the loop", NoC10K: "select(2) watches descriptors below FD_SETSIZE (1024) only"},
	}
	py, err := look.path("python3")
	for i := range ts {
		ts[i].Kind, ts[i].Backlog = kindArticle, articleBacklog
		if err != nil {
			ts[i].Missing = python3Missing
			continue
		}
		// article-py-fork runs article_fork.py.
		script := "article_" + strings.TrimPrefix(ts[i].Name, "article-py-") + ".py"
		ts[i].command = pythonCommand(py, script, peersDir)
	}
	return ts
}

// pythonCommand runs script (in dir) with python3, passing the address
// and the app's delay in seconds as the scripts take them.
func pythonCommand(python3, script, dir string) func(string, time.Duration, string, string) (*exec.Cmd, error) {
	return func(addr string, delay time.Duration, _, _ string) (*exec.Cmd, error) {
		cmd := exec.Command(python3, script, "--addr", addr, "--delay", strconv.FormatFloat(delay.Seconds(), 'g', -1, 64))
		cmd.Dir = dir
		return cmd, nil
	}
}

// pythonHasFlask runs the interpreter named on gunicorn's #! line and
// reports whether it can import flask.
func pythonHasFlask(gunicorn string) bool {
	py := gunicornPython(gunicorn)
	if len(py) == 0 {
		return false
	}
	args := append(py[1:], "-c", "import flask")
	return exec.Command(py[0], args...).Run() == nil
}

// gunicornPython returns the interpreter and its arguments from the #!
// line of the gunicorn script, or nil.
func gunicornPython(gunicorn string) []string {
	f, err := os.Open(gunicorn)
	if err != nil {
		return nil
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	if !strings.HasPrefix(line, "#!") {
		return nil
	}
	return strings.Fields(strings.TrimPrefix(line, "#!"))
}

// gunicorn's settings: the article's "gunicorn -w 8", and the stages'
// listen queue (gunicorn's default is 2048).
const (
	gunicornWorkers = 8
	gunicornBacklog = 4096
)

// gunicornCommand runs the Flask app in peersDir with 8 sync workers; the
// app reads its delay in seconds from LBWS_DELAY.
func gunicornCommand(gunicorn, peersDir string) func(string, time.Duration, string, string) (*exec.Cmd, error) {
	return func(addr string, delay time.Duration, _, _ string) (*exec.Cmd, error) {
		cmd := exec.Command(gunicorn, "-w", strconv.Itoa(gunicornWorkers), "-k", "sync",
			"--backlog", strconv.Itoa(gunicornBacklog),
			"-b", addr, "--chdir", peersDir, "flask_app:app")
		cmd.Env = append(os.Environ(), fmt.Sprintf("LBWS_DELAY=%g", delay.Seconds()))
		return cmd, nil
	}
}
