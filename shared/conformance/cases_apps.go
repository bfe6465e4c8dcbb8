package conformance

// appCases check what the server does with apps that answer without a
// body or get PEP 3333 wrong, through the /misbehave/ routes of
// apps.Mux.
func appCases() []Case {
	return []Case{
		{Name: "apps/204-no-body",
			Why: "a 204 goes out with no body and no Content-Length (RFC 9110 8.6, 15.3.5), and the connection stays usable",
			Run: func(t *T) error { return noBodyStatus(t, "/misbehave/204", 204) }},
		{Name: "apps/304-no-body",
			Why: "a 304 goes out with no body, and the server adds no Content-Length the app did not set (RFC 9110 15.4.5)",
			Run: func(t *T) error { return noBodyStatus(t, "/misbehave/304", 304) }},
		simple("apps/start-twice-500",
			"an app that calls start_response twice without exc_info gets a 500, not its second status (PEP 3333)",
			get("/misbehave/start-twice", ""), wantStatus(500)),
		{Name: "apps/panic-500-then-served",
			Why: "an app that panics is a 500, and the server goes on: the next request, on a new connection, is served",
			Run: func(t *T) error {
				if err := sendExpect(t, get("/misbehave/panic", ""), wantStatus(500)); err != nil {
					return err
				}
				return sendExpect(t, get("/hello", ""), wantBody(helloBody))
			}},
	}
}

// noBodyStatus asks path for a response that has status and no body, and
// checks its framing; then, if the connection stays open, that the next
// request on it is answered.
func noBodyStatus(t *T, path string, status int) error {
	c, err := t.DialSend(get(path, ""))
	if err != nil {
		return err
	}
	r, err := c.expect("GET", wantStatus(status))
	if err != nil {
		return err
	}
	if n := r.Count("Content-Length"); n > 0 {
		return c.Errorf("%d response with Content-Length %q; expected none", status, r.Get("Content-Length"))
	}
	if r.Count("Transfer-Encoding") > 0 {
		return c.Errorf("%d response with Transfer-Encoding; expected none", status)
	}
	if r.HasToken("Connection", "close") || !t.Opts.KeepAlive {
		return nil
	}
	if err := c.Send(get("/hello", "")); err != nil {
		return err
	}
	_, err = c.expect("GET", wantBody(helloBody))
	return err
}
