package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"lbws/shared/stage/stagetest"
)

// keepAlive opens n connections to the stage p that each get a request
// answered and stay open, and returns the connections and the pids that
// serve them.
func keepAlive(t *testing.T, p *stagetest.Process, n int) ([]net.Conn, []int) {
	t.Helper()
	var conns []net.Conn
	var pids []int
	for range n {
		c, err := net.Dial("tcp", p.Addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(20 * time.Second))
		conns = append(conns, c)
		pids = append(pids, pidOn(t, c, bufio.NewReader(c)))
	}
	return conns, pids
}

// No child outlives its parent, not even a parent killed with SIGKILL:
// the children notice (PR_SET_PDEATHSIG on Linux, the parent pipe
// everywhere) and exit, although their clients are still connected and
// their idle timeout is a minute away.
//
// The test process makes itself a subreaper for the test, so the
// orphans become its children instead of init's: it can then see each
// one exit, and reap it, with wait4.
func TestNoOrphanAfterParentIsKilled(t *testing.T) {
	becomeSubreaper(t)
	for _, mode := range [][]string{{}, {"-prefork", "2"}} {
		t.Run(fmt.Sprint("args=", mode), func(t *testing.T) {
			p := stagetest.StartProcess(t, append([]string{"-addr", "127.0.0.1:0", "-idle-timeout", "1m", "-header-timeout", "1m"}, mode...)...)
			var pids []int
			if len(mode) == 0 {
				_, pids = keepAlive(t, p, 2)
			} else {
				pids = workersUp(t, p.Addr, 2)
				idle, err := net.Dial("tcp", p.Addr) // a worker waits for its head
				if err != nil {
					t.Fatal(err)
				}
				defer idle.Close()
			}
			for _, pid := range pids {
				if st, ok := stat(pid); !ok || st.ppid != p.Pid() {
					t.Fatalf("process %d: %+v (found %v); want a child of the stage, %d", pid, st, ok, p.Pid())
				}
			}
			p.Signal(t, syscall.SIGKILL)
			p.Wait(t, 10*time.Second)
			for _, pid := range pids {
				if !waitFor(10*time.Second, func() bool { return reaped(pid) }) {
					st, _ := stat(pid)
					t.Errorf("child %d still running 10 s after its parent was killed (state %c, parent %d)", pid, st.state, st.ppid)
					unix.Kill(pid, unix.SIGKILL)
					waitFor(10*time.Second, func() bool { return reaped(pid) })
				}
			}
		})
	}
}

// A parent killed with SIGKILL leaves every request in progress to be
// finished: each child hears of the death twice (end of file on the
// parent pipe, and the kernel's PR_SET_PDEATHSIG signal), counts it once,
// answers its request with "Connection: close", closes the connection and
// exits with status 0. Before, the second news was taken for a second
// stop signal: every child exited at once, and its client got nothing.
func TestParentKilledChildrenFinishTheirRequests(t *testing.T) {
	becomeSubreaper(t)
	const n = 4
	for _, prefork := range []int{0, n} {
		t.Run(fmt.Sprintf("prefork=%d", prefork), func(t *testing.T) {
			// -delay 3s: the parent is killed while every request is in
			// the app, long before its answer.
			args := []string{"-addr", "127.0.0.1:0", "-delay", "3s"}
			var conns []net.Conn
			var pids []int
			if prefork == 0 {
				p := stagetest.StartProcess(t, args...)
				conns, pids = keepAlive(t, p, n)
				runBusy(t, p, conns, pids)
				return
			}
			p := stagetest.StartProcess(t, append(args, "-prefork", fmt.Sprint(prefork))...)
			// All n workers wait in accept, so each takes one of the n
			// connections below.
			pids = workersUp(t, p.Addr, n)
			for range n {
				c, err := net.Dial("tcp", p.Addr)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close() })
				c.SetDeadline(time.Now().Add(20 * time.Second))
				conns = append(conns, c)
			}
			runBusy(t, p, conns, pids)
		})
	}
}

// runBusy sends GET /hello on every connection in conns, waits until the
// children pids have read them all, kills the stage p with SIGKILL and
// checks that every request is answered, after which the connection
// closes, and that every child exits with status 0.
func runBusy(t *testing.T, p *stagetest.Process, conns []net.Conn, pids []int) {
	t.Helper()
	const req = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
	before := readsOf(t, pids...)
	for _, c := range conns {
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
	}
	// Each child, or worker, has read one request.
	waitRead(t, before, len(req), len(pids))
	p.Signal(t, syscall.SIGKILL)
	p.Wait(t, 10*time.Second)
	for i, c := range conns {
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Errorf("connection %d: no response after the parent was killed: %v", i, err)
			continue
		}
		body, err := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(body) != "Hello World" || err != nil {
			t.Errorf("connection %d: %d %q, %v; want 200 Hello World", i, resp.StatusCode, body, err)
		}
		if !resp.Close {
			t.Errorf("connection %d: the response does not say Connection: close, yet the child exits after it", i)
		}
		if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
			t.Errorf("connection %d: after the response: %q, %v; want the close", i, rest, err)
		}
		c.Close()
	}
	for _, pid := range pids {
		ws, running := waitExit(t, pid, 10*time.Second)
		switch {
		case running:
			st, _ := stat(pid)
			t.Errorf("child %d still running 10 s after its parent was killed (state %c, parent %d)", pid, st.state, st.ppid)
			unix.Kill(pid, unix.SIGKILL)
			waitExit(t, pid, 10*time.Second)
		case !ws.Exited() || ws.ExitStatus() != 0:
			t.Errorf("child %d: %v; want exit status 0", pid, exit{pid: pid, status: ws})
		}
	}
	if n := p.Stderr.Count("again"); n != 0 {
		t.Errorf("%d children took their parent's death for a second signal (see the log below)", n)
	}
}

// becomeSubreaper makes the test process the subreaper of its
// descendants until the test ends: orphans become its children instead
// of init's, so it can see each one exit, and reap it, with wait4. Call
// it first: when the test ends, after the stages it started are gone, it
// kills and reaps any orphan the test left (a test that failed half way),
// so that none stays a zombie of the test process for the tests after.
func becomeSubreaper(t *testing.T) {
	t.Helper()
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, kid := range childrenOf(t, os.Getpid()) {
			unix.Kill(kid.pid, unix.SIGKILL)
			var ws unix.WaitStatus
			unix.Wait4(kid.pid, &ws, 0, nil)
		}
		unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	})
}

// waitExit waits up to timeout for pid, a child of the test or an orphan
// it adopted as subreaper, to exit, reaps it and returns how it ended.
// running is true if it has not exited by then.
func waitExit(t *testing.T, pid int, timeout time.Duration) (ws unix.WaitStatus, running bool) {
	t.Helper()
	var werr error
	done := waitFor(timeout, func() bool {
		got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		werr = err
		return got == pid || err != nil
	})
	if werr != nil {
		t.Fatalf("wait4 %d: %v; want a child of the test", pid, werr)
	}
	return ws, !done
}

// reaped reaps pid if it has exited (it is the test's child, or an
// orphan the test adopted as subreaper) and reports whether it did.
func reaped(pid int) bool {
	var ws unix.WaitStatus
	got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	return got == pid || err == unix.ECHILD
}

// Ctrl-C in a terminal signals the foreground process group. Only the
// parent is in it (each child has a group of its own, which the test
// checks): the parent stops accepting, lets the request in progress
// finish, reaps its children and exits with status 0.
func TestInterruptStopsGracefully(t *testing.T) {
	p := stagetest.StartProcess(t, "-addr", "127.0.0.1:0", "-delay", "1s")
	conns, pids := keepAlive(t, p, 2)
	for _, pid := range pids {
		if pgid, err := unix.Getpgid(pid); err != nil || pgid != pid {
			t.Errorf("child %d in process group %d (%v); want a group of its own", pid, pgid, err)
		}
	}
	busy, req := conns[1], "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
	before := readsOf(t, pids[1])
	io.WriteString(busy, req)
	waitRead(t, before, len(req), 1) // in the app's 1 s sleep
	p.Signal(t, syscall.SIGINT)
	all, err := io.ReadAll(busy)
	if err != nil || !strings.Contains(string(all), "Hello World") || !strings.Contains(string(all), "\r\nConnection: close\r\n") {
		t.Errorf("request in progress at Ctrl-C: %q, %v; want its answer, with Connection: close", all, err)
	}
	if code := p.Wait(t, 10*time.Second); code != 0 {
		t.Errorf("exit status %d; want 0", code)
	}
	for _, pid := range pids {
		if running(pid) {
			t.Errorf("child %d still running after the stage exited", pid)
		}
	}
	if log := p.Stderr.String(); strings.Contains(log, "killed") || strings.Contains(log, "exited") {
		t.Errorf("a child did not end well:\n%s", log)
	}
}

// A child still busy after -shutdown is killed, and the stage exits
// with a non-zero status that says so.
func TestShutdownDeadlineKillsBusyChildren(t *testing.T) {
	p := stagetest.StartProcess(t, "-addr", "127.0.0.1:0", "-delay", "1h", "-shutdown", "500ms")
	conns, pids := keepAlive(t, p, 1)
	req := "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
	before := readsOf(t, pids[0])
	io.WriteString(conns[0], req)
	waitRead(t, before, len(req), 1) // in the app's hour-long sleep
	p.Signal(t, syscall.SIGTERM)
	if code := p.Wait(t, 10*time.Second); code == 0 {
		t.Errorf("exit status 0 with a request still in progress; want non-zero")
	}
	if log := p.Stderr.String(); !strings.Contains(log, "still busy after 500ms: killed") {
		t.Errorf("no line saying children were killed:\n%s", log)
	}
	if running(pids[0]) {
		t.Errorf("busy child %d still running after the stage exited", pids[0])
	}
}
