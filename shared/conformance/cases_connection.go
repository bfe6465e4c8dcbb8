package conformance

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// keepAliveCases check when a connection persists and when it must close
// (RFC 9112 9.3, 9.6).
func keepAliveCases() []Case {
	return []Case{
		{Name: "keepalive/http11-persists", Needs: KeepAlive,
			Why: "an HTTP/1.1 connection persists after a response unless close was signalled (RFC 9112 9.3)",
			Run: sequence(helloReq, wantBody(helloBody), helloReq, wantBody(helloBody))},
		{Name: "keepalive/close-announced",
			Why: "a server that will not keep the connection MUST send Connection: close (RFC 9112 9.6); otherwise the connection takes a second request (RFC 9112 9.3)",
			Run: closeAnnounced},
		{Name: "keepalive/http10-closes",
			Why: "an HTTP/1.0 connection without keep-alive closes after the response (RFC 9112 9.3)",
			Run: func(t *T) error {
				return sendExpect(t, "GET /hello HTTP/1.0\r\n\r\n", want{status: []int{200}, body: new(helloBody), close: true})
			}},
		{Name: "keepalive/http10-keep-alive", Needs: KeepAlive,
			Why: "an HTTP/1.0 request with Connection: keep-alive may persist; the server then says keep-alive and frames the body by length (RFC 9112 9.3, C.2.2)",
			Run: http10KeepAlive},
		{Name: "keepalive/http10-no-chunked",
			Why: "a server MUST NOT send Transfer-Encoding to an HTTP/1.0 client (RFC 9112 6.1)",
			Run: func(t *T) error {
				r, c, err := roundTrip(t, "POST /echo HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello", wantBody("hello"))
				if err == nil && r.Get("Transfer-Encoding") != "" {
					err = c.Errorf("response to HTTP/1.0 has Transfer-Encoding %q", r.Get("Transfer-Encoding"))
				}
				return err
			}},
		{Name: "keepalive/connection-close",
			Why: "after a request with Connection: close the server MUST close after its response and SHOULD say close (RFC 9112 9.6)",
			Run: closeCase(get("/hello", "Connection: close\r\n"))},
		{Name: "keepalive/connection-close-list",
			Why: "Connection is a list of options; close anywhere in it counts (RFC 9110 7.6.1, RFC 9112 9.6)",
			Run: closeCase(get("/hello", "Connection: foo, close\r\n"))},
		{Name: "keepalive/connection-close-uppercase",
			Why: "connection options are case-insensitive (RFC 9110 7.6.1): CLOSE is close",
			Run: closeCase(get("/hello", "Connection: CLOSE\r\n"))},
		{Name: "keepalive/error-closes",
			Why: "after a 400 the server cannot know where the next request starts; it closes and does not answer what follows (RFC 9112 6.3, 9.6)",
			Run: func(t *T) error {
				return sendExpect(t, "GET /hello HTTP/1.1\r\nHost : t\r\n\r\n"+helloReq, wantStatus(400))
			}},
		{Name: "keepalive/head-content-length",
			Why: "a HEAD response may carry the Content-Length a GET would (11), but no body (RFC 9110 9.3.2, 8.6)",
			Run: func(t *T) error {
				r, c, err := roundTrip(t, "HEAD /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", want{status: []int{200}, close: true})
				n := strconv.Itoa(len(helloBody))
				if t.Opts.HelloBody != "" {
					n = strconv.Itoa(len(t.Opts.HelloBody))
				}
				// A page that varies (HelloVaries) has no one length.
				if err == nil && r.Get("Content-Length") != "" && r.Get("Content-Length") != n && !t.Opts.HelloVaries {
					err = c.Errorf("HEAD Content-Length %q, expected none or %s", r.Get("Content-Length"), n)
				}
				return err
			}},
		{Name: "keepalive/head-then-get", Needs: KeepAlive,
			Why: "a HEAD response has no body (RFC 9110 9.3.2), so the next response on the connection starts right after its head",
			Run: sequence("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n", wantStatus(200), helloReq, wantBody(helloBody))},
		{Name: "keepalive/get-with-body", Needs: KeepAlive,
			Why: "a GET may carry a Content-Length body (RFC 9110 9.3.1); it is consumed, not read as the next request (RFC 9112 6.3)",
			Run: sequence("GET /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 15\r\n\r\nGET /x HTTP/1.1", wantBody(helloBody), helloReq, wantBody(helloBody))},
		{Name: "keepalive/unread-body", Needs: KeepAlive,
			Why: "a body the app did not read is discarded before the next request, or the server closes with Connection: close (RFC 9112 9.3, 9.6)",
			Run: unreadBody},
		{Name: "keepalive/unread-large-body", Needs: KeepAlive,
			Why: "a large body the app did not read may end the connection instead of being read (net/http stops after 256 KiB), but the response before it must arrive whole, not be lost to a reset (RFC 9112 9.6)",
			Run: unreadLargeBody},
		{Name: "keepalive/after-chunked", Needs: KeepAlive,
			Why: "a chunked body ends after its last chunk and trailers; the next request follows (RFC 9112 7.1)",
			Run: sequence(chunkedReq+"5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n", wantBody("hello"), helloReq, wantBody(helloBody))},
		{Name: "keepalive/many-requests", Needs: KeepAlive,
			Why: "a persistent connection serves any number of requests in turn (RFC 9112 9.3)",
			Run: func(t *T) error {
				var steps []any
				for range 20 {
					steps = append(steps, helloReq, wantBody(helloBody))
				}
				return sequence(steps...)(t)
			}},
		{Name: "keepalive/idle-then-request", Needs: KeepAlive,
			Why: "a connection idle for a moment still takes the next request (RFC 9112 9.3; idle timeouts are longer than 300 ms)",
			Run: func(t *T) error {
				c, err := t.Dial()
				if err != nil {
					return err
				}
				if err := exchangeOn(c, helloReq, wantBody(helloBody)); err != nil {
					return err
				}
				time.Sleep(300 * time.Millisecond)
				return exchangeOn(c, helloReq, wantBody(helloBody))
			}},
	}
}

// pipeliningCases send several requests before reading (RFC 9112 9.3.2).
func pipeliningCases() []Case {
	hello := wantBody(helloBody)
	return []Case{
		{Name: "pipelining/two-gets", Needs: Pipelining,
			Why: "a server MAY process pipelined requests in parallel but MUST answer them in order (RFC 9112 9.3.2)",
			Run: pipeline([]string{helloReq, helloReq}, hello, hello)},
		{Name: "pipelining/in-order", Needs: Pipelining,
			Why: "responses come in request order: 200, 404, 200 (RFC 9112 9.3.2)",
			Run: pipeline([]string{helloReq, get("/nope", ""), helloReq}, hello, wantStatus(404), hello)},
		{Name: "pipelining/after-post", Needs: Pipelining,
			Why: "a request right behind a Content-Length body is parsed from the byte after it (RFC 9112 6.2, 9.3.2)",
			Run: pipeline([]string{post("abc", ""), helloReq}, wantBody("abc"), hello)},
		{Name: "pipelining/after-chunked", Needs: Pipelining,
			Why: "a request right behind a chunked body with trailers is parsed from the byte after it (RFC 9112 7.1, 9.3.2)",
			Run: pipeline([]string{chunkedReq + "3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n", helloReq}, wantBody("abc"), hello)},
		{Name: "pipelining/echo-bodies", Needs: Pipelining,
			Why: "each body goes to its own request, in order (RFC 9112 9.3.2)",
			Run: pipeline([]string{post("one", ""), post("two!", ""), chunkedReq + "5\r\nthree\r\n0\r\n\r\n"}, wantBody("one"), wantBody("two!"), wantBody("three"))},
		{Name: "pipelining/head-then-get", Needs: Pipelining,
			Why: "a HEAD response has no body (RFC 9110 9.3.2), so the pipelined GET's response follows its head directly",
			Run: pipeline([]string{"HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n", helloReq}, wantStatus(200), hello)},
		{Name: "pipelining/ten-then-close", Needs: Pipelining,
			Why: "ten pipelined requests get ten responses; the last asked for close, so the server closes after it (RFC 9112 9.3.2, 9.6)",
			Run: func(t *T) error {
				reqs := make([]string, 10)
				wants := make([]want, 10)
				for i := range reqs {
					reqs[i], wants[i] = helloReq, hello
				}
				reqs[9] = get("/hello", "Connection: close\r\n")
				wants[9].close = true
				return pipeline(reqs, wants...)(t)
			}},
		{Name: "pipelining/error-stops", Needs: Pipelining,
			Why: "after a 400 in a pipeline the server closes; requests behind the bad one get no response (RFC 9112 6.3, 9.6)",
			Run: pipeline([]string{helloReq, "GET /hello HTTP/1.1\r\nHost : t\r\n\r\n", helloReq}, hello, wantStatus(400))},
		{Name: "pipelining/split-second", Needs: Pipelining,
			Why: "a pipelined request cut in half by the network is completed by the next packet (RFC 9112 2.2)",
			Run: func(t *T) error {
				c, err := t.Dial()
				if err != nil {
					return err
				}
				two := helloReq + helloReq
				if err := c.Send(two[:len(helloReq)+7]); err != nil {
					return err
				}
				if _, err := c.expect("GET", hello); err != nil {
					return err
				}
				if err := c.Send(two[len(helloReq)+7:]); err != nil {
					return err
				}
				_, err = c.expect("GET", hello)
				return err
			}},
		{Name: "pipelining/byte-at-a-time", Needs: Pipelining,
			Why: "two pipelined requests sent one byte per write parse exactly as when sent whole (RFC 9112 2.2)",
			Run: func(t *T) error {
				c, err := t.Dial()
				if err != nil {
					return err
				}
				if err := c.SendSlowly(post("abc", "")+helloReq, 1, time.Millisecond); err != nil {
					return err
				}
				if _, err := c.expect("POST", wantBody("abc")); err != nil {
					return err
				}
				_, err = c.expect("GET", hello)
				return err
			}},
	}
}

// roundTrip sends req on a fresh connection and checks one response.
func roundTrip(t *T, req string, w want) (*Response, *Conn, error) {
	c, err := t.Dial()
	if err != nil {
		return nil, nil, err
	}
	if err := c.Send(req); err != nil {
		return nil, c, err
	}
	r, err := c.expect(methodOf(req), w)
	return r, c, err
}

// exchangeOn sends req on c and checks the response; it also checks the
// response did not announce a close, since more requests follow.
func exchangeOn(c *Conn, req string, w want) error {
	if err := c.Send(req); err != nil {
		return err
	}
	r, err := c.expect(methodOf(req), w)
	if err != nil {
		return err
	}
	if r.HasToken("Connection", "close") {
		return c.Errorf("response says Connection: close, expected the connection to persist")
	}
	return nil
}

// sequence is a case that sends request, want, request, want, ... on one
// connection, each request after the previous response.
func sequence(steps ...any) func(t *T) error {
	return func(t *T) error {
		c, err := t.Dial()
		if err != nil {
			return err
		}
		for i := 0; i+1 < len(steps); i += 2 {
			if err := exchangeOn(c, steps[i].(string), steps[i+1].(want)); err != nil {
				return err
			}
		}
		return nil
	}
}

// pipeline is a case that sends all reqs in one write and expects the
// responses in order; a closing want (or status) ends the exchange.
func pipeline(reqs []string, wants ...want) func(t *T) error {
	return func(t *T) error {
		c, err := t.DialSend(strings.Join(reqs, ""))
		if err != nil {
			return err
		}
		for i, w := range wants {
			if _, err := c.expect(methodOf(reqs[i]), w); err != nil {
				return err
			}
		}
		return nil
	}
}

// closeCase expects 200, Connection: close, then the server's close.
func closeCase(req string) func(t *T) error {
	return func(t *T) error {
		c, err := t.DialSend(req)
		if err != nil {
			return err
		}
		r, err := c.ReadFinal("GET")
		if err != nil {
			return err
		}
		if err := c.check(r, wantBody(helloBody)); err != nil {
			return err
		}
		if !r.HasToken("Connection", "close") {
			return c.Errorf("response lacks Connection: close")
		}
		return c.ExpectClose(closePrompt)
	}
}

// closeAnnounced checks RFC 9112 9.6: either the response says close and
// the server closes, or the connection serves a second request.
func closeAnnounced(t *T) error {
	c, err := t.DialSend(helloReq)
	if err != nil {
		return err
	}
	r, err := c.expect("GET", wantBody(helloBody))
	if err != nil {
		return err
	}
	if r.HasToken("Connection", "close") {
		return c.ExpectClose(closePrompt)
	}
	if err := c.Send(helloReq); err != nil {
		return c.Errorf("no Connection: close, yet the connection did not take a second request: %w", err)
	}
	if _, err := c.expect("GET", wantBody(helloBody)); err != nil {
		return c.Errorf("no Connection: close, yet the second request failed: %w", err)
	}
	return nil
}

// http10KeepAlive sends two HTTP/1.0 keep-alive requests on one connection.
func http10KeepAlive(t *T) error {
	c, err := t.Dial()
	if err != nil {
		return err
	}
	const req = "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
	for range 2 {
		if err := c.Send(req); err != nil {
			return err
		}
		r, err := c.expect("GET", wantBody(helloBody))
		if err != nil {
			return err
		}
		if !r.HasToken("Connection", "keep-alive") || r.Framing != "length" {
			return c.Errorf("expected Connection: keep-alive and a Content-Length, got Connection %q and %s framing", r.Get("Connection"), r.Framing)
		}
	}
	return nil
}

// unreadBody posts a body to /hello, which does not read it, then sends a
// GET on the same connection.
func unreadBody(t *T) error {
	c, err := t.DialSend("POST /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n0123456789")
	if err != nil {
		return err
	}
	r, err := c.expect("POST", wantStatus(405))
	if err != nil {
		return err
	}
	if r.HasToken("Connection", "close") {
		return c.ExpectClose(closePrompt)
	}
	return exchangeOn(c, helloReq, wantBody(helloBody))
}

// unreadLargeBody sends a 300 KiB body to /hello, which does not read it,
// and a request after it. The 405 must arrive whole; then the server
// serves the next request, or closes (announced or not) without a reset.
func unreadLargeBody(t *T) error {
	const size = 300 << 10
	head := fmt.Sprintf("POST /hello HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n", size)
	c, err := t.DialSend(head + strings.Repeat("x", size) + helloReq)
	if err != nil {
		return err
	}
	r, err := c.expect("POST", wantStatus(405))
	if err != nil || r.HasToken("Connection", "close") {
		return err // expect checked the close
	}
	if err := c.SetReadTimeout(closePrompt); err != nil {
		return err
	}
	r, err = c.ReadFinal("GET")
	switch {
	case err == nil:
		return c.check(r, wantBody(helloBody))
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return nil // closed cleanly after the 405
	}
	return c.Errorf("after the 405: %v; want the next response or a clean close", err)
}
