//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"lbws/shared/loop"
	"lbws/shared/loop/looptest"
	"lbws/shared/sock"
	"lbws/shared/stage/stagetest"
)

// The provided buffer ring's structures have the kernel's sizes, and the
// ring's tail lies where struct io_uring_buf_ring puts it: bytes 14-15.
func TestMultishotStructSizes(t *testing.T) {
	if got := unsafe.Sizeof(bufReg{}); got != 40 {
		t.Errorf("struct io_uring_buf_reg: %d bytes; the kernel's is 40", got)
	}
	if got := unsafe.Sizeof(bufEntry{}); got != 16 {
		t.Errorf("struct io_uring_buf: %d bytes; the kernel's is 16", got)
	}
	if got := unsafe.Offsetof(bufEntry{}.resv); got != 14 {
		t.Errorf("the tail (io_uring_buf.resv) at byte %d; the kernel's is at 14", got)
	}
	if got := unsafe.Offsetof(bufEntry{}.bid); got != 12 {
		t.Errorf("io_uring_buf.bid at byte %d; want 12 (publish stores bytes 12-15 whole)", got)
	}
}

// publish stores the tail, and only the tail: the first entry's bid
// keeps its value.
func TestBufRingPublish(t *testing.T) {
	mem := make([]bufEntry, 4)
	b := &bufRing{entries: mem, mask: 3}
	mem[0].bid = 0xbeef
	b.tail = 0x1234
	b.publish()
	if mem[0].bid != 0xbeef || mem[0].resv != 0x1234 {
		t.Fatalf("after publish: bid %#x, tail %#x; want 0xbeef, 0x1234", mem[0].bid, mem[0].resv)
	}
}

// startStats starts the stage with o and returns it with the stats it
// counts into.
func startStats(t *testing.T, cfg loop.Config, o options) (looptest.Server, *stats) {
	t.Helper()
	o.multishot, o.stats = true, &stats{}
	return startWith(o)(t, cfg), o.stats
}

// !+onerecv

// With -multishot a keep-alive connection is served by one RECV
// submission however many requests it sends, and the server by one
// ACCEPT however many connections it takes; single-shot submits a RECV
// per request and an ACCEPT per connection.
func TestMultishotOneRecvPerConnection(t *testing.T) {
	const requests, conns = 20, 3
	for _, k := range []struct {
		name      string
		multishot bool
	}{{"single", false}, {"multishot", true}} {
		t.Run(k.name, func(t *testing.T) {
			st := &stats{}
			ts := startWith(options{multishot: k.multishot, stats: st})(t, loop.Config{Workers: 4})
			var clients []string
			for range conns {
				c := ts.Dial(t)
				clients = append(clients, c.LocalAddr().String())
				r := bufio.NewReader(c)
				for range requests {
					if resp := looptest.Get(t, c, r); resp.StatusCode != 200 {
						t.Fatalf("status %d", resp.StatusCode)
					}
				}
				c.Close()
			}
			ts.Stop(t)
			for _, a := range clients { // the address the ACCEPT gave, or getpeername with -multishot
				if n := ts.Logs.Count(a + " GET /hello 200"); n != requests {
					t.Errorf("%d requests logged from %s; want %d", n, a, requests)
				}
			}
			recvs, accepts := st.recvSQEs.Load(), st.acceptSQEs.Load()
			t.Logf("%d connections, %d requests each: %d RECV and %d ACCEPT submissions", conns, requests, recvs, accepts)
			if !k.multishot {
				if recvs < conns*requests {
					t.Errorf("single-shot: %d RECV submissions; want one per request at least (%d)", recvs, conns*requests)
				}
				return
			}
			if recvs != conns {
				t.Errorf("%d RECV submissions; want one per connection (%d)", recvs, conns)
			}
			if accepts != 1 {
				t.Errorf("%d ACCEPT submissions; want 1", accepts)
			}
		})
	}
}

// !-onerecv

// 200 connections made at once are all accepted by the one multishot
// ACCEPT and answered.
func TestMultishotAccept200AtOnce(t *testing.T) {
	const n = 200
	looptest.RaiseNoFile(t, 2*n+200)
	ts, st := startStats(t, loop.Config{Workers: 16}, options{})
	go200 := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			<-go200
			c, err := net.DialTimeout("tcp", ts.Addr, 10*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			fmt.Fprintf(c, "GET /environ?i=%d HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", i)
			b, err := io.ReadAll(c)
			if want := fmt.Sprintf("QUERY_STRING=i=%d\n", i); err != nil || !strings.Contains(string(b), want) {
				errs <- fmt.Errorf("connection %d: %v, %q; want 200 with %q", i, err, b, want)
			}
		})
	}
	close(go200)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ts.Stop(t)
	if a := st.acceptSQEs.Load(); a != 1 {
		t.Errorf("%d ACCEPT submissions for %d connections; want 1 (the multishot ACCEPT)", a, n)
	}
}

// tiny is a provided buffer ring of two buffers, which one request of
// more than 8 KiB runs dry.
var tiny = options{bufCount: 2, bufSize: 4 << 10}

// !+enobufs

// With a ring of two buffers, 50 clients send a 20 KB request each at
// once: every recv runs the ring dry (ENOBUFS), is submitted again the
// next turn, and every client is answered with its own bytes.
func TestMultishotRingRunsDry(t *testing.T) {
	const n = 50
	for _, m := range []struct {
		name string
		cfg  loop.Config
	}{{"workers", loop.Config{Workers: 8}}, {"inline", loop.Config{Workers: 0}}} {
		t.Run(m.name, func(t *testing.T) {
			ts, st := startStats(t, m.cfg, tiny)
			conns := make([]net.Conn, n)
			for i := range conns {
				conns[i] = ts.Dial(t)
			}
			body := bytes.Repeat([]byte("0123456789"), 2000)
			send := make(chan struct{})
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i, c := range conns {
				wg.Go(func() {
					<-send
					c.SetDeadline(time.Now().Add(20 * time.Second))
					tagged := append([]byte(fmt.Sprintf("%04d", i)), body...)
					go fmt.Fprintf(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s", len(tagged), tagged)
					resp, err := http.ReadResponse(bufio.NewReader(c), nil)
					if err != nil {
						errs <- fmt.Errorf("client %d: %w", i, err)
						return
					}
					got, err := io.ReadAll(resp.Body)
					if err != nil || resp.StatusCode != 200 || !bytes.Equal(got, tagged) {
						errs <- fmt.Errorf("client %d: %d, %d bytes (%v); want 200 and its %d bytes", i, resp.StatusCode, len(got), err, len(tagged))
					}
				})
			}
			close(send)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			ts.Stop(t)
			t.Logf("the ring ran dry %d times", st.enobufs.Load())
			if st.enobufs.Load() == 0 {
				t.Error("the two-buffer ring never ran dry: the test did not exercise ENOBUFS")
			}
			looptest.WaitLog(t, ts.Logs, "ran dry")
		})
	}
}

// !-enobufs

// A pipelined burst of 100 requests (200 KB, fifty 4 KiB buffers and
// more) in one write, through a ring of two buffers, with workers: the
// connection stops wanting to read when 16 requests are queued, the
// bytes that still come are held for it (not handed to it) and its recv
// cancelled; everything is answered in order.
func TestMultishotPipelinedBurstHeld(t *testing.T) {
	const n = 100
	for _, o := range []struct {
		name string
		o    options
	}{{"default-ring", options{}}, {"tiny-ring", tiny}} {
		t.Run(o.name, func(t *testing.T) {
			ts, st := startStats(t, loop.Config{Workers: 8}, o.o)
			c := ts.Dial(t)
			var burst strings.Builder
			pad := strings.Repeat("x", 2000)
			for i := 0; i < n; i++ {
				fmt.Fprintf(&burst, "GET /environ?i=%d HTTP/1.1\r\nHost: t\r\nX-Pad: %s\r\n\r\n", i, pad)
			}
			go io.WriteString(c, burst.String())
			r := bufio.NewReader(c)
			for i := 0; i < n; i++ {
				resp, err := http.ReadResponse(r, nil)
				if err != nil {
					t.Fatalf("response %d of %d: %v", i+1, n, err)
				}
				b, _ := io.ReadAll(resp.Body)
				if want := fmt.Sprintf("QUERY_STRING=i=%d\n", i); !strings.Contains(string(b), want) {
					t.Fatalf("response %d: no %q: out of order or wrong", i+1, want)
				}
			}
			ts.Stop(t)
			t.Logf("%d bytes held, ring ran dry %d times, %d RECV submissions", st.held.Load(), st.enobufs.Load(), st.recvSQEs.Load())
			// With the default ring the recv stays in flight when the
			// queue fills, and the writer has more in the socket: some
			// bytes must have been held, not handed over. (The tiny ring
			// runs dry first: its recv ends before the queue fills.)
			if o.name == "default-ring" && st.held.Load() == 0 {
				t.Error("no byte held while the connection did not want to read: the burst was handed over regardless")
			}
		})
	}
}

// !+einval

// A kernel without a part of -multishot answers EINVAL: serve ends with
// a message naming what is missing and since which Linux. The refusal
// is forced with LBWS_URING_MULTISHOT_EINVAL, which gives the kernel a
// flag it does not know, so the EINVAL is the kernel's own.
func TestMultishotEINVALSaysWhy(t *testing.T) {
	needRing(t)
	for _, x := range []struct{ what, want string }{
		{"register", "provided buffer rings (Linux 5.19)"},
		{"accept", "multishot accept (Linux 5.19)"},
		{"recv", "multishot recv (Linux 6.0)"},
	} {
		t.Run(x.what, func(t *testing.T) {
			t.Setenv(einvalEnv, x.what)
			lfd, err := sock.Listen("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr, err := sock.LocalAddr(lfd)
			if err != nil {
				t.Fatal(err)
			}
			stop := make(chan struct{})
			defer close(stop)
			done := make(chan error, 1)
			go func() { done <- serve(stop, lfd, loop.Config{Workers: 2}, options{multishot: true}) }()
			if x.what == "recv" {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				io.WriteString(c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
			}
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("serve still running 10s after the kernel refused %s", x.what)
			}
			var me *multishotError
			if !errors.As(err, &me) || !errors.Is(err, unix.EINVAL) {
				t.Fatalf("serve: %v; want a multishotError with EINVAL", err)
			}
			for _, w := range []string{x.want, "run without -multishot", "forced by " + einvalEnv} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err, w)
				}
			}
		})
	}
}

// !-einval

// The stage itself, with -multishot on a kernel that refuses the
// provided buffer ring, exits with status 1 and the message before it
// serves.
func TestMultishotEINVALExits(t *testing.T) {
	needRing(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$", "-addr", "127.0.0.1:0", "-multishot")
	cmd.Env = append(os.Environ(), "LBWS_STAGETEST_MAIN=1", einvalEnv+"=register")
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("%v, output %q; want exit status 1", err, out)
	}
	for _, w := range []string{"-multishot", "IORING_REGISTER_PBUF_RING", "Linux 5.19", "run without -multishot"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("message %q lacks %q", out, w)
		}
	}
	if strings.Contains(string(out), "serving") {
		t.Errorf("output %q: the stage started serving", out)
	}
}

// nofileEnv, set to a number in a child's environment, makes TestMain
// lower the child's soft limit on open descriptors to it before main
// runs.
const nofileEnv = "LBWS_TEST_NOFILE"

// limitNoFileIfAsked applies nofileEnv, if set.
func limitNoFileIfAsked() {
	v := os.Getenv(nofileEnv)
	if v == "" {
		return
	}
	n, err := strconv.ParseUint(v, 10, 64)
	var lim unix.Rlimit
	if err == nil {
		err = unix.Getrlimit(unix.RLIMIT_NOFILE, &lim)
	}
	if err == nil {
		lim.Cur = n
		err = unix.Setrlimit(unix.RLIMIT_NOFILE, &lim)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s=%s: %v\n", nofileEnv, v, err)
		os.Exit(3)
	}
}

// With -multishot, out of descriptors: the multishot ACCEPT completes
// with EMFILE, which ends it; the stage pauses, submits it again after
// the pause, and once descriptors are free the connection that waited
// in the listen queue is answered, as are new ones.
//
// The shared test (looptest.OutOfDescriptorsRecovers) lowers the limit
// of a running stage, which a multishot ACCEPT in flight never sees: the
// kernel reads RLIMIT_NOFILE when the ACCEPT is submitted
// (io_accept_prep's accept->nofile), once for all the connections it
// accepts. So here the stage starts under a low limit (nofileEnv), and
// its table is filled with connections.
func TestMultishotOutOfDescriptorsRecovers(t *testing.T) {
	needRing(t)
	needMultishot(t)
	t.Setenv(nofileEnv, "40")
	p := stagetest.StartProcess(t, "-addr", "127.0.0.1:0", "-delay", "0", "-multishot")
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	var waiting net.Conn // the connection made once the table is full
	for waiting == nil {
		if len(held) >= 40 {
			t.Fatalf("%d connections served under a limit of 40 descriptors, and no EMFILE logged", len(held))
		}
		c, err := net.Dial("tcp", p.Addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
		r := bufio.NewReader(c)
		answered := false
		for end := time.Now().Add(20 * time.Second); !answered && waiting == nil; {
			if time.Now().After(end) {
				t.Fatalf("connection %d: neither answered nor EMFILE logged within 20s", len(held)+1)
			}
			c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			if _, err := r.Peek(1); err == nil {
				answered = true
			} else if p.Stderr.Count("too many open files") > 0 {
				waiting = c
			}
		}
		if answered {
			held = append(held, c)
		}
	}
	if p.Exited() {
		t.Fatal("the stage exited when its descriptors ran out")
	}
	for _, c := range held[:4] { // free a few of the stage's descriptors
		c.Close()
	}
	held = held[4:]
	waiting.SetDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(waiting), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the connection made while out of descriptors, once some were freed: %v; want 200", err)
	}
	waiting.Close()
	if err := looptest.OneConn(p.Addr, 1); err != nil {
		t.Fatalf("a new connection after the descriptors were freed: %v", err)
	}
}

// The probe of -multishot (supportedMultishot: the stage's main and every
// -multishot test run it first) registers its buffer ring with the
// thread that made the ring, even if its goroutine is pushed off that
// thread in between: the ring is SINGLE_ISSUER, and the kernel answers
// io_uring_register from another thread with EEXIST (issue 23, where the
// Go scheduler moved it under load). The hook between the setup and the
// registration has a helper goroutine take the probe's thread
// (leaveThread), which moves the probe to another unless it is locked
// to its own.
func TestMultishotProbeStaysOnItsThread(t *testing.T) {
	needRing(t)
	moves := 0
	afterProbeSetup = func() {
		if leaveThread(t) {
			moves++
		}
	}
	defer func() { afterProbeSetup = nil }()
	for i := range 5 {
		if err := supportedMultishot(); err != nil {
			t.Fatalf("probe %d (pushed off its thread %d times so far): %v; want nil", i+1, moves, err)
		}
	}
	t.Logf("the probe's goroutine was moved off its thread %d times in 5 probes", moves)
}

// leaveThread tries to move the calling goroutine off the thread it runs
// on: a new goroutine, which the scheduler runs on this thread as soon
// as the caller waits (unless another thread steals it first), locks
// itself to the thread and holds it until the test ends, so the caller
// resumes on another. It reports whether a helper took the thread (then
// the caller runs elsewhere); a caller locked to its thread
// (runtime.LockOSThread) cannot be moved, and no helper gets it.
func leaveThread(t *testing.T) bool {
	tid := unix.Gettid()
	for range 20 {
		got, hold := make(chan int), make(chan struct{})
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			got <- unix.Gettid()
			<-hold
		}()
		if <-got == tid {
			t.Cleanup(func() { close(hold) })
			if now := unix.Gettid(); now == tid {
				t.Fatalf("still on thread %d, which a helper goroutine holds", tid)
			}
			return true
		}
		close(hold)
	}
	return false
}
