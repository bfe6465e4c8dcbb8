package conformance

// targetCases check the request-target and version parts of the request
// line that are easy to get subtly wrong: the authority of an
// absolute-form target, fragments, and a higher HTTP/1.x minor version.
// They belong to the requestline group.
func targetCases() []Case {
	return []Case{
		simple("requestline/absolute-form-host",
			"the authority of an absolute-form target replaces the Host field (RFC 9112 3.2.2): HTTP_HOST is the target's host",
			"GET http://abs.example:81/environ HTTP/1.1\r\nHost: t\r\n\r\n",
			wantEnv("HTTP_HOST", "abs.example:81", "PATH_INFO", "/environ")),
		simple("requestline/absolute-form-userinfo",
			"userinfo in an http URI is deprecated and a recipient SHOULD treat it as an error (RFC 9110 4.2.4): 400, not a Host of \"user:pw@t\"",
			"GET http://user:pw@t/hello HTTP/1.1\r\nHost: t\r\n\r\n", wantStatus(400)),
		simple("requestline/absolute-form-empty-host",
			"an http URI with an empty host is invalid and MUST be rejected (RFC 9110 4.2.1): 400",
			"GET http:///hello HTTP/1.1\r\nHost: t\r\n\r\n", wantStatus(400)),
		simple("requestline/fragment",
			"the request-target has no fragment (RFC 9112 3.2.1: origin-form is absolute-path and query; RFC 3986 4.3): \"#\" is 400, not part of the path",
			"GET /hello#x HTTP/1.1\r\nHost: t\r\n\r\n", wantStatus(400)),
		{Name: "requestline/version-1.9-as-1.1",
			Why: "a recipient SHOULD process a higher minor version as the highest it implements (RFC 9110 2.5): HTTP/1.9 is served as 1.1 (200), and the response says HTTP/1.1, the server's version (RFC 9110 6.2)",
			Run: func(t *T) error {
				c, err := t.DialSend("GET /hello HTTP/1.9\r\nHost: t\r\n\r\n")
				if err != nil {
					return err
				}
				r, err := c.expect("GET", wantBody(helloBody))
				if err == nil && r.Version != "HTTP/1.1" {
					err = c.Errorf("response version %q, want HTTP/1.1", r.Version)
				}
				return err
			}},
	}
}
