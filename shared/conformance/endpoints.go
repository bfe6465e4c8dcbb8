package conformance

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// What some cases need of the demo app (apps.Mux) besides a page at
// /hello, as Options.Lacks names it.
const (
	echoPath     = "/echo"                                                           // POST /echo answers with the body
	environPath  = "/environ"                                                        // GET /environ dumps the environ
	helloOnlyGet = "405 for methods other than GET and HEAD at the plain GET's path" // /hello takes GET and HEAD only
)

// pathGrowth is how many bytes longer a request for /hello becomes once
// rewriteHello sends it to Options.HelloPath: the cases that build a head
// of an exact size take it off their padding.
func (t *T) pathGrowth() int {
	if t.Opts.HelloPath == "" {
		return 0
	}
	return len(t.Opts.HelloPath) - len("/hello")
}

// rewriteHello sends the requests for /hello to Options.HelloPath: b with
// "/hello" replaced where it ends a request-target's path.
func (t *T) rewriteHello(b []byte) []byte {
	p := t.Opts.HelloPath
	if p == "" || p == "/hello" || !bytes.Contains(b, []byte("/hello")) {
		return b
	}
	var out []byte
	for {
		i := bytes.Index(b, []byte("/hello"))
		if i < 0 {
			return append(out, b...)
		}
		end := i + len("/hello")
		out = append(out, b[:i]...)
		if end < len(b) && strings.IndexByte(" ?#", b[end]) >= 0 {
			out = append(out, p...)
		} else {
			out = append(out, "/hello"...)
		}
		b = b[end:]
	}
}

// lacked returns the first entry of Options.Lacks the case relied on (it
// sent a request for that path, checked an environ dump, or sent a POST or
// DELETE to the plain GET's path), or "".
func (t *T) lacked() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, l := range t.Opts.Lacks {
		if l == environPath && t.wantedEnv {
			return l
		}
		for _, c := range t.conns {
			c.sent.mu.Lock()
			sent := string(c.sent.head)
			c.sent.mu.Unlock()
			if t.reliesOn(sent, l) {
				return l
			}
		}
	}
	return ""
}

// reliesOn reports whether the bytes sent rely on what lack names.
func (t *T) reliesOn(sent, lack string) bool {
	if lack != helloOnlyGet {
		return strings.Contains(sent, lack+" ") || strings.Contains(sent, lack+"?")
	}
	p := t.Opts.HelloPath
	if p == "" {
		p = "/hello"
	}
	// Any method but GET and HEAD at the page relies on it refusing
	// that method: an app that answers every method (an environ dump)
	// is not wrong to answer FROB with 200.
	for line := range strings.SplitSeq(sent, "\n") {
		method, rest, ok := strings.Cut(line, " ")
		if !ok || method == "GET" || method == "HEAD" || !strings.HasPrefix(rest, p) {
			continue
		}
		if rest = rest[len(p):]; rest != "" && (rest[0] == ' ' || rest[0] == '?') {
			return true
		}
	}
	return false
}

// Probe finds out what the server at addr serves, with a few plain
// requests, so that the suite can run against any server: the body of
// the plain GET at opts.HelloPath (which must answer 200) becomes
// opts.HelloBody (or, if a second GET answers another body, HelloVaries
// is set and the body is not compared), and /echo (a POST answered with its body), /environ (a
// GET answered with REQUEST_METHOD=GET among its lines) and a 405 for
// DELETE at the plain GET's path are added to opts.Lacks when the server
// does not have them. How long the plain GET took becomes
// opts.PageLatency, which stretches the limit of the cases that make many
// requests one after another.
func Probe(addr string, opts *Options) error {
	path := opts.HelloPath
	if path == "" {
		path = "/hello"
	}
	start := time.Now()
	status, body, err := probe(addr, "GET "+path+" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
	opts.PageLatency = time.Since(start)
	if err != nil {
		return fmt.Errorf("conformance: probing GET %s: %w", path, err)
	}
	if status != 200 {
		return fmt.Errorf("conformance: GET %s answered %d, not 200: give the path of a page the server serves", path, status)
	}
	opts.HelloBody = body
	if _, again, err := probe(addr, "GET "+path+" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"); err == nil && again != body {
		opts.HelloVaries = true
	}
	if status, body, err := probe(addr, "POST "+echoPath+" HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nConnection: close\r\n\r\nprobe"); err != nil || status != 200 || body != "probe" {
		opts.Lacks = append(opts.Lacks, echoPath)
	}
	if status, body, err := probe(addr, "GET "+environPath+" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"); err != nil || status != 200 || !strings.Contains(body, "REQUEST_METHOD=GET\n") {
		opts.Lacks = append(opts.Lacks, environPath)
	}
	if status, _, err := probe(addr, "DELETE "+path+" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"); err != nil || status != 405 {
		opts.Lacks = append(opts.Lacks, helloOnlyGet)
	}
	return nil
}

// probe sends one request on a fresh connection and reads the answer.
func probe(addr, req string) (int, string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		return 0, "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}
