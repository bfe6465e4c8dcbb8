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
	return []Target{nethttp, fast, nbio, guni, ngx}
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
