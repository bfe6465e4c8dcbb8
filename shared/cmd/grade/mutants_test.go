package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mutant is a real stage with one line changed, as a learner might get
// it wrong: the grader builds the stage with the changed file in its
// place (go build -overlay), so the repository is not touched.
type mutant struct {
	name     string
	file     string // relative to the repository root
	old, new string // old occurs once in file
	args     []string
	check    string // the check that must fail; "" for any
	hint     string // a part of the report
	// golden: the report is stable (no count that depends on the
	// kernel's buffers or on timing), and testdata/mutant-NAME.golden
	// pins it.
	golden bool
}

// mutants are wrong servers that trial learners wrote and that passed
// the grader before its loop checks (loopchecks.go): each fails the
// check made for it.
var mutants = []mutant{
	// 02's lessons: the header timeout (docs/breakit/02-no-header-timeout.patch)
	// and the lingering close (docs/breakit/02-no-linger.patch).
	{"02-no-header-timeout", "shared/stage/blocking/serve.go", "\t\tc.sc.SetReadDeadline(start.Add(s.HeaderTimeout))\n", "",
		[]string{"-dir", "02-simple-wsgi", "02"}, "http/header-timeout", "408", true},
	{"02-no-linger", "shared/stage/blocking/serve.go", "func (s *Server) linger(c *Conn) {\n", "func (s *Server) linger(c *Conn) {\n\tif true {\n\t\treturn\n\t}\n",
		[]string{"-dir", "02-simple-wsgi", "02"}, "http/lingering-close", "linger", false}, // the reset may come before or after the client reads the 405
	// 02 answers one request per connection and says so.
	{"02-no-connection-close", "shared/stage/blocking/serve.go", "Close: !s.KeepAlive || c.stopped()", "Close: c.stopped()",
		[]string{"-dir", "02-simple-wsgi", "02"}, "http/hello", "Connection: close", false},
	// 03: one wait4 per SIGCHLD (docs/breakit/03-reap-once.patch), the
	// parent's copy of a connection (docs/breakit/03-parent-keeps-conn.patch),
	// a child that does not stop when asked at SIGTERM.
	{"03-reap-once", "03-fork/children.go", "\tfor {\n\t\tvar ws unix.WaitStatus", "\tfor range 1 {\n\t\tvar ws unix.WaitStatus",
		[]string{"-dir", "03-fork", "03"}, "fork/no-zombies", "& done; wait", false},
	{"03-parent-keeps-conn", "03-fork/serve.go", "\t// client_connection.close() in the parent).\n\tf.Close()\n", "\t// client_connection.close() in the parent).\n",
		[]string{"-dir", "03-fork", "03"}, "http/no-fd-leak", "pgrep -P PID", false},
	{"03-child-ignores-stop", "03-fork/child.go", "\t\t\tc.Stop() // the request", "\t\t\t_ = c // the request",
		[]string{"-dir", "03-fork", "03"}, "http/sigterm-in-flight", "a child that does not stop when asked", false},
	// A close that does not tell the connection (Closed) leaves the loop
	// using the descriptor: the log's "bad file descriptor" hint.
	{"04-close-no-Closed", "04-select/conn.go", "\tc.Closed()", "",
		[]string{"-dir", "04-select", "04"}, "", "a descriptor used after close: do you call Closed", false},
	// Partial writes: marking the whole output sent when write took
	// part of it loses the rest.
	{"04-sent-len", "04-select/conn.go", "\t\tc.Sent(n)\n", "\t\tc.Sent(len(c.Output()))\n",
		[]string{"-dir", "04-select", "04"}, "slow/late-reader", "c.Sent(n)", false},
	{"06-sent-len", "06-epoll/conn.go", "\t\tc.Sent(n)\n", "\t\tc.Sent(len(c.Output()))\n",
		[]string{"-dir", "06-epoll", "06"}, "slow/late-reader", "c.Sent(n)", false},
	// Without POLLOUT the rest of a response waits for nothing.
	{"05-no-pollout", "05-poll/server.go", "\t\tev |= unix.POLLOUT\n", "",
		[]string{"-dir", "05-poll", "05"}, "slow/late-reader", "writable again", false},
	// An epoll loop that does not MOD a connection to EPOLLOUT never
	// writes the response of a request followed by a half-close.
	{"06-no-watch-mod", "06-epoll/server.go", "\t\tc.Watched = w\n\t\ts.ctl(unix.EPOLL_CTL_MOD, c.Fd(), w)", "\t\tc.Watched = w",
		[]string{"-dir", "06-epoll", "06"}, "http/half-close", "EPOLL_CTL_MOD to EPOLLOUT", true},
	// select's nfds is the highest descriptor plus one: one less, and
	// the highest is never reported. The client's wait and the server's
	// header timeout are both 5 s, so the report says timeout or reset,
	// whichever comes first, with the loop's hint either way.
	{"04-nfds-off-by-one", "04-select/server.go", "\treturn top + 1\n", "\treturn top\n",
		[]string{"-dir", "04-select", "04"}, "http/hello", "is select's nfds the highest descriptor plus one", false},
	// A write that retries EAGAIN at once spins until the client reads
	// (docs/breakit/04-write-spins.patch): the timeout says so.
	{"04-write-spins", "04-select/conn.go", "\t\tcase err == unix.EAGAIN:\n\t\t\treturn false", "\t\tcase err == unix.EAGAIN:\n\t\t\tcontinue",
		[]string{"-dir", "04-select", "04"}, "slow/client-never-reads", "a loop that spins (a socket always ready", false},
	// A loop that always watches for writability spins.
	{"04-always-write-set", "04-select/server.go", "\t\tif w&loop.Write != 0 {\n\t\t\twr.Set(c.Fd())\n\t\t}", "\t\twr.Set(c.Fd())",
		[]string{"-dir", "04-select", "04"}, "loop/no-spin", "a loop that spins", false},
	// poll reports a reset connection whose app runs at every turn
	// until a probe settles it (docs/breakit/05-no-probe.patch).
	{"05-no-probe", "05-poll/conn.go", "\t\ts.probe(c)\n", "\t\t_ = s.probe\n",
		[]string{"-dir", "05-poll", "05"}, "loop/no-spin", "probe it", false},
	{"06-no-probe", "06-epoll/conn.go", "\t\ts.probe(c)\n", "\t\t_ = s.probe\n",
		[]string{"-dir", "06-epoll", "06"}, "loop/no-spin", "probe it", false},
	// A loop that never drives what wait.End() returns never closes an
	// idle connection.
	{"04-no-end-drive", "04-select/server.go", "\tfor _, c := range wait.End() {\n\t\ts.drive(c, false)\n\t}", "\twait.End()",
		[]string{"-dir", "04-select", "04"}, "idle/timeout", "wait.End()", true},
	// select without fit dies at descriptor 1024.
	{"04-no-fit", "04-select/accept.go", "\t\tlow, err := fit(fd)", "\t\tlow, err := fd, error(nil)",
		[]string{"-dir", "04-select", "04"}, "fdset/1100-connections", "index out of range", false},
	// -edge with accept capped at a batch per event.
	{"06-edge-accept-batch", "06-epoll/accept.go", "(s.et != 0 || i < acceptBatch)", "i < acceptBatch",
		[]string{"-dir", "06-epoll", "06", "-edge"}, "edge/accept-burst", "accept until accept4 says EAGAIN", false},
	// -edge without EPOLLET in the registration.
	{"06-no-et", "06-epoll/server.go", "Events: events(w) | s.et,", "Events: events(w),",
		[]string{"-dir", "06-epoll", "06", "-edge"}, "edge/registered-edge", "level-triggered", true},
}

// TestMutantsFail grades each mutant and expects its check to fail with
// its hint. Their reports hold counts that depend on the kernel's
// buffers and on timing (the bytes lost, the CPU time), so they are not
// golden tests.
func TestMutantsFail(t *testing.T) {
	root := needGo(t)
	for _, m := range mutants {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			report := gradeMutant(t, root, m)
			t.Log(report)
			failLine := "FAIL " + m.check + "\n"
			if m.check == "" {
				failLine = "\nFAIL "
			}
			if !strings.Contains(report, failLine) || !strings.Contains(report, m.hint) {
				t.Errorf("want FAIL %s and %q in the report:\n%s", m.check, m.hint, report)
			}
			if m.golden {
				golden(t, "mutant-"+m.name, normalize(report))
			}
		})
	}
}

// gradeMutant grades m, built with its change, and returns the report;
// the grader must exit with status 1.
func gradeMutant(t *testing.T, root string, m mutant) string {
	t.Helper()
	path := filepath.Join(root, m.file)
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(src, []byte(m.old)); n != 1 {
		t.Fatalf("%s holds %q %d times; want once (the stage changed: update the mutant)", m.file, m.old, n)
	}
	dir := t.TempDir()
	changed := filepath.Join(dir, filepath.Base(path))
	if err := os.WriteFile(changed, bytes.Replace(src, []byte(m.old), []byte(m.new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	ov, err := json.Marshal(map[string]map[string]string{"Replace": {path: changed}})
	if err != nil {
		t.Fatal(err)
	}
	overlay := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlay, ov, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errw bytes.Buffer
	code := realMainBuild(m.args, &out, &errw, root, []string{"-overlay", overlay})
	if code != exitFail {
		t.Errorf("exit status %d, want 1", code)
	}
	return out.String() + errw.String()
}
