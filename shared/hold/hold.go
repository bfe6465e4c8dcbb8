// Package hold opens keep-alive connections to an HTTP server on this
// machine and holds them idle, each after one answered request: the
// C10K experiment of chapters 03, 05 and 06 (how does a server serve
// others while thousands of clients sit there, and what does each cost
// it?). The command shared/cmd/hold and bench's c10k workload both use
// it.
package hold

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Client says how to open and ask.
type Client struct {
	// Addr is the server, a loopback host:port (CheckLoopback).
	Addr string
	// Path is the GET sent on each connection before it is held; ""
	// sends nothing: the connection is held silent.
	Path string
	// UserAgent, if set, is sent with each request.
	UserAgent string
	// Timeout bounds one dial and one request (30 s if zero).
	Timeout time.Duration
	// Parallel is how many connections are opened at once (1 if zero).
	Parallel int
}

// Conn is one held connection, with the reader its responses are read
// through (it holds nothing between responses).
type Conn struct {
	net.Conn
	br *bufio.Reader
}

// CheckLoopback refuses an address that is not on this machine: the
// package opens thousands of connections and must not do it to anyone
// else.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q: not a loopback address (127.0.0.0/8, ::1 or localhost)", addr)
	}
	return nil
}

// timeout returns cl.Timeout or its default.
func (cl *Client) timeout() time.Duration {
	if cl.Timeout > 0 {
		return cl.Timeout
	}
	return 30 * time.Second
}

// Dial opens one connection and, unless Path is empty, gets Path on it.
func (cl *Client) Dial(ctx context.Context) (*Conn, error) {
	if err := CheckLoopback(cl.Addr); err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: cl.timeout()}
	nc, err := d.DialContext(ctx, "tcp", cl.Addr)
	if err != nil {
		return nil, err
	}
	c := &Conn{Conn: nc, br: bufio.NewReaderSize(nc, 512)}
	if cl.Path == "" {
		return c, nil
	}
	if err := cl.Get(c); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// Get sends a GET for Path on c and reads the whole response, which
// must be 200 and must leave the connection open (no Connection: close):
// a held connection is a keep-alive client waiting between requests.
func (cl *Client) Get(c *Conn) error {
	c.SetDeadline(time.Now().Add(cl.timeout()))
	defer c.SetDeadline(time.Time{})
	req := "GET " + cl.Path + " HTTP/1.1\r\nHost: " + cl.Addr + "\r\n"
	if cl.UserAgent != "" {
		req += "User-Agent: " + cl.UserAgent + "\r\n"
	}
	if _, err := io.WriteString(c, req+"\r\n"); err != nil {
		return fmt.Errorf("sending GET %s: %w", cl.Path, err)
	}
	resp, err := http.ReadResponse(c.br, &http.Request{Method: http.MethodGet})
	if err != nil {
		return fmt.Errorf("reading the response to GET %s: %w", cl.Path, err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return fmt.Errorf("reading the body of GET %s: %w", cl.Path, err)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("GET %s: status %d, want 200", cl.Path, resp.StatusCode)
	case resp.Close:
		return ErrCloses
	}
	return nil
}

// ErrCloses is Get's error for a server that closes the connection
// after its response: there is nothing to hold.
var ErrCloses = errors.New("the server closes the connection after its response (Connection: close): nothing to hold")

// Open opens n connections, Parallel at a time, each with its request
// answered, and returns those it holds; the error is the first failure,
// which stops the opening. If ctx ends first, Open returns what it holds
// and ctx's error.
func (cl *Client) Open(ctx context.Context, n int) ([]*Conn, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conns := make([]*Conn, n)
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, max(cl.Parallel, 1))
	for i := 0; i < n && ctx.Err() == nil; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := cl.Dial(ctx)
			if err != nil {
				mu.Lock()
				if first == nil && ctx.Err() == nil {
					first = fmt.Errorf("connection %d of %d: %w", i+1, n, err)
					cancel() // one failure ends the opening
				}
				mu.Unlock()
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	var held []*Conn
	for _, c := range conns {
		if c != nil {
			held = append(held, c)
		}
	}
	if first == nil {
		first = ctx.Err()
	}
	return held, first
}

// CloseAll closes the connections.
func CloseAll(conns []*Conn) {
	for _, c := range conns {
		c.Close()
	}
}
