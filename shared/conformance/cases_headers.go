package conformance

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// headerCases check field lines (RFC 9112 5, RFC 9110 5) and what the
// gateway makes of them.
func headerCases() []Case {
	return []Case{
		simple("headers/space-before-colon",
			"no whitespace is allowed between a field name and the colon; a server MUST reject it with 400 (RFC 9112 5.1)",
			"GET /hello HTTP/1.1\r\nHost : t\r\n\r\n", wantStatus(400)),
		{Name: "headers/obs-fold",
			Why: "obs-fold MUST be rejected with 400 or replaced by SP before the value is used (RFC 9112 5.2)",
			Run: oneOf(get("/environ", "X-Foo: a\r\n b\r\n"), wantStatus(400), wantEnv("HTTP_X_FOO", "a b"))},
		{Name: "headers/bare-cr",
			Why: "a bare CR in a field value MUST be rejected or replaced by SP (RFC 9112 2.2, RFC 9110 5.5)",
			Run: oneOf(get("/environ", "X-Foo: a\rb\r\n"), wantStatus(400), wantEnv("HTTP_X_FOO", "a b"))},
		{Name: "headers/nul-in-value",
			Why: "NUL in a field value MUST be rejected or replaced by SP (RFC 9110 5.5)",
			Run: oneOf(get("/environ", "X-Foo: a\x00b\r\n"), wantStatus(400), wantEnv("HTTP_X_FOO", "a b"))},
		simple("headers/missing-host",
			"an HTTP/1.1 request without Host MUST be answered 400 (RFC 9112 3.2)",
			"GET /hello HTTP/1.1\r\n\r\n", wantStatus(400)),
		simple("headers/two-hosts",
			"an HTTP/1.1 request with more than one Host line MUST be answered 400 (RFC 9112 3.2)",
			"GET /hello HTTP/1.1\r\nHost: t\r\nHost: u\r\n\r\n", wantStatus(400)),
		simple("headers/empty-host",
			"an empty Host is valid when the target has no authority (RFC 9110 7.2)",
			"GET /hello HTTP/1.1\r\nHost:\r\n\r\n", wantBody(helloBody)),
		simple("headers/name-not-token",
			"a field name is a token (RFC 9110 5.1); \"X(Foo\" is not: 400",
			get("/hello", "X(Foo: 1\r\n"), wantStatus(400)),
		simple("headers/empty-name",
			"a field line needs a name before the colon (RFC 9112 5): 400",
			get("/hello", ": 1\r\n"), wantStatus(400)),
		simple("headers/no-colon",
			"a field line without a colon is malformed (RFC 9112 5): 400",
			get("/hello", "X-Foo 1\r\n"), wantStatus(400)),
		simple("headers/whitespace-first-line",
			"a whitespace-preceded line after the request line MUST be rejected or ignored (RFC 9112 2.2); ignoring it loses Host, so both give 400",
			"GET /hello HTTP/1.1\r\n Host: t\r\n\r\n", wantStatus(400)),
		simple("headers/ows-trimmed",
			"optional whitespace around a field value is not part of it (RFC 9112 5.1)",
			get("/environ", "X-Foo: \t bar \t \r\n"), wantEnv("HTTP_X_FOO", "bar")),
		simple("headers/repeated-joined",
			"repeated field lines are combined in order with \", \" (RFC 9110 5.3, PEP 3333 via CGI)",
			get("/environ", "X-Foo: a\r\nX-Foo: b\r\n"), wantEnv("HTTP_X_FOO", "a, b")),
		simple("headers/name-case-insensitive",
			"field names are case-insensitive (RFC 9110 5.1)",
			get("/environ", "x-fOO: 1\r\n"), wantEnv("HTTP_X_FOO", "1")),
		simple("headers/obs-text-value",
			"obs-text (bytes 0x80-0xFF) is allowed in field values (RFC 9110 5.5)",
			get("/environ", "X-Foo: caf\xc3\xa9\r\n"), wantEnv("HTTP_X_FOO", "caf\xc3\xa9")),
		simple("headers/environ-request",
			"the gateway passes method, path, query and protocol as PEP 3333 names",
			get("/environ?a=1&b=%41", ""),
			wantEnv("REQUEST_METHOD", "GET", "PATH_INFO", "/environ", "QUERY_STRING", "a=1&b=%41", "SERVER_PROTOCOL", "HTTP/1.1")),
		simple("headers/path-unescaped",
			"PATH_INFO is the percent-decoded path (PEP 3333, from CGI, RFC 3875 4.1.5): /%65nviron is /environ",
			get("/%65nviron", ""), wantEnv("PATH_INFO", "/environ")),
		simple("headers/environ-content",
			"Content-Type and Content-Length become CONTENT_TYPE and CONTENT_LENGTH, not HTTP_* (PEP 3333)",
			"POST /environ HTTP/1.1\r\nHost: t\r\nContent-Type: text/x-test\r\nContent-Length: 3\r\n\r\nabc",
			wantEnv("CONTENT_TYPE", "text/x-test", "CONTENT_LENGTH", "3")),
		{Name: "headers/response-date",
			Why: "an origin server with a clock MUST send Date (RFC 9110 6.6.1), as an IMF-fixdate (RFC 9110 5.6.7) close to now",
			Run: checkDate},
		{Name: "headers/too-many-fields",
			Why: "more field lines than the server's limit is 431 (RFC 6585 5), and the connection closes",
			Run: func(t *T) error {
				return sendExpect(t, get("/hello", manyFields(t.Limits.MaxFields)), wantStatus(431))
			}},
		{Name: "headers/fields-within-limit",
			Why: "a head with a few fields less than the server's limit is served",
			Run: func(t *T) error {
				return sendExpect(t, get("/hello", manyFields(t.Limits.MaxFields-2)), wantBody(helloBody))
			}},
		{Name: "headers/too-large",
			Why: "a head larger than the server's limit is 431 (RFC 6585 5), and the connection closes",
			Run: func(t *T) error {
				big := "X-Big: " + strings.Repeat("b", t.Limits.MaxHeaderBytes) + "\r\n"
				return sendExpect(t, get("/hello", big), wantStatus(431))
			}},
		{Name: "headers/expect-100-waits",
			Why: "a client that sends Expect: 100-continue and waits gets 100 Continue, then the final response after its body (RFC 9110 10.1.1, 15.2.1)",
			Run: expectContinue},
		simple("headers/expect-100-body-sent",
			"a client may send the body without waiting; the server MAY omit 100 and answers normally (RFC 9110 10.1.1)",
			post("hello", "Expect: 100-continue\r\n"), wantBody("hello")),
		{Name: "headers/expect-100-http10",
			Why: "a server MUST ignore a 100-continue expectation in an HTTP/1.0 request (RFC 9110 10.1.1): no 100",
			Run: func(t *T) error {
				c, err := t.DialSend("POST /echo HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello")
				if err != nil {
					return err
				}
				r, err := c.Read("POST")
				if err != nil {
					return err
				}
				if r.Status == 100 {
					return c.Errorf("got 100 Continue for an HTTP/1.0 request, expected 200 directly")
				}
				return c.check(r, wantBody("hello"))
			}},
	}
}

// oneOf is a case that accepts either of two answers to req: e.g. 400, or
// 200 with the value cleaned as the RFC allows.
func oneOf(req string, a, b want) func(t *T) error {
	return func(t *T) error {
		c, err := t.DialSend(req)
		if err != nil {
			return err
		}
		r, err := c.ReadFinal(methodOf(req))
		if err != nil {
			return err
		}
		for _, w := range []want{a, b} {
			if c.check(r, w) != nil {
				continue
			}
			return c.checkEvery(r, w)
		}
		return c.Errorf("got status %d with body %s, expected %s; or %s", r.Status, quote(r.Body, 300), a, b)
	}
}

// manyFields returns n distinct field lines.
func manyFields(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "X-F%d: %d\r\n", i, i)
	}
	return b.String()
}

// checkDate checks that a 200 carries a sensible Date.
func checkDate(t *T) error {
	c, err := t.DialSend(helloReq)
	if err != nil {
		return err
	}
	r, err := c.expect("GET", wantBody(helloBody))
	if err != nil {
		return err
	}
	d := r.Get("Date")
	when, perr := time.Parse(http.TimeFormat, d)
	if perr != nil {
		return c.Errorf("Date %q is not an IMF-fixdate like %q", d, http.TimeFormat)
	}
	if skew := time.Since(when); skew > time.Minute || skew < -time.Minute {
		return c.Errorf("Date %q is %v away from the client's clock", d, skew.Round(time.Second))
	}
	return nil
}

// expectContinue sends a head with Expect: 100-continue and waits, body
// held back. The server should send 100 Continue; the body then goes out
// and the final response follows. A server that commits its final 2xx head
// at once and then reads the body is accepted too (the app streams), as
// long as the echo is right; silence is not, since a waiting client stalls.
func expectContinue(t *T) error {
	c, err := t.Dial()
	if err != nil {
		return err
	}
	const head = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
	if err := c.Send(head); err != nil {
		return err
	}
	if err := c.SetReadTimeout(3 * time.Second); err != nil {
		return err
	}
	start, err := c.br.Peek(len("HTTP/1.1 100"))
	if err != nil {
		return c.Errorf("expected 100 Continue while the client waits with its body: %w", err)
	}
	if string(start[len("HTTP/1.1 "):]) == "100" {
		if _, err := c.Read("POST"); err != nil {
			return err
		}
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
