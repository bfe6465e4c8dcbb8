package blocking

import (
	"sync"
	"time"

	"lbws/shared/sock"
)

// Conn is an accepted connection as the request reader and the gateway
// see it: each Write gets a fresh write deadline, and the bytes read are
// counted, so that Stop can tell a connection that has not begun a
// request from one that has. Stop and Close may be called from another
// goroutine than the one serving the connection.
type Conn struct {
	sc           *sock.Conn    // the socket
	writeTimeout time.Duration // deadline of each Write; 0: none

	// firstByte, when set, runs once the first bytes of a request arrive
	// on a kept-alive connection: it swaps the idle deadline for the
	// header deadline. Used by the serving goroutine only.
	firstByte func()

	mu       sync.Mutex // guards the fields below
	got      int64      // bytes read for the current request so far
	stopping bool       // Stop was called: no request after this one
	closed   bool       // Close was called: sc's descriptor may be reused
}

// NewConn wraps an accepted connection for ServeConn.
func NewConn(sc *sock.Conn) *Conn { return &Conn{sc: sc} }

// RemoteAddr returns the client's address, "127.0.0.1:50312".
func (c *Conn) RemoteAddr() string { return c.sc.RemoteAddr() }

// Read reads from the client and counts the bytes.
func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.sc.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.got += int64(n)
		c.mu.Unlock()
		if c.firstByte != nil {
			f := c.firstByte
			c.firstByte = nil
			f()
		}
	}
	return n, err
}

// Write sends all of p within the write timeout. The deadline is per
// Write, not per response: a long response to a client that keeps reading
// is fine, a client that stops reading fails the write.
func (c *Conn) Write(p []byte) (int, error) {
	if c.writeTimeout > 0 {
		c.sc.SetWriteDeadline(time.Now().Add(c.writeTimeout))
	}
	return c.sc.Write(p)
}

// received returns how many bytes of the current request were read.
func (c *Conn) received() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.got
}

// nextRequest starts counting the bytes of a new request and reports
// whether the connection may carry it (Stop was not called).
func (c *Conn) nextRequest() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = 0
	return !c.stopping
}

// stopped reports whether Stop was called.
func (c *Conn) stopped() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopping
}

// Stop asks the connection to end after the request in progress; the
// response to that request says "Connection: close". If no byte of a
// request has arrived yet, there is none in progress: the receiving side
// is shut down, so the blocked read ends at once (end of file) instead
// of after a timeout. Only the receiving side: a request already queued
// in the kernel is still read and answered on Linux (macOS discards it
// unread), so the server never runs a request whose response it cannot
// send.
func (c *Conn) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopping || c.closed {
		c.stopping = true
		return
	}
	c.stopping = true
	if c.got == 0 {
		c.sc.ShutdownRead()
	}
}

// Close closes the connection. After Close, Stop does nothing: the
// descriptor number may already belong to another connection.
func (c *Conn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return c.sc.Close()
}
