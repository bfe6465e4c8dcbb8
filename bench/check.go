package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// benchAgent is the User-Agent of bench's own requests (probe, check,
// warm-up); wrk's carry none.
const benchAgent = "lbws-bench"

// helloBody is what every target answers to GET /hello.
const helloBody = "Hello World"

// checkTimeout bounds one check request beyond the app's delay.
const checkTimeout = 5 * time.Second

// closeWait is how long the check waits for the server to close a
// connection after answering Connection: close.
const closeWait = 2 * time.Second

// checked is what the check learned about a target.
type checked struct {
	// bytes is the size of the whole response on the wire, which every
	// response under load should match.
	bytes int
	// closes is true when the server closes the connection after each
	// response although the request asked to keep it.
	closes bool
}

// checkTarget sends the request wrk will send (GET /hello, with
// Connection: close when the workload closes) on a new connection and
// checks the answer as every target must give it: status 200, the body
// "Hello World", Content-Length or chunked framing, and the connection
// kept or closed as the workload expects (RFC 9112 9.6). A server that
// answers a keep-alive request with Connection: close is marked, not
// failed: its keep-alive rows measure new connections.
func checkTarget(ctx context.Context, addr string, w Workload) (checked, error) {
	var c checked
	d := net.Dialer{Timeout: checkTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return c, fmt.Errorf("check: %w", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(checkTimeout + w.Delay))
	cr := &countingReader{r: conn}
	br := bufio.NewReader(cr)
	resp, err := exchange(conn, br, addr, w.KeepAlive)
	if err != nil {
		return c, err
	}
	c.bytes = int(cr.n) - br.Buffered()
	switch {
	case !w.KeepAlive:
		_ = conn.SetDeadline(time.Now().Add(closeWait))
		return c, checkClosed(br)
	case resp.Close:
		c.closes = true
		return c, nil
	}
	// The server kept the connection: it must serve a second request on it.
	_ = conn.SetDeadline(time.Now().Add(checkTimeout + w.Delay))
	if _, err := exchange(conn, br, addr, true); err != nil {
		return c, fmt.Errorf("%w (the second request on a kept-alive connection)", err)
	}
	return c, nil
}

// exchange writes one GET /hello and reads and checks its response.
func exchange(conn net.Conn, br *bufio.Reader, addr string, keepAlive bool) (*http.Response, error) {
	req := "GET /hello HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: " + benchAgent + "\r\n"
	if !keepAlive {
		req += "Connection: close\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		return nil, fmt.Errorf("check: send: %w", err)
	}
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	if err != nil {
		return nil, fmt.Errorf("check: read the response: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("check: read the body: %w", err)
	}
	chunked := len(resp.TransferEncoding) > 0 && resp.TransferEncoding[0] == "chunked"
	switch {
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("check: GET /hello answered status %s, want 200", resp.Status)
	case string(body) != helloBody:
		return nil, fmt.Errorf("check: GET /hello answered %q, want %q", oneLine(string(body), 60), helloBody)
	case resp.ContentLength < 0 && !chunked:
		return nil, errors.New("check: the response has neither Content-Length nor chunked framing: " +
			"its body ends only when the connection closes (RFC 9112 6.3)")
	}
	return resp, nil
}

// checkClosed wants the server to close the connection after a response
// to Connection: close (RFC 9112 9.6).
func checkClosed(br *bufio.Reader) error {
	if _, err := br.ReadByte(); err == nil {
		return errors.New("check: the server sent more bytes after answering Connection: close")
	} else if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err) {
		return nil
	}
	return errors.New("check: the server kept the connection open after answering Connection: close (RFC 9112 9.6)")
}

// isReset reports whether err is a connection reset, which also closes.
func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader // the connection
	n int64     // bytes read so far
}

// Read reads from the connection and counts.
func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Warm-up: how many requests bench sends at once before measuring, and
// how long it waits for the server to go quiet.
const (
	warmConcurrency = 8
	warmRounds      = 2
	settleTimeout   = 5 * time.Second
	settleWindow    = 300 * time.Millisecond
)

// warmUp sends warmRounds rounds of n concurrent checks (so a pre-forked
// server's workers have each served, or at least booted), then waits until
// the server's processes use no CPU, up to settleTimeout: gunicorn's
// workers are still importing Flask after the first answer.
func warmUp(ctx context.Context, addr string, w Workload, n, pid int) error {
	closeW := w
	closeW.KeepAlive = false // an iterative server must not be held by the warm-up
	for range warmRounds {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = checkTarget(ctx, addr, closeW)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	settle(ctx, pid)
	return nil
}

// settle waits until the process tree of pid uses at most one tick of CPU
// in settleWindow, or settleTimeout passes.
func settle(ctx context.Context, pid int) {
	deadline := time.Now().Add(settleTimeout)
	for time.Now().Before(deadline) {
		before, err := sampleTree(pid)
		if err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(settleWindow):
		}
		after, err := sampleTree(pid)
		if err != nil || after.CPU-before.CPU <= cpuTick {
			return
		}
	}
}
