package conformance

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"lbws/shared/http1"
)

// T is the context of one running case: where the server is, what it
// supports, and the connections the case opened (closed when it ends).
type T struct {
	Addr      string       // server address, host:port
	Opts      Options      // with defaults filled in
	Limits    http1.Limits // the server's limits (Opts.Limits with defaults)
	deadline  time.Time    // the case must be over by then
	mu        sync.Mutex   // guards conns
	conns     []*Conn      // every connection dialled, for cleanup and -v
	wantedEnv bool         // a response was checked as an /environ dump
}

// newT starts the clock for one case.
func newT(addr string, opts Options, limit time.Duration) *T {
	return &T{Addr: addr, Opts: opts, Limits: opts.Limits, deadline: time.Now().Add(limit)}
}

// Deadline is when the case times out.
func (t *T) Deadline() time.Time { return t.deadline }

// Dial opens a TCP connection to the server. Its deadline is the case's.
func (t *T) Dial() (*Conn, error) { return t.dial(0) }

// DialSend dials and sends raw (nothing when raw is empty), the way most
// cases begin. The connection is closed when the case ends, like Dial's.
func (t *T) DialSend(raw string) (*Conn, error) {
	c, err := t.Dial()
	if err != nil {
		return nil, err
	}
	if raw != "" {
		if err := c.Send(raw); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// DialSmallWindow dials with a receive buffer of rcvbuf bytes, so a server
// writing a large response fills the socket and must write in parts.
func (t *T) DialSmallWindow(rcvbuf int) (*Conn, error) { return t.dial(rcvbuf) }

// dial opens a connection; rcvbuf > 0 sets SO_RCVBUF before connecting.
func (t *T) dial(rcvbuf int) (*Conn, error) {
	d := net.Dialer{Deadline: t.deadline}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, rc syscall.RawConn) error { return setRcvbuf(rc, rcvbuf) }
	}
	nc, err := d.Dial("tcp", t.Addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", t.Addr, err)
	}
	if err := nc.SetDeadline(t.deadline); err != nil {
		nc.Close()
		return nil, fmt.Errorf("set deadline: %w", err)
	}
	c := &Conn{nc: nc.(*net.TCPConn), t: t}
	c.br = bufio.NewReader(io.TeeReader(nc, &c.recv))
	t.mu.Lock()
	c.id = len(t.conns) + 1
	t.conns = append(t.conns, c)
	t.mu.Unlock()
	return c, nil
}

// closeAll closes every connection the case opened.
func (t *T) closeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.conns {
		c.nc.Close()
	}
}

// transcript shows the bytes of every connection, for -v.
func (t *T) transcript() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	for _, c := range t.conns {
		if len(t.conns) > 1 {
			fmt.Fprintf(&b, "conn %d:\n", c.id)
		}
		b.WriteString(c.exchange())
	}
	return strings.TrimRight(b.String(), "\n")
}

// Conn is one client connection that records what it sends and receives,
// so that a failure can show both.
type Conn struct {
	nc   *net.TCPConn  // the socket
	br   *bufio.Reader // reads through recv
	t    *T            // the case
	id   int           // 1-based, in dial order
	sent record        // bytes written
	recv record        // bytes read
}

// Send writes s in one write.
func (c *Conn) Send(s string) error { return c.write([]byte(s)) }

// SendBytes writes b in one write.
func (c *Conn) SendBytes(b []byte) error { return c.write(b) }

// SendSlowly writes s in pieces of n bytes with pause between them.
// TCP_NODELAY is on (Go's default), so each piece leaves as its own segment.
func (c *Conn) SendSlowly(s string, n int, pause time.Duration) error {
	for len(s) > 0 {
		k := min(n, len(s))
		if err := c.write([]byte(s[:k])); err != nil {
			return err
		}
		s = s[k:]
		if len(s) > 0 {
			time.Sleep(pause)
		}
	}
	return nil
}

// write sends b and records it.
func (c *Conn) write(b []byte) error {
	b = c.t.rewriteHello(b)
	c.sent.Write(b)
	if _, err := c.nc.Write(b); err != nil {
		return c.Errorf("write: %w", err)
	}
	return nil
}

// CloseWrite half-closes the connection: the server reads EOF.
func (c *Conn) CloseWrite() error {
	if err := c.nc.CloseWrite(); err != nil {
		return c.Errorf("shutdown write: %v", err)
	}
	return nil
}

// Reset closes the connection with SO_LINGER 0, so the server gets a RST
// instead of a FIN.
func (c *Conn) Reset() error {
	if err := c.nc.SetLinger(0); err != nil {
		return c.Errorf("set linger: %v", err)
	}
	return c.nc.Close()
}

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }

// SetReadTimeout limits the next reads to d from now (never past the case
// deadline); d <= 0 restores the case deadline.
func (c *Conn) SetReadTimeout(d time.Duration) error {
	dl := c.t.deadline
	if d > 0 {
		if x := time.Now().Add(d); x.Before(dl) {
			dl = x
		}
	}
	return c.nc.SetReadDeadline(dl)
}

// Read reads the next response, 1xx included, to a request with method.
func (c *Conn) Read(method string) (*Response, error) {
	r, err := readResponse(c.br, method)
	if err != nil {
		return nil, c.Errorf("reading response: %w", err)
	}
	return r, nil
}

// ReadFinal reads responses until a final (non-1xx) one and returns it.
func (c *Conn) ReadFinal(method string) (*Response, error) {
	for {
		r, err := c.Read(method)
		if err != nil || r.Status >= 200 {
			return r, err
		}
	}
}

// ExpectClose checks that the server closes the connection within d and
// sends nothing more. A RST counts as closed.
func (c *Conn) ExpectClose(d time.Duration) error {
	if err := c.SetReadTimeout(d); err != nil {
		return err
	}
	defer c.SetReadTimeout(0)
	b, err := c.br.ReadByte()
	switch {
	case err == nil:
		extra, _ := c.br.Peek(c.br.Buffered())
		return c.Errorf("expected the server to close the connection, but it sent more: %s", quote(append([]byte{b}, extra...), 200))
	case closedErr(err):
		return nil
	case isTimeout(err):
		return c.Errorf("expected the server to close the connection, but it was still open %v later", d)
	default:
		return c.Errorf("expected the server to close the connection: %v", err)
	}
}

// Errorf returns an error with the message and this connection's
// exchange: what was sent and what came back.
func (c *Conn) Errorf(format string, args ...any) error {
	return fmt.Errorf(format+"\n%s", append(args, strings.TrimRight(c.exchange(), "\n"))...)
}

// exchange shows the recorded bytes.
func (c *Conn) exchange() string {
	return fmt.Sprintf("  sent: %s\n  recv: %s\n", c.sent.String(), c.recv.String())
}

// closedErr reports whether err means the peer closed or reset.
func closedErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// isTimeout reports whether err is a deadline expiring.
func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// record keeps the first and the last bytes of a stream and its length.
type record struct {
	mu   sync.Mutex // sends and reads may come from two goroutines
	head []byte     // the first headMax bytes
	tail []byte     // the last tailMax bytes once past head
	n    int64      // total bytes
}

const (
	headMax = 4 << 10 // bytes kept from the start of a stream
	tailMax = 256     // bytes kept from its end
)

// Write records b; it never fails.
func (r *record) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	size := len(b)
	r.n += int64(size)
	if k := min(headMax-len(r.head), len(b)); k > 0 {
		r.head = append(r.head, b[:k]...)
		b = b[k:]
	}
	r.tail = append(r.tail, b...)
	if len(r.tail) > tailMax {
		r.tail = append(r.tail[:0], r.tail[len(r.tail)-tailMax:]...)
	}
	return size, nil
}

// String quotes the recorded bytes, shortened in the middle.
func (r *record) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		return "(nothing)"
	}
	if int64(len(r.head)) == r.n {
		return quote(r.head, 600)
	}
	return fmt.Sprintf("%s ... (%d bytes in all) ... %q", quote(r.head, 400), r.n, r.tail)
}

// quote shows b as a Go string, cut after max bytes.
func quote(b []byte, max int) string {
	if len(b) <= max {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%q... (%d bytes)", b[:max], len(b))
}
