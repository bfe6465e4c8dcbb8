package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// lengthCases check Content-Length bodies (RFC 9112 6.2, 6.3).
func lengthCases() []Case {
	return []Case{
		simple("length/echo",
			"a Content-Length body is read exactly (RFC 9112 6.2) and echoed",
			post("hello", ""), wantBody("hello")),
		simple("length/zero",
			"Content-Length: 0 is an empty body (RFC 9112 6.2)",
			post("", ""), wantBody("")),
		simple("length/none",
			"a request with neither Content-Length nor Transfer-Encoding has an empty body (RFC 9112 6.3 rule 7); 411 is also allowed (RFC 9110 15.5.12)",
			"POST /echo HTTP/1.1\r\nHost: t\r\n\r\n", want{status: []int{200, 411}, body: new("")}),
		simple("length/leading-zeros",
			"Content-Length is 1*DIGIT, so leading zeros are allowed: 005 is 5 (RFC 9110 8.6)",
			"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 005\r\n\r\nhello", wantBody("hello")),
		simple("length/same-twice",
			"two equal Content-Length lines MAY be accepted as one, or rejected with 400 (RFC 9110 8.6, RFC 9112 6.3 rule 5)",
			"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", want{status: []int{200, 400}, body: new("hello")}),
		{Name: "length/body-later",
			Why: "the body may arrive in a later packet than the head; the server waits for all of it (RFC 9112 6.2)",
			Run: func(t *T) error {
				c, err := t.DialSend("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhello")
				if err != nil {
					return err
				}
				time.Sleep(100 * time.Millisecond)
				if err := c.Send("world"); err != nil {
					return err
				}
				_, err = c.expect("POST", wantBody("helloworld"))
				return err
			}},
		{Name: "length/large-body",
			Why: "a 1 MiB body (or the server's limit, if lower) is echoed intact",
			Run: func(t *T) error {
				return echoLarge(t, int(min(1<<20, t.Limits.MaxBody)))
			}},
		{Name: "length/too-large-413",
			Why: "a Content-Length above the server's body limit is refused with 413 before the body is read (RFC 9110 15.5.14), and the connection closes",
			Run: func(t *T) error {
				return sendExpect(t, fmt.Sprintf("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n", t.Limits.MaxBody+1), want{status: []int{413}, within: 3 * time.Second})
			}},
		{Name: "length/too-large-expect-100",
			Why: "with Expect: 100-continue and a Content-Length above the limit, the final 413 comes without waiting for the body (RFC 9110 10.1.1)",
			Run: func(t *T) error {
				return sendExpect(t, fmt.Sprintf("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", t.Limits.MaxBody+1), want{status: []int{413}, within: 3 * time.Second})
			}},
		{Name: "length/incomplete-body",
			Why: "a body cut short by the client's close is an incomplete message (RFC 9112 8): never a 200 echo of the part",
			Run: func(t *T) error {
				return incomplete(t, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhello")
			}},
	}
}

// chunkedCases check the chunked transfer coding (RFC 9112 7.1).
func chunkedCases() []Case {
	return []Case{
		simple("chunked/basic",
			"a chunked body is decoded (RFC 9112 7.1)",
			chunkedReq+"5\r\nhello\r\n0\r\n\r\n", wantBody("hello")),
		simple("chunked/several",
			"chunks are concatenated in order (RFC 9112 7.1)",
			chunkedReq+"3\r\nhel\r\n1\r\nl\r\n1\r\no\r\n0\r\n\r\n", wantBody("hello")),
		simple("chunked/hex-sizes",
			"chunk-size is hexadecimal, either case (RFC 9112 7.1): A and a are ten",
			chunkedReq+"A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", wantBody("0123456789abcdefghij")),
		simple("chunked/leading-zeros",
			"chunk-size is 1*HEXDIG, so leading zeros are allowed (RFC 9112 7.1)",
			chunkedReq+"0005\r\nhello\r\n000\r\n\r\n", wantBody("hello")),
		simple("chunked/empty",
			"a chunked body with only the last chunk is empty (RFC 9112 7.1)",
			chunkedReq+"0\r\n\r\n", wantBody("")),
		simple("chunked/extensions",
			"a recipient MUST ignore unrecognized chunk extensions (RFC 9112 7.1.1)",
			chunkedReq+"5;foo=bar\r\nhello\r\n0;last\r\n\r\n", wantBody("hello")),
		simple("chunked/extension-quoted",
			"a chunk-ext-val may be a quoted-string, even one holding ';' (RFC 9112 7.1.1)",
			chunkedReq+"5;name=\"a;b\"\r\nhello\r\n0\r\n\r\n", wantBody("hello")),
		simple("chunked/extension-bws",
			"BWS is allowed around the ';' of a chunk extension (RFC 9112 7.1.1)",
			chunkedReq+"5 ; foo=bar\r\nhello\r\n0\r\n\r\n", wantBody("hello")),
		simple("chunked/trailers",
			"trailer fields after the last chunk are read and the body ends after the empty line (RFC 9112 7.1.2)",
			chunkedReq+"5\r\nhello\r\n0\r\nX-Trailer: 1\r\nX-Other: 2\r\n\r\n", wantBody("hello")),
		simple("chunked/case-insensitive-coding",
			"transfer coding names are case-insensitive (RFC 9112 7): Chunked is chunked",
			"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", wantBody("hello")),
		{Name: "chunked/large",
			Why: "a 1 MiB body in 4 KiB chunks is decoded intact (RFC 9112 7.1)",
			Run: func(t *T) error {
				data := pattern(int(min(1<<20, t.Limits.MaxBody)))
				var b strings.Builder
				b.WriteString(chunkedReq)
				for rest := data; len(rest) > 0; {
					k := min(4096, len(rest))
					fmt.Fprintf(&b, "%x\r\n%s\r\n", k, rest[:k])
					rest = rest[k:]
				}
				b.WriteString("0\r\n\r\n")
				return sendExpect(t, b.String(), wantBody(string(data)))
			}},
		{Name: "chunked/too-large-413",
			Why: "a chunk larger than the server's body limit is 413 (RFC 9110 15.5.14), and the connection closes",
			Run: func(t *T) error {
				return sendExpect(t, fmt.Sprintf("%s%x\r\n", chunkedReq, t.Limits.MaxBody+1), want{status: []int{413}, within: 3 * time.Second})
			}},
		{Name: "chunked/incomplete",
			Why: "a chunked body without its last chunk, cut by the client's close, is incomplete (RFC 9112 8): never a 200",
			Run: func(t *T) error {
				return incomplete(t, chunkedReq+"5\r\nhello\r\n")
			}},
	}
}

// echoLarge posts n bytes to /echo and checks they come back intact.
func echoLarge(t *T, n int) error {
	data := pattern(n)
	c, err := t.Dial()
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- c.Send(post(string(data), "")) }()
	r, err := c.ReadFinal("POST")
	if werr := <-errc; werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	if r.Status != 200 || !bytes.Equal(r.Body, data) {
		return c.Errorf("got status %d and %d body bytes, expected 200 and the %d bytes sent (first difference at %d)", r.Status, len(r.Body), n, firstDiff(r.Body, data))
	}
	return nil
}

// firstDiff returns the index of the first differing byte.
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// incomplete sends req, half-closes, and expects anything but a 2xx: an
// error status or a plain close.
func incomplete(t *T, req string) error {
	return cutShort(t, req, func(status int) bool { return status/100 != 2 })
}

// cutShort sends req, whose body is shorter than it says, half-closes,
// and expects a close or a response whose status ok accepts.
func cutShort(t *T, req string, ok func(status int) bool) error {
	c, err := t.DialSend(req)
	if err != nil {
		return err
	}
	if err := c.CloseWrite(); err != nil {
		return err
	}
	r, err := c.ReadFinal("POST")
	if err != nil {
		if closedErr(err) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		return err
	}
	if !ok(r.Status) {
		return c.Errorf("got %d for an incomplete body, expected a 400 or a close", r.Status)
	}
	return nil
}
