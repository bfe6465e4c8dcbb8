package conformance

import "strings"

// requestLineCases check the request line (RFC 9112 3).
func requestLineCases() []Case {
	return []Case{
		simple("requestline/get-hello",
			"GET /hello answers 200 \"Hello World\" (RFC 9112 3)",
			helloReq, wantBody(helloBody)),
		simple("requestline/http10-no-host",
			"an HTTP/1.0 request needs no Host and is answered (RFC 9112 3.2 requires Host only in 1.1)",
			"GET /hello HTTP/1.0\r\n\r\n", wantBody(helloBody)),
		simple("requestline/absolute-form",
			"a server MUST accept the absolute-form and use its path (RFC 9112 3.2.2)",
			"GET http://t/hello HTTP/1.1\r\nHost: t\r\n\r\n", wantBody(helloBody)),
		simple("requestline/query",
			"the query is not part of the path: /hello?x=1 is /hello (RFC 9110 4.2.1)",
			get("/hello?x=1&y=%20", ""), wantBody(helloBody)),
		simple("requestline/asterisk-options",
			"OPTIONS * is the asterisk-form and is a valid request (RFC 9112 3.2.4): not 400, not 5xx",
			"OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n", wantStatus(200, 204, 404, 405, 501)),
		simple("requestline/asterisk-get",
			"the asterisk-form is only for OPTIONS (RFC 9112 3.2.4): GET * is 400",
			"GET * HTTP/1.1\r\nHost: t\r\n\r\n", wantStatus(400)),
		simple("requestline/unknown-method",
			"an unknown method token is well-formed: 405 for a resource that does not allow it, or 501 (RFC 9110 9.1, 15.5.6, 15.6.2)",
			"FROB /hello HTTP/1.1\r\nHost: t\r\n\r\n", wantStatus(405, 501)),
		simple("requestline/lowercase-method",
			"methods are case-sensitive (RFC 9110 9.1): \"get\" is not GET, so 405 or 501",
			"get /hello HTTP/1.1\r\nHost: t\r\n\r\n", wantStatus(405, 501)),
		simple("requestline/method-not-token",
			"the method is a token (RFC 9110 9.1); \"GE(T\" is not, so the line is malformed: 400 (RFC 9112 3)",
			"GE(T /hello HTTP/1.1\r\nHost: t\r\n\r\n", wantStatus(400)),
		{Name: "requestline/wrong-method",
			Why: "DELETE on /hello is not allowed: 405, with an Allow field listing GET (RFC 9110 15.5.6, 10.2.1)",
			Run: func(t *T) error {
				r, c, err := roundTrip(t, "DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n", wantStatus(405))
				if err == nil && !r.HasToken("Allow", "GET") {
					err = c.Errorf("405 without an Allow field that lists GET (Allow: %q)", r.Get("Allow"))
				}
				return err
			}},
		simple("requestline/not-found",
			"an unknown path is 404 (RFC 9110 15.5.5)",
			get("/no-such-thing", ""), wantStatus(404)),
		simple("requestline/lowercase-version",
			"HTTP-name is case-sensitive \"HTTP\" (RFC 9112 2.3): \"http/1.1\" is 400",
			"GET /hello http/1.1\r\nHost: t\r\n\r\n", wantStatus(400)),
		simple("requestline/version-two-digit-minor",
			"HTTP-version is HTTP/DIGIT.DIGIT (RFC 9112 2.3): \"HTTP/1.10\" is 400",
			"GET /hello HTTP/1.10\r\nHost: t\r\n\r\n", wantStatus(400)),
		simple("requestline/version-missing",
			"a request line without a version is HTTP/0.9, which is not supported: 400 (RFC 9112 3)",
			"GET /hello\r\nHost: t\r\n\r\n", wantStatus(400)),
		simple("requestline/version-2",
			"HTTP/2.0 in an HTTP/1 request line is a version the server does not support: 505 (RFC 9110 15.6.6)",
			"GET /hello HTTP/2.0\r\nHost: t\r\n\r\n", wantStatus(505)),
		simple("requestline/version-1.2",
			"HTTP/1.2: RFC 9110 2.5 says process it as 1.1 (200); refusing it with 505 is also safe; anything else is wrong",
			"GET /hello HTTP/1.2\r\nHost: t\r\n\r\n", wantStatus(200, 505)),
		simple("requestline/double-space",
			"the request line is separated by single SPs (RFC 9112 3); the RFC lets a recipient split on any whitespace but warns that this invites smuggling, so this suite is stricter and wants 400",
			"GET  /hello HTTP/1.1\r\nHost: t\r\n\r\n", wantStatus(400)),
		simple("requestline/tab-separator",
			"a tab is not SP in the request line (RFC 9112 3): 400",
			"GET\t/hello HTTP/1.1\r\nHost: t\r\n\r\n", wantStatus(400)),
		simple("requestline/space-in-target",
			"a request-target contains no whitespace (RFC 9112 3.2): 400",
			"GET /hel lo HTTP/1.1\r\nHost: t\r\n\r\n", wantStatus(400)),
		simple("requestline/control-in-target",
			"a control character is not allowed in a request-target (RFC 3986 via RFC 9112 3.2): 400",
			"GET /hel\x01lo HTTP/1.1\r\nHost: t\r\n\r\n", wantStatus(400)),
		simple("requestline/leading-empty-line",
			"a server SHOULD ignore at least one empty line before the request line (RFC 9112 2.2)",
			"\r\n"+helloReq, wantBody(helloBody)),
		simple("requestline/head",
			"HEAD gets the same head as GET and no body (RFC 9110 9.3.2); with Connection: close nothing follows the head",
			"HEAD /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", want{status: []int{200}, close: true}),
		{Name: "requestline/long-target-414",
			Why: "a request-target longer than the server's limit is 414 (RFC 9112 3, RFC 9110 15.5.15), and the connection closes",
			Run: func(t *T) error {
				target := "/hello?" + strings.Repeat("a", t.Limits.MaxRequestLine)
				return sendExpect(t, get(target, ""), wantStatus(414))
			}},
		{Name: "requestline/long-target-within-limit",
			Why: "a request line just inside the server's limit is served (RFC 9112 3: the limit is the server's, not lower)",
			Run: func(t *T) error {
				// "GET " + target + " HTTP/1.1" is 13 bytes more than the target.
				target := "/hello?" + strings.Repeat("a", t.Limits.MaxRequestLine-13-7-16)
				return sendExpect(t, get(target, ""), wantBody(helloBody))
			}},
	}
}
