package main

import (
	"fmt"
	"strings"
	"time"
)

// forCheck returns the env check c runs against: e itself, or, for a
// check with serverFlags, a server of its own, the same program started
// again with the flags added; done kills it when the check ends. A
// server that does not start is the check's failure.
func (e *env) forCheck(c check) (*env, *failure) {
	if len(c.serverFlags) == 0 || e.proc == nil {
		return e, nil
	}
	sub := *e
	sub.convs, sub.passNotes, sub.own = nil, nil, true
	flags := append(append([]string{}, e.serverArgs...), c.serverFlags...)
	sub.repro.start = "go run " + pkgPath(e.dir) + " -addr 127.0.0.1:8888 " + strings.Join(flags, " ") + " &"
	p, err := startProcess(e.bin, e.root, append([]string{"-addr", "127.0.0.1:0"}, flags...)...)
	sub.proc = p
	if err != nil {
		f := &failure{kind: kindExited,
			expected: fmt.Sprintf("the server started again with %s (for this check), printing its address", strings.Join(c.serverFlags, " ")),
			got:      err.Error()}
		if p != nil && p.exited() {
			f.got += " (" + p.exitStatus() + ")"
			f.hint = fmt.Sprintf("this check starts the server with %s: the stage's flags (stage.Flags) are the exercise's; does your program still take them?", strings.Join(c.serverFlags, " "))
		}
		return &sub, f
	}
	sub.addr = p.addr
	return &sub, nil
}

// done ends a check's own server (forCheck).
func (e *env) done(parent *env) {
	if e != parent && e.own && e.proc != nil {
		e.proc.kill()
	}
}

// logShown returns what a report shows of the server's log, with its
// title: from the first "panic:" line (the panic and the first lines of
// its trace, where the cause is), or else the last lines.
func logShown(p *process) (string, []string) {
	s := strings.TrimRight(p.stderr.String(), "\n")
	if s == "" {
		return "", nil
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "panic:") || strings.Contains(l, " panic: ") {
			end := min(i+12, len(lines))
			return "the server's log from its panic", lines[i:end]
		}
		if strings.HasPrefix(l, "flag provided but not defined") {
			return "the server's log from its flag error", lines[i:min(i+2, len(lines))]
		}
	}
	return "the server's last log lines", p.logTail(8)
}

// logHint puts a hint the server's log calls for before hint: a
// descriptor used after close shows as "bad file descriptor", whatever
// the check saw.
func logHint(p *process, hint string) string {
	if strings.Contains(strings.ToLower(p.stderr.String()), "bad file descriptor") {
		if hint != "" {
			hint = strings.ToUpper(hint[:1]) + hint[1:]
		}
		return strings.TrimSpace("a descriptor used after close: do you call Closed/forget the fd when you close it? " + hint)
	}
	return hint
}

// loopStage reports whether stage id serves every connection from one
// readiness loop (04 to 06).
func loopStage(id string) bool { return id >= "04" }

// stageHint is the hint of kind k for stage id: where the stages' usual
// causes differ (a timeout in a blocking server is a read that waits; in
// a loop, a socket that is not watched), the stage's own.
func stageHint(id string, k kind) string {
	if k == kindTimeout && loopStage(id) {
		set := map[string]string{
			"04": "is the socket in the fd_set for what it waits for (rd or wr, by its Want), is select's nfds the highest descriptor plus one",
			"05": "is the socket in the pollfd array with the events it waits for (POLLIN, POLLOUT by its Want)",
			"06": "is the socket in the interest list (EPOLL_CTL_ADD at accept, EPOLL_CTL_MOD when its Want changes)",
		}[id]
		if set == "" {
			set = "is the socket watched for what it waits for"
		}
		return "nothing came back in time: " + set + ", and does drive return once the connection wants nothing more (and run for every connection wait.End() returns)?"
	}
	return hints[k]
}

// sigtermHint is the hint of http/sigterm-in-flight for what went
// wrong (cut: the request was cut off; running: the server did not
// exit; status: it exited with an error), by stage: 02's one accept
// loop, 03's parent and children, 04 to 06's readiness loop.
func sigtermHint(id, what string) string {
	switch {
	case id == "03":
		return map[string]string{
			"cut":     "the request in flight was cut off: at SIGTERM the parent closes the listener and asks each child to stop; a child serving a request finishes it before it exits, and the parent waits for them.",
			"running": "at SIGTERM the parent stops accepting and asks its children to stop: a child that does not stop when asked (an idle one closes at once, a busy one after its response) keeps the parent waiting; then return from main.",
			"status":  "a stop the operator asked for is a clean exit (status 0): a child that does not stop when asked (an idle keep-alive child must close its connection at once: the connection's Stop) makes the parent wait, kill it and fail; once the listener is closed and every child has stopped (each asked to, then waited for), return nil.",
		}[what]
	case loopStage(id):
		return map[string]string{
			"cut":     "the request in flight was cut off: at SIGTERM the loop stops accepting (the listener leaves the set) but goes on turning until the connections with a request in flight are answered.",
			"running": "at SIGTERM the loop stops accepting and closes the idle connections, then turns until no request is in flight and returns: does your loop check the stop (the wake-up descriptor) and end when the connections are done?",
			"status":  "a stop the operator asked for is a clean exit: when the loop ends after SIGTERM, serve returns nil.",
		}[what]
	}
	return map[string]string{
		"cut":     "the request in flight was cut off: at SIGTERM, stop accepting (close the listener) but let the connection you are serving finish before you exit.",
		"running": "at SIGTERM, close the listener so the accept loop ends, and return from main once the connection in progress is done.",
		"status":  "a stop the operator asked for is a clean exit: return nil from the accept loop when the listener is closed (sock.ErrClosed).",
	}[what]
}

// flagsBeforeStage returns the grader's command with its own flags
// (-dir, -addr, -v) moved before the stage, when some were written after
// it, where they go to the server: "go run ./shared/cmd/grade -dir X 04";
// "" if there were none.
func flagsBeforeStage(cfg config) string {
	args := cfg.serverArgs
	var grader, rest []string
	for i := 0; i < len(args); i++ {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		switch {
		case !strings.HasPrefix(args[i], "-"):
			rest = append(rest, args[i])
		case name == "v":
			grader = append(grader, args[i])
		case (name == "dir" || name == "addr") && !hasValue && i+1 < len(args):
			grader = append(grader, args[i], args[i+1])
			i++
		case name == "dir" || name == "addr":
			grader = append(grader, args[i])
		default:
			rest = append(rest, args[i])
		}
	}
	if len(grader) == 0 || len(cfg.args) <= len(args) {
		return ""
	}
	before := cfg.args[:len(cfg.args)-len(args)] // the grader's flags, then the stage
	cmd := append(append(append([]string{}, before[:len(before)-1]...), grader...), before[len(before)-1])
	return "go run ./shared/cmd/grade " + strings.Join(append(cmd, rest...), " ")
}

// hasEdge reports whether the server was started edge-triggered (-edge).
func hasEdge(args []string) bool {
	for _, a := range args {
		if a == "-edge" || a == "--edge" || a == "-edge=true" || a == "--edge=true" {
			return true
		}
	}
	return false
}

// edgeNext is what comes after stage 06 passed level-triggered: its
// edge-triggered part (-edge); "" otherwise.
func edgeNext(cfg config) string {
	if cfg.stage.id != "06" || hasEdge(cfg.serverArgs) {
		return ""
	}
	// Flags after the stage go to the server: -edge goes last.
	args := append(append([]string{}, cfg.args...), "-edge")
	return "next: the edge-triggered part (EPOLLET: read, write and accept until EAGAIN): go run ./shared/cmd/grade " + strings.Join(args, " ")
}

// spinNote says, after a timeout, that the server used most of a CPU
// while the check waited (from the check's start): a loop that spins
// instead of waiting. "" if it did not, or /proc cannot tell.
func spinNote(e *env) string {
	if e.proc == nil {
		return ""
	}
	cpu, waited, wall, ok := e.mark.since(e.proc)
	if !ok || wall < time.Second || !spinning(cpu, waited, wall) {
		return ""
	}
	return fmt.Sprintf("your server spent %s in %.1f s: a loop that spins (a socket always ready, a drive that never returns)", cpuText(cpu, waited, 1), wall.Seconds())
}

// spinning reports whether a server that ran for cpu and waited for a
// CPU for waited, in wall, spins: it wanted a CPU (ran or waited to run)
// half the time or more. A server that waits in select, poll or
// epoll_wait wants next to none.
func spinning(cpu, waited, wall time.Duration) bool { return 2*(cpu+waited) >= wall }

// cpuText says how much CPU a server used, and how long it waited for
// one if that counts (a loaded machine), with prec decimals.
func cpuText(cpu, waited time.Duration, prec int) string {
	s := fmt.Sprintf("%.*f s of CPU", prec, cpu.Seconds())
	if waited >= 100*time.Millisecond {
		s += fmt.Sprintf(" (and %.*f s runnable, waiting for one)", prec, waited.Seconds())
	}
	return s
}
