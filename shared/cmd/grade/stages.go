package main

import (
	"sort"
	"strings"
)

// stage is one stage of the tutorial, as the grader knows it.
type stage struct {
	id    string // "01"
	dir   string // "01-echo"
	title string // what the stage is, for the report's first line
	asks  string // what the stage asks of the learner, for "next:"
	ready bool   // it has an exercise and its own checks
	// oneRequest: the stage closes after each response (02), so the
	// HTTP checks expect the close; later stages may keep the
	// connection open for another request.
	oneRequest bool
}

// stages lists every stage in order. Every stage has its checks (a
// sequential server fails from 03 on, slow clients from 04, idle
// connections from 05, edge triggering at 06: see modelChecks); a stage
// that is not ready has no exercise yet, and is graded only with -dir
// (the stage itself) or -addr. Every stage from 01 to 06 is ready; 07
// is not: it is graded with -dir 07-io-uring, by 06's checks but the
// edge-triggered ones (a completion loop has no edges to miss).
var stages = []stage{
	{"01", "01-echo", "a TCP echo server from raw system calls",
		"a TCP echo server from the socket system calls: every byte a client sends comes back, partial writes and EINTR included", true, false},
	{"02", "02-simple-wsgi", "an HTTP/1.1 server, one connection at a time",
		"an HTTP/1.1 server that serves one connection at a time: read a whole request with the shared parser, run the app through the gateway, answer with Connection: close", true, true},
	{"03", "03-fork", "a process per connection",
		"a process per connection: re-execute yourself with the connection as fd 3, and reap the children on SIGCHLD", true, false},
	{"04", "04-select", "one select(2) loop for every connection",
		"one select(2) loop for every connection, over the shared sans-I/O connection: accept and read until EAGAIN, partial writes", true, false},
	{"05", "05-poll", "the select loop on poll(2)",
		"the same loop on poll(2): no FD_SETSIZE limit", true, false},
	{"06", "06-epoll", "the loop on epoll(7)",
		"the same loop on epoll(7), level-triggered, then edge-triggered", true, false},
	{"07", "07-io-uring", "the loop on io_uring(7)",
		"the loop on io_uring(7): completions instead of readiness, one io_uring_enter(2) per turn", false, false},
}

// findStage finds a stage by "01", "1" or "01-echo".
func findStage(arg string) (stage, bool) {
	for _, s := range stages {
		if arg == s.id || arg == s.dir || "0"+arg == s.id || strings.TrimSuffix(arg, "/") == s.dir {
			return s, true
		}
	}
	return stage{}, false
}

// nextStage returns the stage after s.
func nextStage(s stage) (stage, bool) {
	for i := range stages {
		if stages[i].id == s.id && i+1 < len(stages) {
			return stages[i+1], true
		}
	}
	return stage{}, false
}

// readyList says which stages have an exercise, for a usage error.
func readyList() string {
	var ids []string
	for _, s := range stages {
		if s.ready {
			ids = append(ids, s.id)
		}
	}
	return "stages " + strings.Join(ids, ", ") + " have one"
}

// stageList names the stages for a usage error.
func stageList() string {
	ids := make([]string, len(stages))
	for i, s := range stages {
		ids[i] = s.id
	}
	return strings.Join(ids, ", ")
}

// check is one thing the grader verifies.
type check struct {
	name string // "group/name"
	why  string // one sentence: why it matters
	// from and to are the stages the check applies to, "to" empty for
	// every stage from "from" on.
	from, to string
	// process: the check needs the server's process (its descriptors,
	// a signal), so it runs only when the grader started the server.
	process bool
	// proc: the check reads the server's /proc entries (its descriptor
	// count), so it runs on Linux only.
	proc bool
	// endsProcess: the check ends the server (SIGTERM), so its exit is
	// not a failure.
	endsProcess bool
	// serverFlags: the check grades a server of its own, the same
	// program started again with these flags added (a short timeout, a
	// slow app), which it kills when it ends; it needs the process.
	serverFlags []string
	// repro returns shell commands that do what the check does, against
	// host and port.
	repro func(host, port string) string
	// run performs the check; nil means it passed.
	run func(e *env) *failure
}

// allChecks returns every check in the order they run: a check that
// ends the server (SIGTERM) comes last.
func allChecks() []check {
	all := append(echoChecks(), httpChecks()...)
	all = append(all, modelChecks()...)
	all = append(all, loopChecks()...)
	sort.SliceStable(all, func(i, j int) bool { return !all[i].endsProcess && all[j].endsProcess })
	return all
}

// checksFor returns the checks of stage id: its own and every earlier
// stage's that still apply, in order.
func checksFor(id string) []check {
	var out []check
	for _, c := range allChecks() {
		if c.from <= id && (c.to == "" || id <= c.to) {
			out = append(out, c)
		}
	}
	return out
}

// startCheck is the check every run begins with: the server starts and
// prints its address.
func startCheck() check {
	return check{
		name: "start/prints-address",
		why:  "the grader, like the tests and you, learns the server's port from the first line it prints",
	}
}

// kind is the kind of a failure; it picks the hint.
type kind string

// The kinds of failure.
const (
	kindMismatch kind = "wrong answer"
	kindReset    kind = "reset"
	kindTimeout  kind = "timeout"
	kindRefused  kind = "refused"
	kindEOF      kind = "EOF"
	kindFdLeak   kind = "fd leak"
	kindZombie   kind = "zombies"
	kindOrphans  kind = "children left"
	kindExited   kind = "exited"
	kindParse    kind = "parse"
	kindOther    kind = "error"
	kindNoURing  kind = "io_uring refused"
)

// hints are the default hints of each kind; a check may give its own.
var hints = map[kind]string{
	kindReset:   "the connection was reset: did you close before reading the request? Closing a socket with unread bytes in it sends a reset (RST), not a FIN, and the client may lose the answer (RFC 9112 section 9.6).",
	kindTimeout: "nothing came back in time: does your server block in read, waiting for bytes that will not come?",
	kindRefused: "nothing accepted the connection: is it listening on the address it printed?",
	kindEOF:     "the server closed the connection too early: does it read until it has everything, and write everything before it closes?",
	kindFdLeak:  "the server keeps a descriptor for each connection: do you close in every path (end of file, an error, a reset)?",
	kindZombie:  "a child that exits is a zombie until its parent waits for it: on SIGCHLD, call wait4(-1, WNOHANG) in a loop until it returns 0 or ECHILD; one SIGCHLD may stand for several exits (signals of one kind do not queue).",
	kindOrphans: "the server exited and left children running: a parent stops its children (and waits for them) before it exits, or they live on as orphans, holding their connections.",
	kindExited:  "the server exited: its last log lines above say why. A TODO(you) returns \"not implemented\" until you write it; and a server logs a failed connection and goes on, it does not exit.",
	kindNoURing: "nothing in the program is wrong: this machine does not let it use io_uring(7), and its message above says why (a container's seccomp profile, the sysctl kernel.io_uring_disabled, a kernel before 5.11, or not Linux). Grade it on a Linux host or VM that allows io_uring, or grade stage 06 here: go run ./shared/cmd/grade 06.",
	kindParse:   "the answer is not an HTTP/1.1 response (RFC 9112 section 4): a status line \"HTTP/1.1 200 OK\\r\\n\", header lines, an empty line, then the body.",
}

// failure is what a failed check reports.
type failure struct {
	kind     kind
	expected string   // one line
	got      string   // one line
	notes    []string // more lines, after got
	hint     string   // "" for the kind's hint
}

// failed builds a failure from a socket error, with its kind.
func failed(err error, expected, got string) *failure {
	return &failure{kind: kindOf(err), expected: expected, got: got}
}
