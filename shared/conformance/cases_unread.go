package conformance

import (
	"fmt"
	"time"
)

// unreadPath is a path whose app does not read the request body: the demo
// app answers it 404 at once. A server that hands the head to the app
// before it has read the body lets such an app answer a request whose
// body is broken; one that reads and checks the body first (fasthttp,
// nginx, and every stage here up to -body-buffer) answers 400.
const unreadPath = "/unread-body"

// unreadCases send the chunked and Content-Length framing errors of the
// length/, chunked/ and smuggling/ groups to an app that never reads its
// body. The server must still find them: a message whose framing is
// broken is answered 400 and the connection closed (RFC 9112 6.3, 7.1),
// whatever the app would have said.
func unreadCases() []Case {
	const chunked = "POST " + unreadPath + " HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
	bad := func(name, why, body string, status ...int) Case {
		if len(status) == 0 {
			status = []int{400}
		}
		return simple("unread/"+name, why+", also when the app does not read the body", chunked+body, wantStatus(status...))
	}
	return []Case{
		bad("chunk-size-invalid", "a chunk-size is 1*HEXDIG (RFC 9112 7.1): \"zz\" is 400", "zz\r\nhello\r\n0\r\n\r\n"),
		bad("chunk-size-0x", "chunk-size is bare HEXDIG (RFC 9112 7.1): \"0x5\" is 400", "0x5\r\nhello\r\n0\r\n\r\n"),
		bad("chunk-size-underscore", "chunk-size is bare HEXDIG (RFC 9112 7.1): \"1_0\" is 400, not the 16 a lenient integer parser reads", "1_0\r\n0123456789abcdef\r\n0\r\n\r\n"),
		bad("chunk-size-overflow", "a chunk-size that overflows 64 bits is 400 (RFC 9112 7.1), or 413", "10000000000000005\r\nhello\r\n0\r\n\r\n", 400, 413),
		bad("chunk-data-too-long", "a chunk with more data than its size is 400 (RFC 9112 7.1)", "3\r\nhello\r\n0\r\n\r\n"),
		bad("chunk-missing-crlf", "chunk data is followed by CRLF (RFC 9112 7.1); other bytes there are 400", "5\r\nhelloXX0\r\n\r\n"),
		bad("chunk-ext-cr", "a CR inside a chunk extension is neither token nor quoted-string (RFC 9112 7.1.1): 400", "5;a\rb\r\nhello\r\n0\r\n\r\n"),
		bad("chunk-ext-lf", "an LF inside a chunk extension is neither token nor quoted-string (RFC 9112 7.1.1): 400", "5;a\nb\r\nhello\r\n0\r\n\r\n"),
		bad("chunk-bare-lf", "the lines of a chunked body end in CRLF (RFC 9112 7.1); this parser refuses a bare LF there, as in a head: 400", "5\nhello\n0\n\n"),
		{Name: "unread/chunked-too-large-413",
			Why: "a chunk larger than the server's body limit is 413 (RFC 9110 15.5.14), also when the app does not read the body",
			Run: func(t *T) error {
				return sendExpect(t, fmt.Sprintf("%s%x\r\n", chunked, t.Limits.MaxBody+1), want{status: []int{413}, within: 3 * time.Second})
			}},
		{Name: "unread/chunked-no-last-chunk",
			Why: "a chunked body without its last chunk, cut by the client's close, is incomplete (RFC 9112 8): 400 or a close, never the app's answer",
			Run: func(t *T) error { return incompleteUnread(t, chunked+"5\r\nhello\r\n") }},
		{Name: "unread/length-cut-short",
			Why: "a Content-Length body cut short by the client's close is incomplete (RFC 9112 8): 400 or a close, never the app's answer",
			Run: func(t *T) error {
				return incompleteUnread(t, "POST "+unreadPath+" HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhello")
			}},
	}
}

// incompleteUnread sends req, half-closes, and expects 400 or a close:
// not the app's 404, which a server that did not read the body first
// would send.
func incompleteUnread(t *T, req string) error {
	return cutShort(t, req, func(status int) bool { return status == 400 })
}
