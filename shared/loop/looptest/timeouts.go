package looptest

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"lbws/shared/loop"
	"lbws/shared/stage/stagetest"
)

// IdleTimeoutCloses checks the keep-alive idle timeout: a connection
// that has had its response and then sends nothing is closed by the
// server once Config.IdleTimeout passes (the client reads EOF), while
// one that keeps sending requests, each well within the timeout, stays
// open the whole time.
func IdleTimeoutCloses(t *testing.T, start StartFunc, base loop.Config) {
	const idle = 300 * time.Millisecond
	base.IdleTimeout = idle
	ts := start(t, base)
	quiet := ts.Dial(t)
	if resp := Get(t, quiet, bufio.NewReader(quiet)); resp.StatusCode != 200 {
		t.Fatalf("first request: %d; want 200", resp.StatusCode)
	}
	answered := time.Now()
	closed := make(chan error, 1)
	quiet.SetReadDeadline(answered.Add(5 * time.Second))
	go func() {
		_, err := quiet.Read(make([]byte, 1))
		closed <- err
	}()

	busy := ts.Dial(t)
	br := bufio.NewReader(busy)
	last := time.Now()
	var quietErr error
	quietOpen := true
	for quietOpen || time.Since(answered) < 3*idle {
		select {
		case quietErr = <-closed:
			quietOpen = false
		default:
		}
		gap := time.Since(last)
		busy.SetDeadline(time.Now().Add(10 * time.Second))
		resp, err := get(busy, br)
		if err != nil {
			if gap < idle/2 {
				t.Fatalf("a connection that sent its next request %v after its last response: %v; want it kept open (idle timeout %v)", gap.Round(time.Millisecond), err, idle)
			}
			// The client itself was idle too long (a starved
			// goroutine on a loaded machine): nothing to judge.
			t.Logf("busy client paused %v, past half the idle timeout; dialling again", gap.Round(time.Millisecond))
			busy.Close()
			busy = ts.Dial(t)
			br = bufio.NewReader(busy)
		} else if resp.StatusCode != 200 {
			t.Fatalf("busy connection: %d; want 200", resp.StatusCode)
		}
		last = time.Now()
		time.Sleep(idle / 6)
	}
	if quietErr != io.EOF {
		t.Errorf("connection idle since its response: %v; want EOF, closed by the server at the idle timeout (%v)", quietErr, idle)
	}
}

// get sends GET /hello on c and reads the response, returning errors
// rather than failing the test.
func get(c net.Conn, r *bufio.Reader) (*http.Response, error) {
	if _, err := io.WriteString(c, GetHello); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, nil
}

// OutOfDescriptorsRecovers runs the stage's main in a child process
// (the stage's TestMain calls stagetest.RunMainIfChild) with args added
// to its flags, makes its accept fail with EMFILE (too many open files),
// and checks that the stage keeps running and logs it, that the
// connection made meanwhile waits in the listen queue, and that once
// descriptors are free again it is answered, as are new connections.
func OutOfDescriptorsRecovers(t *testing.T, args ...string) {
	p := stagetest.StartProcess(t, append([]string{"-addr", "127.0.0.1:0", "-delay", "0"}, args...)...)
	// Served once: the stage has made its wake-up descriptors, which it
	// does after it prints its address.
	if err := OneConn(p.Addr, 1); err != nil {
		t.Fatalf("first request: %v", err)
	}
	restore := p.RunOutOfFds(t)
	c, err := net.Dial("tcp", p.Addr) // the kernel completes it; accept fails
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(c, "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
	// Let the loop retry its accept a few times (sock.ShortPause apart).
	// Whether one succeeds meanwhile, on a descriptor the stage freed,
	// is not assumed: the response is checked once the limit is back.
	time.Sleep(300 * time.Millisecond)
	if p.Exited() {
		t.Fatal("the stage exited when its descriptors ran out")
	}
	restore()
	all, err := io.ReadAll(c)
	if err != nil || !strings.Contains(string(all), "200 OK") || !strings.Contains(string(all), "Hello World") {
		t.Fatalf("the connection made while out of descriptors, once they were freed: %q, %v; want 200 Hello World", all, err)
	}
	if err := OneConn(p.Addr, 1); err != nil {
		t.Fatalf("a new connection after the descriptors were freed: %v", err)
	}
}
