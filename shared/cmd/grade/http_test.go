package main

import (
	"strings"
	"testing"
)

// parseResponse frames a body by Content-Length, by chunks, or by the
// close, and points a caret at the byte that does not parse.
func TestParseResponse(t *testing.T) {
	for _, tc := range []struct {
		in       string
		atEOF    bool
		complete bool
		status   int
		body     string
		caret    string // the caret lines of a parse error; "" for none
	}{
		{in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", complete: true, status: 200, body: "hello"},
		{in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", status: 200},
		{in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n", complete: true, status: 200, body: "hello"},
		{in: "HTTP/1.1 200 OK\r\n\r\nuntil the close", status: 200},
		{in: "HTTP/1.1 200 OK\r\n\r\nuntil the close", atEOF: true, complete: true, status: 200, body: "until the close"},
		{in: "HTTP/1.1 2OO OK\r\n\r\n", caret: "  \"HTTP/1.1 2OO OK\"\n             ^"},
		{in: "HTTP/1.1 200 OK\nContent-Length: 0\n\n", caret: "  \"HTTP/1.1 200 OK\\n\"\n                  ^"},
		{in: "HTTP/1.1 404 Not Found\r\nno colon\r\n\r\n", caret: "  \"no colon\"\n   ^"},
	} {
		r, perr := parseResponse([]byte(tc.in), tc.atEOF)
		if tc.caret != "" {
			if perr == nil {
				t.Errorf("%q: parsed; want an error with the caret\n%s", tc.in, tc.caret)
			} else if got := strings.Join(perr.caret(), "\n"); got != tc.caret {
				t.Errorf("%q: caret\n%s\nwant\n%s", tc.in, got, tc.caret)
			}
			continue
		}
		if perr != nil {
			t.Errorf("%q: %s", tc.in, perr.msg)
			continue
		}
		if r.complete != tc.complete || (r.complete && (r.status != tc.status || string(r.body) != tc.body)) {
			t.Errorf("%q: complete %v, status %d, body %q; want %v, %d, %q", tc.in, r.complete, r.status, r.body, tc.complete, tc.status, tc.body)
		}
	}
}

// quote cuts long byte strings and says how long they were.
func TestQuote(t *testing.T) {
	if got := quote([]byte("a\r\n")); got != `"a\r\n"` {
		t.Errorf("quote: %s", got)
	}
	long := strings.Repeat("x", 200)
	if got := quote([]byte(long)); !strings.HasSuffix(got, "(200 bytes)") || len(got) > 120 {
		t.Errorf("quote of 200 bytes: %s", got)
	}
}
