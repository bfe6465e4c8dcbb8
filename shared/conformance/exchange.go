package conformance

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// closePrompt is how long a server may take to close a connection it must
// close. It is generous: correct servers close in microseconds.
const closePrompt = 3 * time.Second

// closingStatus holds the statuses after which the connection must close:
// the server could not parse the request, so it cannot know where the next
// one starts (RFC 9112 6.3, 9.6; RFC 9110 15.5.9 for 408).
var closingStatus = []int{400, 408, 413, 414, 431, 501, 505}

// want is what a simple exchange expects.
type want struct {
	status []int             // acceptable final statuses; none means 200
	body   *string           // exact body, when a 2xx status is answered
	close  bool              // the server must close after the response
	env    map[string]string // /environ lines that must be present on 200
	within time.Duration     // the answer must come this soon (0: case timeout)
}

// wantStatus expects one of the statuses.
func wantStatus(s ...int) want { return want{status: s} }

// wantBody expects 200 with exactly body.
func wantBody(body string) want { return want{status: []int{200}, body: &body} }

// wantEnv expects 200 from /environ with these KEY=value lines.
func wantEnv(kv ...string) want {
	w := want{status: []int{200}, env: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		w.env[kv[i]] = kv[i+1]
	}
	return w
}

// simple is a case that sends req in one write on a fresh connection, reads
// one final response and checks it against w.
func simple(name, why, req string, w want) Case {
	return Case{Name: name, Why: why, Run: func(t *T) error { return sendExpect(t, req, w) }}
}

// sendExpect sends req on a fresh connection and checks the answer.
func sendExpect(t *T, req string, w want) error {
	c, err := t.DialSend(req)
	if err != nil {
		return err
	}
	_, err = c.expect(methodOf(req), w)
	return err
}

// expect reads the final response to a request with method and checks it
// against w, including that the connection closes when it must.
func (c *Conn) expect(method string, w want) (*Response, error) {
	if err := c.SetReadTimeout(w.within); err != nil {
		return nil, err
	}
	r, err := c.ReadFinal(method)
	if err != nil {
		return nil, fmt.Errorf("%w\nexpected: %s", err, w)
	}
	if err := c.check(r, w); err != nil {
		return r, err
	}
	return r, c.checkEvery(r, w)
}

// checkEvery applies the checks every response gets, once it matched what
// the case expected: framing and the close it announced or owed.
func (c *Conn) checkEvery(r *Response, w want) error {
	if r.Count("Content-Length") > 0 && r.Count("Transfer-Encoding") > 0 {
		// RFC 9112 6.2: a sender MUST NOT send both; a client could
		// frame the body either way.
		return c.Errorf("response has both Content-Length and Transfer-Encoding")
	}
	// RFC 9112 9.6: a server that sends close MUST close after it, and
	// one that closes after a response MUST say so in it.
	if w.close || slices.Contains(closingStatus, r.Status) || r.HasToken("Connection", "close") {
		return c.checkClosing(r)
	}
	return nil
}

// check compares one response with w.
func (c *Conn) check(r *Response, w want) error {
	if len(w.env) > 0 {
		c.t.mu.Lock()
		c.t.wantedEnv = true
		c.t.mu.Unlock()
	}
	statuses := w.status
	if len(statuses) == 0 {
		statuses = []int{200}
	}
	if !slices.Contains(statuses, r.Status) {
		return c.Errorf("got status %d, expected %s", r.Status, w)
	}
	if r.Status/100 != 2 {
		return nil
	}
	body := w.body
	if body != nil && *body == helloBody {
		switch {
		case c.t.Opts.HelloVaries:
			body = nil
		case c.t.Opts.HelloBody != "":
			body = &c.t.Opts.HelloBody
		}
	}
	if body != nil && string(r.Body) != *body {
		return c.Errorf("got body %s, expected %s", quote(r.Body, 200), quote([]byte(*body), 200))
	}
	env := parseEnv(r.Body)
	for k, v := range w.env {
		if got, ok := env[k]; !ok || got != v {
			return c.Errorf("environ has %s=%q (present: %v), expected %s=%q", k, got, ok, k, v)
		}
	}
	return nil
}

// String describes w for failure messages.
func (w want) String() string {
	var parts []string
	st := w.status
	if len(st) == 0 {
		st = []int{200}
	}
	var s []string
	for _, x := range st {
		s = append(s, strconv.Itoa(x))
	}
	parts = append(parts, "status "+strings.Join(s, " or "))
	if w.body != nil {
		parts = append(parts, "body "+quote([]byte(*w.body), 80))
	}
	for k, v := range w.env {
		parts = append(parts, fmt.Sprintf("%s=%q", k, v))
	}
	if w.close {
		parts = append(parts, "then close")
	}
	return strings.Join(parts, ", ")
}

// parseEnv reads the KEY=value lines of an /environ body.
func parseEnv(body []byte) map[string]string {
	env := map[string]string{}
	for line := range strings.SplitSeq(string(body), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSuffix(line, "\r"), "="); ok {
			env[k] = v
		}
	}
	return env
}

// methodOf returns the method of a raw request ("" if none).
func methodOf(req string) string {
	m, _, _ := strings.Cut(strings.TrimLeft(req, "\r\n"), " ")
	return m
}

// The requests most cases build on. Host is "t": any value will do.
const (
	helloReq   = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
	helloBody  = "Hello World"
	chunkedReq = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
)

// get is a GET for path with extra header lines (each ending in CRLF).
func get(path, extra string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n"
}

// post is a POST of body to /echo with a Content-Length and extra lines.
func post(body, extra string) string {
	return fmt.Sprintf("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n%s\r\n%s", len(body), extra, body)
}

// pattern returns n deterministic bytes that make a misplaced or lost
// byte visible.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%251%26)
	}
	return b
}
