package looptest

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"lbws/shared/loop"
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
