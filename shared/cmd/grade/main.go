// Command grade checks a learner's server, stage by stage: it builds the
// exercise of a stage, starts it, talks to it over loopback and stops at
// the first check that fails, with a report that says what it sent, what
// came back, what it expected, a shell command that does the same, and a
// hint. Run it from the repository root:
//
//	go run ./shared/cmd/grade 01          # builds and grades 01-echo/exercise
//	go run ./shared/cmd/grade -v 02       # shows every exchange, passed ones too
//	go run ./shared/cmd/grade -dir 01-echo 01            # grades the stage itself (the solution)
//	go run ./shared/cmd/grade -addr 127.0.0.1:8888 02    # a server you started, in any language
//	go run ./shared/cmd/grade -dir 06-epoll 06 -edge      # flags after the stage go to the server
//	go run ./shared/cmd/grade -dir 07-io-uring 07         # 07 has no exercise yet: grades the stage
//
// A stage's checks are its own and every earlier stage's that still
// apply: 01's echo checks apply to 01 only (02 on speak HTTP), 02's HTTP
// checks to 02 and every later stage, 03's concurrency check to 03 and
// later, and so on. A stage whose exercise is not written yet (see
// stages.go) is graded with -dir or -addr only.
//
// Stage 01 (a TCP echo server): a line comes back; 8 MiB sent in
// pieces comes back whole (the server must write everything each read
// returned, partial writes included: the grader interrupts a write that
// blocks, so a server that ignores write's count loses bytes); two
// clients one after the other; a client that sends nothing and closes,
// and one that resets, do not end the server; no descriptor leak after
// 200 connections.
//
// Stage 02 (an HTTP/1.1 server, one request per connection): GET /hello
// is answered 200 "Hello World" and the server closes the connection; a
// request split over two writes is read whole before it is answered; a
// POST /echo body comes back; a malformed request line is answered 400
// and the server goes on serving; no descriptor leak after 200
// connections; SIGTERM lets the request in flight finish. These checks
// apply to every later stage too, except that from 03 on a server may
// keep the connection open after a response (it must still close after
// a 400); the real stages 03 to 06 pass them. From 02 on the
// descriptor check makes 500 connections.
//
// Stage 03 (a process per connection): one connection is held in the
// middle of its request (half a head, which the server has read) while
// another must be answered first; a server that serves one connection
// at a time cannot, whatever its listen queue holds, because the first
// is completed only after the second is answered (this check applies
// from 03 on). Children that exit are reaped: no zombie is left after
// the connections. The descriptor count and the wait for an idle server
// look at the whole process tree (the server is started as the leader
// of a session of its own, which its children share), and after SIGTERM
// no child may outlive the server; the grader kills the whole session
// when it is done, or interrupted.
//
// Stage 04 (one select loop), and 05 and 06: a client that sends its
// request in three pieces (half a head; the rest and half a body; the
// rest) does not delay another client between its pieces; a client
// that sends POST /echo with 8 MiB and never reads does not stop another
// client (the grader waits until the server's end of that connection
// holds bytes the client's full window will not take).
//
// Stage 05 (poll) and 06: 2,000 idle keep-alive connections, each after
// one answered request (lbws/shared/hold), are held while another
// client is answered, and the first and the last are still served.
// The grader raises its own descriptor limit to the hard limit, which
// a server it starts inherits, and says so if that is too low.
//
// Stage 06 (epoll): 100 pipelined GETs in one write, about 95 KiB with
// a padding header, more than one 64 KiB read yet within the kernel's
// first receive window, are all answered, in order: an edge-triggered
// loop that stops reading before EAGAIN waits for an event that never
// comes. Then 12 pipelined POSTs with bodies of 8,900 bytes in one
// write, about 105 KiB: a read of 64 KiB takes 7, too few to fill the
// connection's queue of pipelined requests, so the connection wants to
// read throughout and its registration never changes. A loop that reads
// once per event can pass the first burst when its app runs on workers
// (the queue fills, and the EPOLL_CTL_MOD that asks for Read again
// makes epoll re-check the socket); it cannot pass this one, on workers
// or inline. Whether one read finds more than it takes is the kernel's
// timing, so this burst is sent up to 5 times, on a new connection
// each, and a loop that reads until EAGAIN answers every one.
//
// 200 connections queued while the server is stopped (SIGSTOP) are all
// answered (an edge-triggered loop that accepts a batch per event
// leaves the rest). With -edge, each connection's registration in the
// server's epoll interest list (/proc/PID/fdinfo) has EPOLLET.
//
// Checks that wrong servers of trial learners passed before (see
// loopchecks.go): from 02, a request followed by a half-close is
// answered; a request whose body the app ignores gets its response and
// a clean close, not a reset (the lingering close); half a head gets 408
// after -header-timeout; 8 MiB echoed to a client that reads only once
// the server's socket is full comes back whole (partial writes); and
// 02's responses say Connection: close. From 03, an idle keep-alive
// connection is closed after -idle-timeout. From 04, the server's CPU
// time stays under half the wall time while a connection is idle and
// while an app runs for a client that has reset (a loop that spins
// fails, and a timeout's report says how much CPU the server spent);
// at 04, 1,100 silent connections, past FD_SETSIZE, leave the server
// alive to answer the next client. A check that needs a short timeout
// or a slow app starts a copy of the server with that flag added
// (-header-timeout 1s, -idle-timeout 1s, -delay 1s) and stops it after.
//
// Stage 07 (io_uring) has no exercise yet: go run ./shared/cmd/grade
// -dir 07-io-uring 07 (-dir may also follow the stage) grades the stage
// with 06's checks but the edge-triggered ones, which a completion loop
// has no edges to miss. Where io_uring is refused (a container's seccomp
// profile, the sysctl kernel.io_uring_disabled, an old kernel, not
// Linux), the stage exits with a message that says why, and the report
// says that, not that the program is wrong.
//
// The grader builds the program with "go build" into a temporary
// directory and starts it with "-addr 127.0.0.1:0"; the program prints
// its address on its first line of output (the grader takes the first
// host:port in it). With -addr it talks to a server already running
// instead; the checks that need the process (its descriptor count, a
// signal) are then skipped, and say so.
//
// A failure reports the check's name and why it matters, the bytes each
// connection sent and received (quoted as Go's %q, long ones cut, with
// their count), expected versus got, a hint for the kind of failure (a
// reset, a timeout, a refused connection, an early end of file, a
// growing descriptor count, a server that exited), a shell command
// (printf piped to nc, or curl) that does the same against a server you
// start yourself, and the server's last log lines. Then it says which
// stage passed, or what to fix, and what the next stage asks.
//
// Exit status: 0 when every check passes, 1 when one fails, 2 on a usage
// error or a program that does not build (the compiler's output is
// shown).
//
// Every check is bounded in time (a read waits at most 5 s) and
// deterministic: where a check must know that the server has read what
// was sent (a request split in two), it waits for the kernel's receive
// queue of the server's socket to drain (sock_diag, or /proc/net/tcp),
// not for a guessed time.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	// The servers the grader starts are in sessions of their own, which
	// the terminal's Ctrl-C does not reach: kill them on the way out.
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigc
		running.killAll()
		fmt.Fprintf(os.Stderr, "grade: %v: stopped the server and its children\n", sig)
		os.Exit(exitFail)
	}()
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr, "."))
}

// Exit statuses.
const (
	exitPass  = 0 // every check passed
	exitFail  = 1 // a check failed
	exitUsage = 2 // bad arguments, or the program does not build
)

// The bounds of every wait. A correct server answers in milliseconds
// (the article's /hello sleeps 200 ms); these are generous so that a
// loaded machine does not fail one.
const (
	ioTimeout  = 5 * time.Second // one read, one write, a connect
	closeAfter = 3 * time.Second // a server closing after its response, or its descriptors going back down
)

// config is what the command line asks for.
type config struct {
	stage      stage    // the stage to grade
	dir        string   // the program to build, relative to root
	addr       string   // a running server; "" to build and start dir
	verbose    bool     // -v: show every exchange
	serverArgs []string // passed to the server after -addr (the arguments after STAGE)
	args       []string // as given, for "run it again"
	root       string   // the directory paths are relative to (the repository root)
	buildFlags []string // added to "go build" (the tests build mutants with -overlay)
}

// realMain runs the grader with args, writes the report to out and
// returns the exit status. root is the repository root, which -dir and
// the default exercise directories are relative to.
func realMain(args []string, out, errw io.Writer, root string) int {
	return realMainBuild(args, out, errw, root, nil)
}

// realMainBuild is realMain with buildFlags added to "go build".
func realMainBuild(args []string, out, errw io.Writer, root string, buildFlags []string) int {
	fs := flag.NewFlagSet("grade", flag.ContinueOnError)
	fs.SetOutput(errw)
	dir := fs.String("dir", "", "the program to grade, a package directory relative to the repository root (default: the stage's exercise, NN-name/exercise)")
	addr := fs.String("addr", "", "grade a server already listening on `host:port` (any language) instead of building one")
	verbose := fs.Bool("v", false, "show every exchange, not only the failing one")
	fs.Usage = func() {
		fmt.Fprintf(errw, "usage: go run ./shared/cmd/grade [-v] [-dir path | -addr host:port] STAGE [server flags]\n\n")
		fmt.Fprintf(errw, "Builds and starts a stage's exercise (01-echo/exercise, ...), checks it and\n"+
			"every earlier stage's checks that apply, and stops at the first failure with\n"+
			"a report: the bytes sent and received, a command that reproduces it, a hint.\n"+
			"STAGE is 01, 02, ... (or 01-echo). Flags after STAGE go to the server the\n"+
			"grader starts (go run ./shared/cmd/grade -dir 06-epoll 06 -edge), except\n"+
			"-dir, which no stage has. A stage without an exercise yet (07) is graded\n"+
			"with -dir or -addr.\n"+
			"Exit status 0: passed, 1: a check failed,\n"+
			"2: usage or build error. See the package documentation for the checks.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass
		}
		return exitUsage
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return exitUsage
	}
	st, ok := findStage(fs.Arg(0))
	if !ok {
		fmt.Fprintf(errw, "grade: no stage %q; the stages are %s\n", fs.Arg(0), stageList())
		return exitUsage
	}
	serverArgs := fs.Args()[1:]
	if d, rest, ok := takeDir(serverArgs); ok && *dir == "" {
		// "grade 07 -dir 07-io-uring": no stage has a -dir flag, so
		// this one is the grader's.
		*dir, serverArgs = d, rest
	}
	if !st.ready && *dir == "" && *addr == "" {
		fmt.Fprintf(errw, "grade: stage %s (%s) has no exercise yet (%s).\n"+
			"Its checks grade the stage itself: go run ./shared/cmd/grade -dir %s %s\n"+
			"or a server you started: go run ./shared/cmd/grade -addr 127.0.0.1:8888 %s\n", st.id, st.dir, readyList(), st.dir, st.id, st.id)
		return exitUsage
	}
	if *dir != "" && *addr != "" {
		fmt.Fprintf(errw, "grade: -dir and -addr exclude each other: -addr grades a server already running\n")
		return exitUsage
	}
	if len(serverArgs) > 0 && serverArgs[0] == "--" {
		serverArgs = serverArgs[1:]
	}
	if len(serverArgs) > 0 && *addr != "" {
		fmt.Fprintf(errw, "grade: flags after the stage go to the server the grader starts; with -addr you started it\n")
		return exitUsage
	}
	cfg := config{stage: st, dir: *dir, addr: *addr, verbose: *verbose, serverArgs: serverArgs, args: args, root: root, buildFlags: buildFlags}
	if cfg.dir == "" {
		cfg.dir = st.exercise()
	}
	return grade(cfg, out, errw)
}

// grade builds and starts the server (unless cfg.addr is set), runs the
// checks and prints the report.
func grade(cfg config, out, errw io.Writer) int {
	st := cfg.stage
	fmt.Fprintf(out, "grading stage %s (%s): %s\n", st.id, st.dir, st.title)
	// The held connections of 05 and 06 need descriptors, in the grader
	// and in the server, which inherits the raised limit.
	fdLimit := raiseFdLimit()
	e := &env{addr: cfg.addr, out: out, stage: st.id, oneRequest: st.oneRequest, fdLimit: fdLimit, serverArgs: cfg.serverArgs}
	if cfg.addr == "" {
		tmp, err := os.MkdirTemp("", "grade-")
		if err != nil {
			fmt.Fprintf(errw, "grade: %v\n", err)
			return exitUsage
		}
		running.addDir(tmp)
		defer running.removeDir(tmp)
		if _, err := os.Stat(filepath.Join(cfg.root, cfg.dir)); err != nil {
			fmt.Fprintf(errw, "grade: %s: no such directory (-dir is relative to the repository root; run the grader from there)\n", cfg.dir)
			return exitUsage
		}
		fmt.Fprintf(out, "building %s\n", pkgPath(cfg.dir))
		bin, err := build(cfg.root, cfg.dir, tmp, cfg.buildFlags...)
		if errors.Is(err, errNoCompile) {
			fmt.Fprintf(out, "\n%s does not compile; the compiler says:\n\n%s\n", pkgPath(cfg.dir), indent(compilerOutput(err), "  "))
			fmt.Fprintf(out, "\nFix the error and run again: %s\n", again(cfg))
			return exitUsage
		}
		if err != nil {
			fmt.Fprintf(errw, "grade: %v\n", err)
			return exitUsage
		}
		extra := ""
		if len(cfg.serverArgs) > 0 {
			extra = " " + strings.Join(cfg.serverArgs, " ")
		}
		fmt.Fprintf(out, "starting it: %s -addr 127.0.0.1:0%s\n", pkgPath(cfg.dir), extra)
		p, err := startProcess(bin, cfg.root, append([]string{"-addr", "127.0.0.1:0"}, cfg.serverArgs...)...)
		if p != nil {
			defer p.kill()
		}
		e.proc, e.bin, e.root, e.dir = p, bin, cfg.root, cfg.dir
		e.repro = reproTarget{host: "127.0.0.1", port: "8888", start: "go run " + pkgPath(cfg.dir) + " -addr 127.0.0.1:8888" + extra + " &"}
		if err != nil {
			f := &failure{kind: kindExited, expected: "a first line of output with the address it listens on", got: err.Error()}
			if p != nil && p.exited() {
				f.got += " (" + p.exitStatus() + ")"
				if msg, ok := uringRefused(p); ok {
					f = &failure{kind: kindNoURing, expected: "io_uring(7) allowed here, for the stage to start", got: msg + " (" + p.exitStatus() + ")"}
				}
			}
			fmt.Fprintln(out)
			if fixed := flagsBeforeStage(cfg); fixed != "" && p != nil && p.exited() {
				f.hint = "flags after the stage go to the server, and grader flags go before the stage: " + fixed
			}
			return finish(cfg, e, startCheck(), f, 0)
		}
		e.addr = p.addr
	} else {
		host, port, _ := strings.Cut(cfg.addr, ":")
		if i := strings.LastIndex(cfg.addr, ":"); i >= 0 {
			host, port = strings.Trim(cfg.addr[:i], "[]"), cfg.addr[i+1:]
		}
		e.repro = reproTarget{host: host, port: port}
		fmt.Fprintf(out, "checking the server at %s\n", cfg.addr)
	}
	fmt.Fprintln(out)
	checks := checksFor(st.id)
	passed := 0
	for _, c := range checks {
		if c.process && e.proc == nil {
			fmt.Fprintf(out, "SKIP %s: it needs the server's process, which -addr does not give\n", c.name)
			continue
		}
		if c.proc && runtime.GOOS != "linux" {
			fmt.Fprintf(out, "SKIP %s: it reads the server's /proc entries, which only Linux has\n", c.name)
			continue
		}
		e.convs = nil
		// A check with serverFlags grades a server of its own, started
		// with them; it is killed when the check ends.
		run, f := e.forCheck(c)
		if f == nil {
			run.mark = markCPU(run.proc)
			f = c.run(run)
		}
		for _, v := range run.convs {
			if !v.closed {
				v.close()
			}
		}
		if f == nil && run.proc != nil && run.proc.exited() && !c.endsProcess {
			f = &failure{kind: kindExited, expected: "the server still running after the check", got: "it exited (" + run.proc.exitStatus() + ")"}
		}
		if f != nil {
			code := finish(cfg, run, c, f, passed)
			run.done(e)
			return code
		}
		run.done(e)
		passed++
		fmt.Fprintf(out, "PASS %s\n", c.name)
		if cfg.verbose {
			for _, n := range run.passNotes {
				fmt.Fprintf(out, "     %s\n", n)
			}
			for _, v := range run.convs {
				fmt.Fprint(out, v.describe("     "))
			}
		}
	}
	fmt.Fprintf(out, "\nstage %s (%s) passed: %d checks.\n", st.id, st.dir, passed)
	if edge := edgeNext(cfg); edge != "" {
		// 06 passed level-triggered: its edge-triggered part comes
		// before the next stage.
		fmt.Fprintf(out, "%s\n", edge)
	} else if next, ok := nextStage(st); ok {
		fmt.Fprintf(out, "next: stage %s (%s) asks for %s.\n", next.id, next.dir, next.asks)
		if next.ready {
			fmt.Fprintf(out, "  write it in %s (hints: %s), then: go run ./shared/cmd/grade %s\n", next.exercise(), next.hints(), next.id)
		} else {
			fmt.Fprintf(out, "  read docs/%s.md; its exercise comes later (its checks grade the stage: go run ./shared/cmd/grade -dir %s %s).\n", next.dir, next.dir, next.id)
		}
	} else {
		fmt.Fprintf(out, "that was the last stage.\n")
	}
	return exitPass
}

// finish prints the report of the failed check c and returns exitFail.
func finish(cfg config, e *env, c check, f *failure, passed int) int {
	out := e.out
	if f.kind != kindExited && f.kind != kindNoURing && e.proc != nil && !c.endsProcess && (f.kind != kindMismatch || e.proc.exited()) {
		// A connection that failed because the server died is
		// reported as the death, with its log, not as the socket error
		// it caused (unless the check itself ends the server).
		// After a timeout or a descriptor count the server had
		// seconds to die; after a reset or a refusal it may be dying
		// now.
		wait := time.Second
		if f.kind == kindTimeout || f.kind == kindFdLeak {
			wait = 0
		}
		if e.proc.waitExit(wait) {
			f = &failure{kind: kindExited, expected: "the server running, to answer this check", got: "it exited (" + e.proc.exitStatus() + ")"}
			e.convs = nil
		}
	}
	fmt.Fprintf(out, "FAIL %s\n", c.name)
	fmt.Fprintf(out, "  why it matters: %s\n", c.why)
	for _, v := range shown(e.convs) {
		fmt.Fprint(out, v.describe("  "))
	}
	fmt.Fprintf(out, "  expected: %s\n", f.expected)
	fmt.Fprintf(out, "  got:      %s\n", f.got)
	for _, n := range f.notes {
		fmt.Fprintf(out, "  %s\n", n)
	}
	if f.kind == kindTimeout {
		if n := spinNote(e); n != "" {
			fmt.Fprintf(out, "  %s\n", n)
		}
	}
	if e.proc != nil {
		if title, lines := logShown(e.proc); len(lines) > 0 {
			fmt.Fprintf(out, "  %s:\n", title)
			for _, l := range lines {
				fmt.Fprintf(out, "    %s\n", l)
			}
		}
	}
	hint := f.hint
	if hint == "" {
		hint = stageHint(e.stage, f.kind)
	}
	if e.proc != nil {
		hint = logHint(e.proc, hint)
	}
	if hint != "" {
		fmt.Fprintf(out, "  hint (%s): %s\n", f.kind, hint)
	}
	switch {
	case c.repro == nil && e.repro.start != "":
		fmt.Fprintf(out, "  reproduce it:\n    %s\n", strings.TrimSuffix(e.repro.start, " &"))
	case c.repro != nil:
		fmt.Fprintf(out, "  reproduce it:\n")
		if e.repro.start != "" {
			fmt.Fprintf(out, "    %s\n", e.repro.start)
		}
		for _, l := range strings.Split(c.repro(e.repro.host, e.repro.port), "\n") {
			fmt.Fprintf(out, "    %s\n", l)
		}
	}
	st := cfg.stage
	fmt.Fprintf(out, "\nstage %s (%s) not passed: %d of %d checks passed, %s failed.\n", st.id, st.dir, passed, len(checksFor(st.id)), c.name)
	fmt.Fprintf(out, "fix it and run again: %s\n", again(cfg))
	if cfg.dir == st.exercise() {
		fmt.Fprintf(out, "hints, from a nudge to nearly the code: %s\n", st.hints())
	}
	return exitFail
}

// takeDir finds -dir (or --dir, -dir=path) among the arguments after the
// stage, and returns its value and the other arguments.
func takeDir(args []string) (dir string, rest []string, ok bool) {
	for i, a := range args {
		if a == "--" {
			return "", args, false
		}
		switch {
		case (a == "-dir" || a == "--dir") && i+1 < len(args):
			return args[i+1], append(append([]string{}, args[:i]...), args[i+2:]...), true
		case strings.HasPrefix(a, "-dir="), strings.HasPrefix(a, "--dir="):
			_, v, _ := strings.Cut(a, "=")
			return v, append(append([]string{}, args[:i]...), args[i+1:]...), true
		}
	}
	return "", args, false
}

// uringRefused finds, in the log of a server that exited, 07-io-uring's
// message that io_uring is refused here (or that it needs Linux), and
// returns its first clause; the log lines of the report show the rest.
func uringRefused(p *process) (string, bool) {
	for _, l := range p.logTail(8) {
		for _, m := range []struct{ mark, end string }{{"io_uring is refused", "): "}, {"io_uring(7) is Linux-only", ". "}} {
			if i := strings.Index(l, m.mark); i >= 0 {
				msg := l[i:]
				if j := strings.Index(msg, m.end); j >= 0 {
					msg = msg[:j+1]
				}
				return msg, true
			}
		}
	}
	return "", false
}

// shown returns the connections a report shows: the last three.
func shown(cs []*conv) []*conv {
	if len(cs) > 3 {
		return cs[len(cs)-3:]
	}
	return cs
}

// again is the command that runs the grader again with the same
// arguments.
func again(cfg config) string {
	return "go run ./shared/cmd/grade " + strings.Join(cfg.args, " ")
}

// compilerOutput returns what the go command printed for a failed build.
func compilerOutput(err error) string {
	_, rest, _ := strings.Cut(err.Error(), "\n")
	return strings.TrimRight(rest, "\n")
}

// indent prefixes every line of s.
func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// reproTarget is the server a reproducing command talks to.
type reproTarget struct {
	host, port string
	start      string // the command that starts it, "" when the learner did (-addr)
}

// env is what a check runs against.
type env struct {
	addr  string      // where the server listens
	proc  *process    // the server the grader started; nil with -addr
	out   io.Writer   // the report
	repro reproTarget // for the reproducing commands
	convs []*conv     // the connections of the running check
	stage string      // the id of the stage graded
	// oneRequest: the stage answers one request per connection and
	// closes (02); later stages may keep a connection open.
	oneRequest bool
	// fdLimit is the grader's descriptor limit (RLIMIT_NOFILE), raised
	// to its hard limit; the server the grader starts inherits it.
	fdLimit uint64
	// bin, root and dir are the program the grader built, where it
	// runs and its directory, and serverArgs the flags after the stage:
	// a check with serverFlags starts another copy with them.
	bin, root, dir string
	serverArgs     []string
	// own: this env is a check's own server (serverFlags), killed when
	// the check ends.
	own bool
	// mark is the server's CPU time when the check began, for a
	// timeout's report (a loop that spins).
	mark cpuMark
	// passNotes are lines a passing check shows with -v (a measurement).
	passNotes []string
}

// raiseFdLimit raises the soft limit on open descriptors to the hard
// limit and returns it. Go raises its own soft limit at start but gives
// the programs it starts the original one back, unless the program sets
// the limit itself, as here: the server inherits the raised limit.
func raiseFdLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	if rl.Cur < rl.Max {
		up := rl
		up.Cur = up.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &up) == nil {
			rl = up
		}
	}
	return rl.Cur
}

// signal sends sig to the server the grader started.
func (e *env) signal(sig syscall.Signal) error { return e.proc.signal(sig) }

// exercise is the directory of the stage's exercise.
func (s stage) exercise() string { return filepath.ToSlash(filepath.Join(s.dir, "exercise")) }

// hints is the path of the stage's hints.
func (s stage) hints() string { return s.exercise() + "/hints.md" }
