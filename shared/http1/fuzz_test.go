package http1

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fuzzLimits are small enough that the fuzzer reaches every limit.
var fuzzLimits = Limits{MaxRequestLine: 256, MaxHeaderBytes: 1024, MaxFields: 16, MaxBody: 4096}

// event is one step of a transcript: a parsed head with its body, or the
// way the stream ended.
type event struct {
	Head   *head
	Body   string
	End    string // "need more" or "status 400", etc.
	Reason string // the error's reason, for the log
}

// transcript parses data as a stream of pipelined requests, receiving it
// in pieces whose sizes next returns, and records what happened. It is the
// same loop a readiness-based server runs.
func transcript(t *testing.T, data []byte, next func() int) []event {
	var (
		events   []event
		p        = Parser{Limits: fuzzLimits}
		d        BodyDecoder
		start    int // start of the current request
		received int // bytes received so far
		stalls   int
	)
	receive := func() bool {
		if received == len(data) {
			return false
		}
		received = min(len(data), received+max(1, next()))
		return true
	}
	end := func(err error) []event {
		var e *Error
		if errors.As(err, &e) {
			return append(events, event{End: fmt.Sprintf("status %d", e.Status), Reason: e.Reason})
		}
		return append(events, event{End: "need more"})
	}
	for len(events) < 8 {
		p.Reset()
		n, err := p.Parse(data[start:received])
		for err == ErrNeedMore && receive() {
			n, err = p.Parse(data[start:received])
		}
		if err != nil {
			return end(err)
		}
		req := p.Request()
		h := toHead(req, n)
		ev := event{Head: &h}
		d.Reset(req, fuzzLimits)
		pos := start + n
		var body bytes.Buffer
		for {
			b, used, done, err := d.Decode(data[pos:received])
			pos += used
			body.Write(b)
			if err == ErrNeedMore && receive() || err == nil && !done {
				if used == 0 && err == nil {
					if stalls++; stalls > 1<<20 {
						t.Fatalf("Decode makes no progress at %d", pos)
					}
				}
				continue
			}
			ev.Body = body.String()
			if err != nil {
				return end(err)
			}
			break
		}
		events = append(events, ev)
		start = pos
		if start == len(data) {
			return append(events, event{End: "need more"})
		}
	}
	return events
}

// splitter returns a next function for transcript giving random-looking
// piece sizes derived from data, so a failure reproduces from its input.
func splitter(data []byte) func() int {
	h := fnv.New64a()
	h.Write(data)
	x := h.Sum64() | 1
	return func() int {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return int(x % 17)
	}
}

// FuzzParse checks that the parser and body decoder never panic or hang,
// and that a stream gives the same requests, bodies and final error
// whether it arrives whole, one byte at a time, or in random pieces.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		whole := transcript(t, data, func() int { return len(data) })
		if diff := cmp.Diff(whole, transcript(t, data, func() int { return 1 })); diff != "" {
			t.Fatalf("byte at a time differs from whole (-whole +bytewise):\n%s", diff)
		}
		if diff := cmp.Diff(whole, transcript(t, data, splitter(data))); diff != "" {
			t.Fatalf("random pieces differ from whole (-whole +pieces):\n%s", diff)
		}
	})
}

// parsed is a request reduced to what both parsers must agree on.
type parsed struct {
	Method, Target string
	Major, Minor   int
	Header         map[string][]string // canonical name -> values
	Host           string
	ContentLength  int64 // -1 for chunked
	Body           string
	KeepAlive      bool // RFC 9112 9.3
}

// parseOurs parses the first request of data with this package.
func parseOurs(data []byte) (*parsed, *Error) {
	p := Parser{Limits: Limits{MaxBody: 1 << 20}}
	n, err := p.Parse(data)
	if err != nil {
		e, ok := err.(*Error)
		if !ok {
			e = &Error{Status: 0, Reason: "incomplete head"}
		}
		return nil, e
	}
	r := p.Request()
	var d BodyDecoder
	d.Reset(r, Limits{MaxBody: 1 << 20})
	var body bytes.Buffer
	for in := data[n:]; ; {
		b, used, done, err := d.Decode(in)
		in = in[used:]
		body.Write(b)
		if done {
			break
		}
		if err != nil {
			e, ok := err.(*Error)
			if !ok {
				e = &Error{Status: 0, Reason: "incomplete body"}
			}
			return nil, e
		}
	}
	out := &parsed{
		Method: string(r.Method), Target: string(r.Target),
		Major: int(r.Version) / 10, Minor: int(r.Version) % 10,
		Header: map[string][]string{}, Host: string(r.Host),
		ContentLength: r.ContentLength, Body: body.String(), KeepAlive: r.KeepAlive,
	}
	if r.Chunked {
		out.ContentLength = -1
	} else if out.ContentLength < 0 {
		out.ContentLength = 0
	}
	for _, f := range r.Fields {
		k := textproto.CanonicalMIMEHeaderKey(string(f.Name))
		out.Header[k] = append(out.Header[k], string(f.Value))
	}
	return out, nil
}

// parseNetHTTP parses the first request of data with net/http.
func parseNetHTTP(data []byte) (*parsed, error) {
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	h := map[string][]string{}
	for k, v := range r.Header {
		h[k] = v
	}
	return &parsed{
		Method: r.Method, Target: r.RequestURI, Major: r.ProtoMajor, Minor: r.ProtoMinor,
		Header: h, Host: r.Host, ContentLength: r.ContentLength, Body: string(body),
		KeepAlive: !r.Close,
	}, nil
}

// comparable removes what net/http rewrites on purpose: it moves Host out
// of the header map, removes Transfer-Encoding (and Content-Length when
// chunked), merges identical Content-Length lines, and adds
// Cache-Control for "Pragma: no-cache" (RFC 7234 5.4). It also maps a
// higher HTTP/1.x minor to 1.1, as we read it (RFC 9110 2.5); net/http
// reports the minor as sent and treats it like 1.1 too.
func comparable(p *parsed) *parsed {
	c := *p
	if !strings.HasPrefix(c.Target, "/") && strings.Contains(c.Host, "%") {
		// Both take Host from an absolute-form target (RFC 9112 3.2.2),
		// but url.Parse decodes %-escapes in it; we pass it as sent.
		c.Host = ""
	}
	if c.Major == 1 && c.Minor > 1 {
		c.Minor = 1
	}
	c.Header = map[string][]string{}
	for k, v := range p.Header {
		switch k {
		case "Host", "Transfer-Encoding", "Content-Length", "Cache-Control", "Pragma":
			continue
		}
		c.Header[k] = v
	}
	return &c
}

// FuzzDifferential compares the parser with net/http's http.ReadRequest
// on the first request of each input. Where both accept, they must agree
// on method, target, version, header values, Host, length and body. Where
// one refuses, the difference must be one of the documented ones.
//
// Random bytes rarely form a request both parsers accept, so each input is
// also tried with its line ends repaired (see repair), and used twice as
// the choices of a generator that assembles a request from grammar
// pieces: valid pieces only, then with odd pieces and byte edits (see
// generate). With HTTP1_FUZZ_STATS set to a directory,
// each worker writes there how many inputs both parsers accepted.
func FuzzDifferential(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		rawStats.add(compareParsers(t, data))
		if r := repair(data); !bytes.Equal(r, data) {
			compareParsers(t, r)
		}
		validStats.add(compareParsers(t, generate(data, false)))
		oddStats.add(compareParsers(t, generate(data, true)))
		saveStats()
	})
}

// repair turns every bare LF into CRLF and ends an unfinished head, so
// that the mutations the fuzzer makes land in requests that parse.
func repair(data []byte) []byte {
	var out []byte
	for i, c := range data {
		if c == '\n' && (i == 0 || data[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	if !bytes.Contains(out, []byte("\r\n\r\n")) {
		out = append(out, "\r\n\r\n"...)
	}
	return out
}

// compareParsers runs both parsers on data and fails on a disagreement
// that is not a documented one. It reports which of them accepted data.
func compareParsers(t *testing.T, data []byte) (oursOK, theirsOK bool) {
	ours, ourErr := parseOurs(data)
	theirs, theirErr := parseNetHTTP(data)
	oursOK, theirsOK = ourErr == nil, theirErr == nil
	switch {
	case oursOK && theirsOK:
		if diff := cmp.Diff(comparable(theirs), comparable(ours)); diff != "" {
			t.Fatalf("parsers disagree on %q (-net/http +ours):\n%s", data, diff)
		}
	case theirsOK:
		if why := weAreStricter(data, ourErr); why == "" {
			t.Fatalf("we refuse %q with %v; net/http accepts it: %+v", data, ourErr, theirs)
		}
	case oursOK:
		if why := netHTTPIsStricter(data, ours, theirErr); why == "" {
			t.Fatalf("net/http refuses %q with %v; we accept it: %+v", data, theirErr, ours)
		}
	}
	return oursOK, theirsOK
}

// weAreStricter explains a request we refuse and net/http accepts, or
// returns "" if the difference is not a known, intended one.
func weAreStricter(data []byte, e *Error) string {
	switch e.Reason {
	case "line not terminated by CRLF":
		return "RFC 9112 2.2 lets a recipient accept a bare LF; we do not, so that no " +
			"front end and this server can disagree on where a line ends. net/http accepts LF."
	case "obsolete line folding", "whitespace before colon":
		return "RFC 9112 5.2 and 5.1: obs-fold and whitespace before the colon are 400. " +
			"textproto reads a line starting with whitespace as a continuation of the previous one."
	case "unsupported HTTP version", "malformed HTTP version":
		return "RFC 9110 2.5, 15.6.6: we serve only HTTP/1.0 and 1.1 (505). http.ReadRequest " +
			"accepts any HTTP/x.y and leaves the check to the Server."
	case "missing Host field", "invalid Host":
		return "RFC 9112 3.2: a missing or invalid Host is 400. net/http checks this in the " +
			"Server (ValidHostHeader), not in ReadRequest."
	case "CONNECT is not implemented":
		return "RFC 9110 9.3.6: we are not a proxy; net/http parses CONNECT for handlers to hijack."
	case "Content-Length exceeds the body limit", "chunked body exceeds the body limit":
		return "RFC 9110 15.5.14: we bound bodies (413); net/http has no default limit."
	case "request head too large", "request line too long", "too many header fields",
		"trailer section too large", "too many trailer fields":
		return "Our head limits (431/414); ReadRequest has none (the Server's is 1 MiB)."
	case "Transfer-Encoding in an HTTP/1.0 request":
		return "RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing; net/http " +
			"ignores it and uses Content-Length, which a front end may read differently."
	case "both Transfer-Encoding and Content-Length":
		return "RFC 9112 6.1: a server may reject both; we do (400), net/http drops Content-Length."
	case "asterisk-form only with OPTIONS":
		return "RFC 9112 3.2.4: \"*\" is only for OPTIONS; url.ParseRequestURI accepts it for any method."
	case "invalid byte in request-target":
		return "RFC 9112 3.2 and RFC 3986: no controls, spaces or raw non-ASCII in a target; " +
			"url.ParseRequestURI lets some through."
	case "empty request-target":
		return "RFC 9112 3.2: the request-target is never empty; net/http accepts an empty " +
			"one for CONNECT (it parses \"http://\" + target)."
	case "invalid request-target":
		return "RFC 9112 3.2: the target must be origin-form, absolute-form or \"*\"."
	case "fragment in request-target":
		return "RFC 9112 3.2.1, RFC 3986 4.3: no form of the request-target has a fragment; " +
			"url.ParseRequestURI keeps \"#\" as part of the path."
	case "userinfo in request-target":
		return "RFC 9110 4.2.4: a recipient SHOULD treat userinfo in an http URI as an error; " +
			"url.ParseRequestURI accepts it."
	case "empty host in request-target":
		return "RFC 9110 4.2.1: an http URI with an empty host MUST be rejected; url.ParseRequestURI accepts it."
	case "invalid host in request-target":
		return "RFC 9112 3.2.2: the authority replaces Host, so it obeys Host's character rules; " +
			"url.ParseRequestURI lets some bytes through."
	case "request-target has no authority", "request-target is not an http or https URI":
		return "RFC 9112 3.2.2, RFC 9110 4.2: an origin server serves http and https URIs, which " +
			"have an authority; url.ParseRequestURI accepts any scheme and opaque URIs like \"foo:bar\"."
	case "whitespace after chunk size", "invalid chunk size", "invalid chunk size line":
		return "RFC 9112 7.1: chunk-size is 1*HEXDIG followed by extensions or CRLF; net/http " +
			"trims trailing whitespace and cuts at the first \";\"."
	case "invalid byte in chunk extension":
		return "RFC 9112 7.1.1: extensions are tokens and quoted strings; net/http does not check them."
	case "chunk size line too long":
		return "Our bound on a chunk size line (4096 bytes with CRLF); net/http's is one byte lower."
	case "bare CR in chunk size line", "bare CR in trailer", "bare CR at the end of the trailer section",
		"bare CR in head":
		return "RFC 9112 2.2: a bare CR is 400; net/http reads it as part of a line."
	case "obsolete line folding in trailer", "whitespace before colon in trailer",
		"invalid trailer field name", "invalid byte in trailer value":
		return "RFC 9112 7.1.2: trailer fields follow the field rules; net/http is laxer in trailers."
	}
	return ""
}

// netHTTPIsStricter explains a request net/http refuses and we accept, or
// returns "" if the difference is not a known, intended one.
func netHTTPIsStricter(data []byte, ours *parsed, err error) string {
	msg := err.Error()
	switch {
	case bytes.HasPrefix(data, []byte("\r\n")):
		return "RFC 9112 2.2: a server should ignore empty lines before the request line; ReadRequest does not."
	case strings.Contains(msg, "transfer encoding"):
		return "RFC 9110 5.6.1: empty list elements are ignored, so \"chunked,\" is chunked; " +
			"net/http accepts only one field whose value is exactly \"chunked\"."
	case strings.Contains(msg, "Content-Length"):
		return "RFC 9110 8.6 and RFC 9112 6.3 item 5: a list of identical lengths may be " +
			"accepted as one; net/http accepts repeated fields but not a list."
	case strings.Contains(msg, "invalid byte in chunk length") &&
		(bytes.Contains(data, []byte(" ;")) || bytes.Contains(data, []byte("\t;"))):
		return "RFC 9112 7.1.1: BWS is allowed before a chunk extension's \";\"; net/http refuses it."
	case strings.Contains(msg, "chunk length too large"):
		return "RFC 9112 7.1: chunk-size is 1*HEXDIG, leading zeros included; net/http refuses more than 16 digits."
	case strings.Contains(msg, "invalid URI") || strings.Contains(msg, "parse "):
		return "url.ParseRequestURI refuses some targets RFC 3986 allows (for example an " +
			"invalid %-escape or a strange absolute-URI); we pass the target through and let the app decide."
	}
	return ""
}
