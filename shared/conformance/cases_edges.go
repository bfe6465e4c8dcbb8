package conformance

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// edgeCases probe the exact edges of the server's rules: limits at their
// value and one byte past it, framing details a sloppy parser gets
// nearly right, and the timing of a header timeout and a lingering
// close. Each catches a small bug the other groups let through.
func edgeCases() []Case {
	return []Case{
		{Name: "edges/request-line-at-limit",
			Why: "a request line of exactly MaxRequestLine bytes (CRLF included) is served: the limit is inclusive (RFC 9112 3: at least 8000 octets SHOULD be supported)",
			Run: func(t *T) error {
				return sendExpect(t, requestLineOf(t.Limits.MaxRequestLine-t.pathGrowth())+"Host: t\r\n\r\n", wantBody(helloBody))
			}},
		{Name: "edges/request-line-over-limit",
			Why: "a request line one byte over MaxRequestLine is 414 (RFC 9110 15.5.15), and the connection closes",
			Run: func(t *T) error {
				return sendExpect(t, requestLineOf(t.Limits.MaxRequestLine+1-t.pathGrowth())+"Host: t\r\n\r\n", wantStatus(414))
			}},
		{Name: "edges/head-at-limit",
			Why: "a head of exactly MaxHeaderBytes bytes (request line to the empty line) is served",
			Run: func(t *T) error {
				return sendExpect(t, headOf(t.Limits.MaxHeaderBytes-t.pathGrowth()), wantBody(helloBody))
			}},
		{Name: "edges/head-over-limit",
			Why: "a head one byte over MaxHeaderBytes is 431 (RFC 6585 5), and the connection closes",
			Run: func(t *T) error {
				return sendExpect(t, headOf(t.Limits.MaxHeaderBytes+1-t.pathGrowth()), wantStatus(431))
			}},
		{Name: "edges/body-at-limit",
			Why: "a body of exactly MaxBody bytes is accepted and read whole (RFC 9110 15.5.14: only a larger one is 413)",
			Run: func(t *T) error {
				// Sent while the echo is read: 8 MiB each way is more
				// than the socket buffers hold.
				body := string(pattern(int(t.Limits.MaxBody)))
				c, err := t.Dial()
				if err != nil {
					return err
				}
				go c.Send(post(body, ""))
				_, err = c.expect("POST", wantBody(body))
				return err
			}},
		{Name: "edges/chunk-ext-open-quote",
			Why: "a chunk extension whose quoted string is left open at the CRLF ends at that CRLF or is refused (RFC 9112 7.1.1: a quoted-string cannot hold CR or LF); it must not move the chunk boundary",
			Run: func(t *T) error {
				req := "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
					"5;a=\"x\r\nhello\r\n5;b=\"\r\nworld\r\n0\r\n\r\n"
				c, err := t.DialSend(req)
				if err != nil {
					return err
				}
				r, err := c.expect("POST", wantStatus(200, 400))
				if err != nil {
					return err
				}
				if r.Status == 200 && string(r.Body) != "helloworld" {
					return c.Errorf("echoed %s, expected \"helloworld\": the chunk boundary moved", quote(r.Body, 100))
				}
				return nil
			}},
		simple("edges/lowercase-content-fields",
			"field names are case-insensitive (RFC 9110 5.1): content-type and content-length in lower case still become CONTENT_TYPE and CONTENT_LENGTH (PEP 3333)",
			"POST /environ HTTP/1.1\r\nHost: t\r\ncontent-type: text/x-lower\r\ncontent-length: 3\r\n\r\nabc",
			wantEnv("CONTENT_TYPE", "text/x-lower", "CONTENT_LENGTH", "3")),
		simple("edges/mixed-case-content-fields",
			"field names are case-insensitive (RFC 9110 5.1), whatever their case: cOnTeNt-TyPe and CONTENT-LENGTH still become CONTENT_TYPE and CONTENT_LENGTH",
			"POST /environ HTTP/1.1\r\nHost: t\r\ncOnTeNt-TyPe: text/x-mixed\r\nCONTENT-LENGTH: 2\r\n\r\nab",
			wantEnv("CONTENT_TYPE", "text/x-mixed", "CONTENT_LENGTH", "2")),
		simple("edges/bare-lf",
			"a request whose lines end in a bare LF is refused with 400: RFC 9112 2.2 lets a server accept it, this parser's policy is to refuse it",
			"GET /hello HTTP/1.1\nHost: t\n\n", wantStatus(400)),
		{Name: "edges/unread-body-clean-close",
			Why: "a large body the app does not read still gets the whole response and a clean close, not a reset: the server lingers, reading what is left, before it closes (RFC 9112 9.6)",
			Run: unreadBodyCleanClose},
		{Name: "edges/header-timeout-trickle", Needs: HeaderTimeout,
			Why: "the header timeout bounds the whole head, not each read: a client that sends a byte every 100 ms is cut off (408 or a close) once the timeout passes (RFC 9112 9.5)",
			Run: headerTimeoutTrickle},
		{Name: "edges/expect-100-http10-late-body",
			Why: "an HTTP/1.0 request with Expect: 100-continue gets no 100 (RFC 9110 10.1.1: MUST ignore it): the client that sends its body a second later sees nothing before it, then the answer",
			Run: expect100HTTP10LateBody},
	}
}

// requestLineOf returns a GET /hello request line of exactly n bytes,
// CRLF included, padded with a query string.
func requestLineOf(n int) string {
	const pre, post = "GET /hello?p=", " HTTP/1.1\r\n"
	return pre + strings.Repeat("a", max(n-len(pre)-len(post), 0)) + post
}

// headOf returns a GET /hello head of exactly n bytes, the empty line
// included, padded with one field.
func headOf(n int) string {
	const pre, post = "GET /hello HTTP/1.1\r\nHost: t\r\nX-Pad: ", "\r\n\r\n"
	return pre + strings.Repeat("p", max(n-len(pre)-len(post), 0)) + post
}

// unreadBodyCleanClose posts 128 KiB to /hello, which does not read it,
// with Connection: close, and expects the 405 whole and then end of file:
// a reset means the server closed with the body unread.
func unreadBodyCleanClose(t *T) error {
	body := strings.Repeat("u", 128<<10)
	c, err := t.DialSend("POST /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	if err != nil {
		return err
	}
	r, err := c.ReadFinal("POST")
	if err != nil {
		return err
	}
	if r.Status != 405 {
		return c.Errorf("got status %d, expected 405 (POST to /hello)", r.Status)
	}
	return c.ExpectCleanClose(closePrompt)
}

// headerTimeoutTrickle sends a head a byte every 100 ms and never ends it.
func headerTimeoutTrickle(t *T) error {
	c, err := t.DialSend("GET /hello HTTP/1.1\r\nX-Trickle: ")
	if err != nil {
		return err
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if c.Send("a") != nil {
					return
				}
			}
		}
	}()
	ht := t.Opts.HeaderTimeout
	within := ht + max(2*time.Second, ht/2)
	if err := c.SetReadTimeout(within); err != nil {
		return err
	}
	r, err := c.Read("GET")
	switch {
	case err == nil && r.Status == 408:
		return c.checkClosing(r)
	case err == nil:
		return c.Errorf("got %d to a head that never ended, expected 408 or a close", r.Status)
	case closedErr(err) && !t.Opts.Promise408:
		return nil
	case closedErr(err):
		return c.Errorf("closed without the 408 the server promises")
	case isTimeout(err):
		return c.Errorf("a client sending a byte every 100ms was still connected %v later; the header timeout is %v", within, ht)
	}
	return err
}

// expect100HTTP10LateBody sends an HTTP/1.0 head with Expect:
// 100-continue, checks that nothing arrives for a second, then sends the
// body and expects 200 with it.
func expect100HTTP10LateBody(t *T) error {
	c, err := t.DialSend("POST /echo HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	if err != nil {
		return err
	}
	if err := c.SetReadTimeout(time.Second); err != nil {
		return err
	}
	if b, err := c.br.Peek(1); err == nil {
		return c.Errorf("the server sent %s before the body of an HTTP/1.0 request; expected nothing (no 100 Continue)", quote(b, 100))
	} else if !isTimeout(err) {
		return c.Errorf("waiting a second before the body: %v", err)
	}
	if err := c.SetReadTimeout(0); err != nil {
		return err
	}
	if err := c.Send("hello"); err != nil {
		return err
	}
	_, err = c.expect("POST", wantBody("hello"))
	return err
}

// ExpectCleanClose checks that the server closes the connection within d,
// sends nothing more, and closes with a FIN: a reset fails, because it
// can destroy a response the client has not read yet (RFC 9112 9.6).
func (c *Conn) ExpectCleanClose(d time.Duration) error {
	if err := c.SetReadTimeout(d); err != nil {
		return err
	}
	defer c.SetReadTimeout(0)
	b, err := c.br.ReadByte()
	switch {
	case err == nil:
		extra, _ := c.br.Peek(c.br.Buffered())
		return c.Errorf("expected the server to close the connection, but it sent more: %s", quote(append([]byte{b}, extra...), 200))
	case errors.Is(err, io.EOF):
		return nil
	case isTimeout(err):
		return c.Errorf("expected the server to close the connection, but it was still open %v later", d)
	default:
		return c.Errorf("expected a clean close (FIN), got %v: the server closed with unread bytes and reset the connection", err)
	}
}

// checkClosing checks that a response after which the server closes says
// so with Connection: close (RFC 9112 9.6: a server that closes after a
// response MUST send close in it), then that it closes.
func (c *Conn) checkClosing(r *Response) error {
	if r.Version == "HTTP/1.1" && !r.HasToken("Connection", "close") {
		return c.Errorf("%d response without Connection: close, although the server closes after it", r.Status)
	}
	return c.ExpectClose(closePrompt)
}
