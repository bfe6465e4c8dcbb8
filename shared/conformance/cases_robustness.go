package conformance

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"
)

// robustnessCases check that awkward clients get correct answers and do not
// hurt the server: requests in pieces, slow and silent clients, resets,
// garbage.
func robustnessCases() []Case {
	return []Case{
		{Name: "robustness/byte-at-a-time",
			Why: "a request written one byte per segment parses exactly as when sent whole (RFC 9112 2.2: a message is a byte stream)",
			Run: func(t *T) error {
				return slowly(t, post("hello world", "X-A: 1\r\n"), 1, time.Millisecond, wantBody("hello world"))
			}},
		{Name: "robustness/byte-at-a-time-chunked",
			Why: "a chunked request with extensions and trailers written one byte per segment parses as when whole (RFC 9112 7.1)",
			Run: func(t *T) error {
				return slowly(t, chunkedReq+"5;x=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n", 1, time.Millisecond, wantBody("hello world"))
			}},
		{Name: "robustness/split-everywhere",
			Why: "a request split into two writes at any byte is answered the same (RFC 9112 2.2)",
			Run: splitEverywhere},
		{Name: "robustness/slow-head",
			Why: "a head that trickles in over 2.5 s (less if the header timeout is shorter) is still answered (RFC 9112 9.5 leaves timeouts to the server, within reason)",
			Run: func(t *T) error {
				total := 2500 * time.Millisecond
				if ht := t.Opts.HeaderTimeout; ht > 0 && ht/2 < total {
					total = ht / 2
				}
				req := get("/hello", "User-Agent: slow\r\nAccept: */*\r\n")
				pieces := 10
				return slowly(t, req, (len(req)+pieces-1)/pieces, total/time.Duration(pieces), wantBody(helloBody))
			}},
		{Name: "robustness/header-timeout-silent", Needs: HeaderTimeout,
			Why: "a client that connects and sends nothing is answered 408 or disconnected once the header timeout passes (RFC 9112 9.5, RFC 9110 15.5.9)",
			Run: func(t *T) error { return headerTimeout(t, "") }},
		{Name: "robustness/header-timeout-partial",
			Needs: HeaderTimeout,
			Why:   "a client that sends half a head and stops is answered 408 or disconnected once the header timeout passes (RFC 9112 9.5)",
			Run:   func(t *T) error { return headerTimeout(t, "GET /hello HTTP/1.1\r\nHo") }},
		{Name: "robustness/slow-reader",
			Why: "a client that stops reading a 4 MiB response for a second, then reads, gets every byte: the server finishes with partial writes (RFC 9112 9.3: TCP flow control, not data loss)",
			Run: func(t *T) error {
				c, data, err := stalledEcho(t)
				if err != nil {
					return err
				}
				return readEcho(c, data)
			}},
		{Name: "robustness/reset-mid-head",
			Why: "a client that resets halfway through its head does not disturb the server: the next client is served",
			Run: resetThenHello("GET /hello HTTP/1.1\r\nHos")},
		{Name: "robustness/reset-mid-body",
			Why: "a client that resets halfway through its body does not disturb the server: the next client is served",
			Run: resetThenHello("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n0123456789")},
		{Name: "robustness/reset-while-answering",
			Why: "a client that resets while its large response is being written does not disturb the server",
			Run: func(t *T) error {
				c, err := t.DialSmallWindow(4096)
				if err != nil {
					return err
				}
				go c.Send(post(string(pattern(int(min(1<<20, t.Limits.MaxBody)))), ""))
				time.Sleep(100 * time.Millisecond)
				if err := c.Reset(); err != nil {
					return err
				}
				return sendExpect(t, helloReq, wantBody(helloBody))
			}},
		{Name: "robustness/connect-close",
			Why: "a client that connects and closes at once does not disturb the server: the next client is served",
			Run: func(t *T) error {
				c, err := t.Dial()
				if err != nil {
					return err
				}
				c.Close()
				return sendExpect(t, helloReq, wantBody(helloBody))
			}},
		{Name: "robustness/half-close",
			Why: "a client that shuts down its sending side after a complete request still gets the response (RFC 9112 9.6: only the full close ends the exchange)",
			Run: func(t *T) error {
				c, err := t.DialSend(helloReq)
				if err != nil {
					return err
				}
				if err := c.CloseWrite(); err != nil {
					return err
				}
				_, err = c.expect("GET", wantBody(helloBody))
				return err
			}},
		{Name: "robustness/tls-client-hello",
			Why: "a TLS ClientHello on a plain HTTP port is not a request line: 400 and close, at once, without waiting for a CRLF that never comes (RFC 9112 3)",
			Run: garbage(tlsHello, 400)},
		{Name: "robustness/nul-bytes",
			Why: "NUL bytes are not a request: 400 and close, at once (RFC 9112 3)",
			Run: garbage(strings.Repeat("\x00", 64), 400)},
		{Name: "robustness/h2-preface",
			Why: "the HTTP/2 connection preface is an HTTP/2.0 request line: 505 (RFC 9110 15.6.6) or 400, and close (RFC 9113 3.4)",
			Run: garbage("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, 400)},
		{Name: "robustness/request-line-flood",
			Why: "1 MiB of request line without CRLF is refused (414 or 400) or the connection dropped, without buffering it all (RFC 9112 3)",
			Run: flood("GET /"+strings.Repeat("a", 1<<20), 414, 400, 431)},
		{Name: "robustness/header-flood",
			Why: "1 MiB of field lines without an end is refused with 431 (RFC 6585 5) or 400, or the connection dropped",
			Run: flood("GET /hello HTTP/1.1\r\nHost: t\r\n"+strings.Repeat("X-A: b\r\n", 1<<17), 431, 400)},
	}
}

// slowly sends req in pieces of n bytes with pause between them and
// checks the response.
func slowly(t *T, req string, n int, pause time.Duration, w want) error {
	c, err := t.Dial()
	if err != nil {
		return err
	}
	if err := c.SendSlowly(req, n, pause); err != nil {
		return err
	}
	_, err = c.expect(methodOf(req), w)
	return err
}

// splitEverywhere sends a POST in two writes, split at every byte.
func splitEverywhere(t *T) error {
	req := post("hi", "")
	for i := 1; i < len(req); i++ {
		c, err := t.DialSend(req[:i])
		if err != nil {
			return err
		}
		time.Sleep(2 * time.Millisecond)
		if err := c.Send(req[i:]); err != nil {
			return err
		}
		if _, err := c.expect("POST", wantBody("hi")); err != nil {
			return fmt.Errorf("split after byte %d: %w", i, err)
		}
		c.Close()
	}
	return nil
}

// headerTimeout sends partial (maybe nothing) and expects 408 or a close
// within the server's header timeout plus slack.
func headerTimeout(t *T, partial string) error {
	c, err := t.DialSend(partial)
	if err != nil {
		return err
	}
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
		return c.Errorf("got %d from a client that never finished its head, expected 408 or a close", r.Status)
	case closedErr(err) && t.Opts.Promise408:
		return c.Errorf("closed without the 408 the server promises")
	case closedErr(err):
		return nil
	case isTimeout(err):
		return c.Errorf("connection still open %v after connect; header timeout is %v", within, ht)
	}
	return err
}

// stalledEcho posts min(4 MiB, limit) to /echo on a connection with a small
// receive window and does not read for a second.
func stalledEcho(t *T) (*Conn, []byte, error) {
	data := pattern(int(min(4<<20, t.Limits.MaxBody)))
	c, err := t.DialSmallWindow(4096)
	if err != nil {
		return nil, nil, err
	}
	go c.Send(post(string(data), ""))
	time.Sleep(time.Second)
	return c, data, nil
}

// readEcho reads the echo of data from c.
func readEcho(c *Conn, data []byte) error {
	r, err := c.ReadFinal("POST")
	if err != nil {
		return err
	}
	if r.Status != 200 || !bytes.Equal(r.Body, data) {
		return c.Errorf("got status %d and %d body bytes, expected 200 and the %d bytes sent (first difference at %d)", r.Status, len(r.Body), len(data), firstDiff(r.Body, data))
	}
	return nil
}

// resetThenHello sends partial, resets the connection, and checks that a
// new client is served.
func resetThenHello(partial string) func(t *T) error {
	return func(t *T) error {
		c, err := t.DialSend(partial)
		if err != nil {
			return err
		}
		time.Sleep(20 * time.Millisecond)
		if err := c.Reset(); err != nil {
			return err
		}
		return sendExpect(t, helloReq, wantBody(helloBody))
	}
}

// garbage sends junk and expects one of statuses, then a close, within a
// few seconds and without sending anything more.
func garbage(junk string, statuses ...int) func(t *T) error {
	return func(t *T) error {
		c, err := t.DialSend(junk)
		if err != nil {
			return err
		}
		if err := c.SetReadTimeout(3 * time.Second); err != nil {
			return err
		}
		_, err = c.expect("GET", wantStatus(statuses...))
		return err
	}
}

// flood writes junk (without ever ending the head) while reading: the
// server must answer one of statuses or drop the connection, in bounded
// time and memory.
func flood(junk string, statuses ...int) func(t *T) error {
	return func(t *T) error {
		c, err := t.Dial()
		if err != nil {
			return err
		}
		go c.Send(junk)
		if err := c.SetReadTimeout(5 * time.Second); err != nil {
			return err
		}
		r, err := c.Read("GET")
		switch {
		case err == nil && slices.Contains(statuses, r.Status):
			return nil
		case err == nil:
			return c.Errorf("got %d, expected one of %v or a close", r.Status, statuses)
		case closedErr(err):
			return nil
		}
		return err
	}
}

// tlsHello is the start of a TLS 1.3 ClientHello record: handshake type 22,
// legacy version 3.1, then a hello with no CR or LF in it.
var tlsHello = "\x16\x03\x01\x00\xf1\x01\x00\x00\xed\x03\x03" + strings.Repeat("\x5a", 32) + "\x20" + strings.Repeat("\x11", 32) + "\x00\x08\x13\x02\x13\x03\x13\x01\x00\xff\x01\x00"
