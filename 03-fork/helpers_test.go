package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lbws/shared/stage/stagetest"
)

// TestMain lets the test binary stand in for the stage's binary. The
// parent, in the test process or in one started by
// stagetest.StartProcess, starts os.Executable(), which is this binary,
// and main sees roleEnv and becomes the child. stagetest.StartProcess
// runs main as the parent.
func TestMain(m *testing.M) {
	if os.Getenv(roleEnv) != "" {
		main()
		os.Exit(0)
	}
	stagetest.RunMainIfChild(main)
	// A program built with -race sleeps 1 s before it exits, to catch
	// races at exit (GORACE's atexit_sleep_ms). The children are this
	// binary: without this, each would live a second longer than it
	// serves, and one that gets SIGTERM in that second dies of it.
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	// os/signal starts a goroutine at the first Notify that lives as
	// long as the process; start it now, so the leak checks do not
	// count it against the first server.
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGCHLD)
	signal.Stop(c)
	os.Exit(m.Run())
}

// testServer is serve running in the test process on a loopback port,
// its children started from the test binary.
type testServer struct {
	*stagetest.Server
}

// start runs serve with cfg on 127.0.0.1:0 and stops it when the test
// ends. The parent's log and its children's standard error both go to
// ts.Logs. Unset timeouts get values that keep the tests short.
func start(t *testing.T, cfg config) testServer {
	t.Helper()
	for _, d := range []*time.Duration{&cfg.HeaderTimeout, &cfg.BodyTimeout, &cfg.WriteTimeout, &cfg.IdleTimeout, &cfg.Shutdown} {
		if *d == 0 {
			*d = 5 * time.Second
		}
	}
	cfg.Verbose = true
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	copied := make(chan struct{})
	// Registered before stagetest.Start, so it runs after the server
	// has stopped and every child has exited: then the last write end
	// is the test's.
	t.Cleanup(func() {
		w.Close()
		<-copied
		r.Close()
	})
	cfg.Stderr = w
	ts := stagetest.Start(t, func(stop <-chan struct{}, lfd int, logs io.Writer) error {
		go func() {
			io.Copy(logs, r)
			close(copied)
		}()
		cfg.Log = log.New(logs, name+": ", 0)
		return serve(stop, lfd, cfg)
	})
	ts.StopTimeout = cfg.Shutdown + 5*time.Second
	return testServer{ts}
}

// get sends a GET for path on c and reads the response.
func get(t *testing.T, c net.Conn, br *bufio.Reader, path string, extra ...string) (*http.Response, string) {
	t.Helper()
	raw := "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + strings.Join(extra, "") + "\r\n"
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatalf("sending %q: %v", raw, err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("sent %q: reading the response: %v", raw, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("sent %q: reading the body: %v", raw, err)
	}
	return resp, string(body)
}

// pidOn asks the connection c which process serves it (GET /pid).
func pidOn(t *testing.T, c net.Conn, br *bufio.Reader, extra ...string) int {
	t.Helper()
	resp, body := get(t, c, br, "/pid", extra...)
	pid, err := strconv.Atoi(strings.TrimSpace(body))
	if resp.StatusCode != 200 || err != nil {
		t.Fatalf("GET /pid: %d %q", resp.StatusCode, body)
	}
	return pid
}

// workersUp waits until n different prefork workers have answered GET
// /pid, each on a new connection, so that all n wait in accept.
func workersUp(t *testing.T, addr string, n int) []int {
	t.Helper()
	var pids []int
	deadline := time.Now().Add(20 * time.Second)
	for len(pids) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only workers %v answered within 20 s; want %d", pids, n)
		}
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		pid := pidOn(t, c, bufio.NewReader(c))
		c.Close()
		if !slices.Contains(pids, pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// proc is a process as /proc shows it.
type proc struct {
	pid   int
	state byte // R, S, Z (zombie), ...
}

// childrenOf lists the processes whose parent is ppid, zombies included,
// from /proc/<pid>/stat.
func childrenOf(t *testing.T, ppid int) []proc {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	var kids []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, ok := stat(pid)
		if ok && st.ppid == ppid {
			kids = append(kids, proc{pid: pid, state: st.state})
		}
	}
	return kids
}

// procStat is what the tests read from /proc/<pid>/stat.
type procStat struct {
	state byte // R, S, Z (zombie), ...
	ppid  int  // the parent's pid
}

// stat reads /proc/<pid>/stat; ok is false if the process is gone. The
// command name (field 2) is in parentheses and may hold spaces and
// parentheses itself, so the fields are counted after its last ')'.
func stat(pid int) (st procStat, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return st, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return st, false
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil || len(f[0]) != 1 {
		return st, false
	}
	return procStat{state: f[0][0], ppid: ppid}, true
}

// running reports whether pid is a process that has not exited (a
// zombie has exited).
func running(pid int) bool {
	st, ok := stat(pid)
	return ok && st.state != 'Z'
}

// waitFor polls cond every 20 ms until it holds or timeout passes, and
// reports whether it held.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// openFds lists the descriptors open in this process, as "3 -> socket:[123]".
func openFds(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	var fds []string
	for _, e := range entries {
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil {
			continue // the descriptor ReadDir used, gone by now
		}
		fds = append(fds, e.Name()+" -> "+target)
	}
	slices.Sort(fds)
	return fds
}

// rchar returns how many bytes process pid has read so far with read(2)
// and its kin, from sockets too (rchar in /proc/<pid>/io); ok is false if
// that cannot be read.
func rchar(pid int) (n int64, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, found := strings.CutPrefix(line, "rchar: "); found {
			n, err := strconv.ParseInt(v, 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// readCounts is how much each of some processes had read at one moment
// (see rchar), by pid.
type readCounts map[int]int64

// readsOf takes the readCounts of pids. Take them before sending the
// requests whose reading waitRead then waits for.
func readsOf(t *testing.T, pids ...int) readCounts {
	t.Helper()
	rc := readCounts{}
	for _, pid := range pids {
		n, ok := rchar(pid)
		if !ok {
			t.Skipf("cannot read /proc/%d/io", pid)
		}
		rc[pid] = n
	}
	return rc
}

// waitRead waits until at least want of the processes in before have read
// n bytes more than they had then: each has taken a request of n bytes
// off its connection (the request loop reads a small request in one
// read), and is in the app. A state, where a sleep would guess: a loaded
// machine may take any time to get there.
func waitRead(t *testing.T, before readCounts, n, want int) {
	t.Helper()
	done := func() int {
		k := 0
		for pid, was := range before {
			if now, ok := rchar(pid); ok && now-was >= int64(n) {
				k++
			}
		}
		return k
	}
	if !waitFor(10*time.Second, func() bool { return done() >= want }) {
		t.Fatalf("only %d of the processes %v read a request of %d bytes within 10 s; want %d", done(), before, n, want)
	}
}
