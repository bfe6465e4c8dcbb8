package http1

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// head is a Request as plain values, for cmp.Diff.
type head struct {
	Method, Target string
	Version        Version
	Fields         []string // "Name: Value"
	Host           string
	HasHost        bool
	ContentLength  int64
	Chunked        bool
	KeepAlive      bool
	Expect100      bool
	N              int // head length
}

// toHead converts a parsed Request.
func toHead(r *Request, n int) head {
	h := head{
		Method: string(r.Method), Target: string(r.Target), Version: r.Version,
		Host: string(r.Host), HasHost: r.Host != nil, ContentLength: r.ContentLength,
		Chunked: r.Chunked, KeepAlive: r.KeepAlive, Expect100: r.Expect100, N: n,
	}
	for _, f := range r.Fields {
		h.Fields = append(h.Fields, string(f.Name)+": "+string(f.Value))
	}
	return h
}

// outcome is what a parse ended in: a head, or a status (0 for "need more").
type outcome struct {
	Head   *head
	Status int
}

// parseWhole parses in with one call.
func parseWhole(in []byte, lim Limits) outcome {
	p := Parser{Limits: lim}
	return result(&p, in)
}

// parseBytewise feeds in one byte at a time, each time in a freshly
// allocated buffer, so offsets kept across calls are exercised.
func parseBytewise(in []byte, lim Limits) outcome {
	p := Parser{Limits: lim}
	var o outcome
	for i := 1; i <= len(in); i++ {
		buf := append([]byte(nil), in[:i]...)
		o = result(&p, buf)
		if o.Status != 0 || o.Head != nil {
			return o
		}
	}
	return o
}

// result runs one Parse and converts its outcome.
func result(p *Parser, buf []byte) outcome {
	n, err := p.Parse(buf)
	var e *Error
	switch {
	case err == nil:
		h := toHead(p.Request(), n)
		return outcome{Head: &h}
	case errors.As(err, &e):
		return outcome{Status: e.Status}
	case err == ErrNeedMore:
		return outcome{}
	}
	panic(err)
}

// crlf turns "\n" into "\r\n", so tests read like the wire format.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// get11 is a minimal valid HTTP/1.1 request.
const get11 = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want head
	}{
		{"simple GET", crlf("GET /index.html?q=1 HTTP/1.1\nHost: example.com\nUser-Agent: t\n\n"), head{
			Method: "GET", Target: "/index.html?q=1", Version: HTTP11,
			Fields: []string{"Host: example.com", "User-Agent: t"}, Host: "example.com", HasHost: true,
			ContentLength: -1, KeepAlive: true,
		}},
		// RFC 9112 2.2: at least one empty line before the request line
		// must be ignored.
		{"leading empty lines", crlf("\n\nGET / HTTP/1.1\nHost: a\n\n"), head{
			Method: "GET", Target: "/", Version: HTTP11, Fields: []string{"Host: a"},
			Host: "a", HasHost: true, ContentLength: -1, KeepAlive: true,
		}},
		// RFC 9112 3.2: Host is required only in HTTP/1.1; HTTP/1.0
		// closes unless it asks for keep-alive (RFC 9112 9.3).
		{"HTTP/1.0 without Host", crlf("GET / HTTP/1.0\n\n"), head{
			Method: "GET", Target: "/", Version: HTTP10, ContentLength: -1,
		}},
		{"HTTP/1.0 keep-alive", crlf("GET / HTTP/1.0\nConnection: Keep-Alive\n\n"), head{
			Method: "GET", Target: "/", Version: HTTP10, Fields: []string{"Connection: Keep-Alive"},
			ContentLength: -1, KeepAlive: true,
		}},
		// Connection is a list of case-insensitive tokens (RFC 9110 7.6.1).
		{"close in a list", crlf("GET / HTTP/1.1\nHost: a\nConnection: Upgrade , CLOSE\n\n"), head{
			Method: "GET", Target: "/", Version: HTTP11, Fields: []string{"Host: a", "Connection: Upgrade , CLOSE"},
			Host: "a", HasHost: true, ContentLength: -1,
		}},
		{"close on a second line", crlf("GET / HTTP/1.1\nHost: a\nConnection: foo\nconnection: close\n\n"), head{
			Method: "GET", Target: "/", Version: HTTP11,
			Fields: []string{"Host: a", "Connection: foo", "connection: close"},
			Host:   "a", HasHost: true, ContentLength: -1,
		}},
		// RFC 9110 10.1.1: the expectation is case-insensitive ...
		{"expect 100-continue", crlf("PUT /x HTTP/1.1\nHost: a\nExpect: 100-Continue\nContent-Length: 3\n\n"), head{
			Method: "PUT", Target: "/x", Version: HTTP11,
			Fields: []string{"Host: a", "Expect: 100-Continue", "Content-Length: 3"},
			Host:   "a", HasHost: true, ContentLength: 3, KeepAlive: true, Expect100: true,
		}},
		// ... and must be ignored in an HTTP/1.0 request.
		{"expect in HTTP/1.0", crlf("PUT /x HTTP/1.0\nExpect: 100-continue\nContent-Length: 3\n\n"), head{
			Method: "PUT", Target: "/x", Version: HTTP10,
			Fields: []string{"Expect: 100-continue", "Content-Length: 3"}, ContentLength: 3,
		}},
		{"absolute-form", crlf("GET http://example.com/a?b HTTP/1.1\nHost: example.com\n\n"), head{
			Method: "GET", Target: "http://example.com/a?b", Version: HTTP11, Fields: []string{"Host: example.com"},
			Host: "example.com", HasHost: true, ContentLength: -1, KeepAlive: true,
		}},
		{"OPTIONS *", crlf("OPTIONS * HTTP/1.1\nHost: a\n\n"), head{
			Method: "OPTIONS", Target: "*", Version: HTTP11, Fields: []string{"Host: a"},
			Host: "a", HasHost: true, ContentLength: -1, KeepAlive: true,
		}},
		// RFC 9112 6.3 item 5: identical repeated values may be accepted.
		{"identical Content-Length lines", crlf("POST / HTTP/1.1\nHost: a\nContent-Length: 5\nContent-Length: 5\n\n"), head{
			Method: "POST", Target: "/", Version: HTTP11,
			Fields: []string{"Host: a", "Content-Length: 5", "Content-Length: 5"},
			Host:   "a", HasHost: true, ContentLength: 5, KeepAlive: true,
		}},
		{"identical Content-Length list", crlf("POST / HTTP/1.1\nHost: a\nContent-Length: 5 , 5\n\n"), head{
			Method: "POST", Target: "/", Version: HTTP11, Fields: []string{"Host: a", "Content-Length: 5 , 5"},
			Host: "a", HasHost: true, ContentLength: 5, KeepAlive: true,
		}},
		{"Content-Length with leading zeros", crlf("POST / HTTP/1.1\nHost: a\nContent-Length: 007\n\n"), head{
			Method: "POST", Target: "/", Version: HTTP11, Fields: []string{"Host: a", "Content-Length: 007"},
			Host: "a", HasHost: true, ContentLength: 7, KeepAlive: true,
		}},
		// Transfer-coding names are case-insensitive (RFC 9112 7).
		{"chunked", crlf("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: Chunked\n\n"), head{
			Method: "POST", Target: "/", Version: HTTP11, Fields: []string{"Host: a", "Transfer-Encoding: Chunked"},
			Host: "a", HasHost: true, ContentLength: -1, Chunked: true, KeepAlive: true,
		}},
		// RFC 9110 5.5: OWS around the value is not part of it; obs-text
		// (bytes >= 0x80) is allowed; an empty value is valid.
		{"value whitespace, obs-text, empty", "GET / HTTP/1.1\r\nHost:a\r\nX-A: \t v 1 \t\r\nX-B: caf\xc3\xa9\r\nX-C:\r\n\r\n", head{
			Method: "GET", Target: "/", Version: HTTP11,
			Fields: []string{"Host: a", "X-A: v 1", "X-B: caf\xc3\xa9", "X-C: "},
			Host:   "a", HasHost: true, ContentLength: -1, KeepAlive: true,
		}},
		{"empty Host", crlf("GET / HTTP/1.1\nHost:\n\n"), head{
			Method: "GET", Target: "/", Version: HTTP11, Fields: []string{"Host: "},
			HasHost: true, ContentLength: -1, KeepAlive: true,
		}},
		{"Host with port and IPv6", crlf("GET / HTTP/1.1\nHost: [::1]:8080\n\n"), head{
			Method: "GET", Target: "/", Version: HTTP11, Fields: []string{"Host: [::1]:8080"},
			Host: "[::1]:8080", HasHost: true, ContentLength: -1, KeepAlive: true,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.N = len(tt.in)
			want := outcome{Head: &tt.want}
			if diff := cmp.Diff(want, parseWhole([]byte(tt.in), Limits{})); diff != "" {
				t.Errorf("whole buffer (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, parseBytewise([]byte(tt.in), Limits{})); diff != "" {
				t.Errorf("byte at a time (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	small := Limits{MaxRequestLine: 64, MaxHeaderBytes: 256, MaxFields: 4, MaxBody: 100}
	tests := []struct {
		name   string
		in     string
		lim    Limits
		status int
	}{
		// Request line (RFC 9112 3).
		{"no version", "GET /\r\n\r\n", Limits{}, 400},
		{"two spaces", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"trailing space", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", Limits{}, 400},
		{"tab separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"method not a token", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"leading space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"binary noise", "\x16\x03\x01\x02\x00\x01\x00", Limits{}, 400}, // a TLS ClientHello: refused at once
		{"lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"version without minor", "GET / HTTP/1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"control in target", "GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"non-ASCII in target", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"asterisk with GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400}, // RFC 9112 3.2.4: OPTIONS only
		{"authority-form with GET", "GET example.com HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", Limits{}, 501}, // not a proxy
		// RFC 9110 15.6.6: a well-formed version we do not serve is 505.
		{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", Limits{}, 505},
		{"HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", Limits{}, 505},
		{"HTTP/3.0", "GET / HTTP/3.0\r\nHost: a\r\n\r\n", Limits{}, 505},
		// RFC 9112 3.2.1, RFC 3986 4.3: no form of the target has a
		// fragment; "#" is 400, not a character of the path.
		{"fragment in origin-form", "GET /hello#x HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"fragment in query", "GET /a?b#c HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"fragment in absolute-form", "GET http://a/b#c HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		// Absolute-form (RFC 9112 3.2.2): an http(s) URI with an authority
		// that obeys the Host rules (RFC 9110 4.2.1, 4.2.4).
		{"absolute-form with userinfo", "GET http://user:pw@evil.example/x HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"absolute-form with empty userinfo", "GET http://@a/x HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"absolute-form with empty host", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"absolute-form with empty host and query", "GET http://?x HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"absolute-form with port only", "GET http://:80/x HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"absolute-form with nothing after the scheme", "GET http:// HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"absolute-form with invalid host bytes", "GET http://a\"<x>/ HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"absolute-form without authority", "GET http:/x HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"scheme and opaque part", "GET foo:bar HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"not an http URI", "GET ftp://a/x HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		// The HTTP/2 connection preface (RFC 9113 3.4) is 505, not a bad target.
		{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", Limits{}, 505},
		// RFC 9112 3 and RFC 9110 15.5.15: a target too long to buffer is 414.
		{"long target", "GET /" + strings.Repeat("a", 100) + " HTTP/1.1\r\nHost: a\r\n\r\n", small, 414},
		{"long target, default limit", "GET /" + strings.Repeat("a", DefaultMaxRequestLine) + " HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 414},
		// Line endings (RFC 9112 2.2).
		{"bare LF after request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", Limits{}, 400},
		{"bare LF after field", "GET / HTTP/1.1\r\nHost: a\n\r\n", Limits{}, 400},
		{"bare LF ending head", "GET / HTTP/1.1\r\nHost: a\r\n\n", Limits{}, 400},
		{"bare CR in request line", "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", Limits{}, 400},
		{"bare CR in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", Limits{}, 400},
		{"bare CR as empty line", "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", Limits{}, 400},
		// Field lines (RFC 9112 5).
		{"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", Limits{}, 400},
		{"whitespace before first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", Limits{}, 400},
		{"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", Limits{}, 400},
		{"tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", Limits{}, 400},
		{"empty field name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", Limits{}, 400},
		{"no colon", "GET / HTTP/1.1\r\nHost: a\r\nXYZ\r\n\r\n", Limits{}, 400},
		{"invalid name byte", "GET / HTTP/1.1\r\nHost: a\r\nX(Y): b\r\n\r\n", Limits{}, 400},
		{"NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", Limits{}, 400},
		{"DEL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n", Limits{}, 400},
		// Host (RFC 9112 3.2).
		{"missing Host", "GET / HTTP/1.1\r\n\r\n", Limits{}, 400},
		{"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", Limits{}, 400},
		{"two Hosts in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", Limits{}, 400},
		{"invalid Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", Limits{}, 400},
		// Message length (RFC 9112 6).
		// RFC 9112 6.1: both framings at once is the smuggling pattern: 400.
		{"CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", Limits{}, 400},
		{"TE and CL", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", Limits{}, 400},
		{"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", Limits{}, 400},
		// RFC 9112 6.3 item 4: a request whose final coding is not chunked
		// has no knowable length: 400.
		{"TE gzip only", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", Limits{}, 400},
		{"TE chunked then gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", Limits{}, 400},
		{"TE chunked then gzip on two lines", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", Limits{}, 400},
		// RFC 9112 6.1: chunked must not be applied twice: 400.
		{"TE chunked twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", Limits{}, 400},
		{"TE empty", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n", Limits{}, 400},
		{"TE not a token", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", Limits{}, 400},
		{"TE chunked with a suffix", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunkedx\r\n\r\n", Limits{}, 400},
		// RFC 9112 6.1: a coding we do not implement, before a final
		// chunked, is 501: the framing is clear but we cannot decode it.
		{"TE gzip, chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", Limits{}, 501},
		{"TE gzip line then chunked line", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", Limits{}, 501},
		// RFC 9110 8.6: Content-Length = 1*DIGIT; anything else is 400
		// because a front end may read another length from it.
		{"CL letters", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5a\r\n\r\n", Limits{}, 400},
		{"CL empty", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", Limits{}, 400},
		{"CL negative", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", Limits{}, 400},
		{"CL plus sign", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", Limits{}, 400},
		{"CL hex", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", Limits{}, 400},
		{"CL inner space", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", Limits{}, 400},
		{"CL overflow", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n", Limits{}, 400},
		{"CL different lines", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", Limits{}, 400},
		{"CL different list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", Limits{}, 400},
		{"CL list with empty element", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\n", Limits{}, 400},
		// RFC 9110 15.5.14: a declared body over the limit is 413 at once,
		// before the client sends it.
		{"CL over the body limit", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n", small, 413},
		{"CL over the default body limit", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\n", Limits{}, 413},
		// Limits: RFC 6585 5 says 431 for a head or a field count over the
		// server's bound, whether or not the head ever ends.
		{"too many fields", crlf("GET / HTTP/1.1\nHost: a\nA: 1\nB: 2\nC: 3\nD: 4\n\n"), small, 431},
		{"head too large", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("x", 300) + "\r\n\r\n", small, 431},
		{"head too large, no end", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("x", 300), small, 431},
		{"empty lines count", strings.Repeat("\r\n", 200) + get11, small, 431},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := outcome{Status: tt.status}
			if diff := cmp.Diff(want, parseWhole([]byte(tt.in), tt.lim)); diff != "" {
				t.Errorf("whole buffer (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, parseBytewise([]byte(tt.in), tt.lim)); diff != "" {
				t.Errorf("byte at a time (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseTarget checks what the parser makes of each form of the
// request-target: PathQuery, the target host, and the version a higher
// HTTP/1.x minor is read as (RFC 9110 2.5).
func TestParseTarget(t *testing.T) {
	type got struct {
		PathQuery, Host string
		HasHost         bool
		Version         Version
	}
	tests := []struct {
		name string
		line string // request line, without CRLF
		want got
	}{
		{"origin-form", "GET /a?b HTTP/1.1", got{"/a?b", "field.example", true, HTTP11}},
		{"asterisk-form", "OPTIONS * HTTP/1.1", got{"*", "field.example", true, HTTP11}},
		// RFC 9112 3.2.2: the authority replaces the Host field.
		{"absolute-form", "GET http://Other.example:81/p%41th?q=1 HTTP/1.1", got{"/p%41th?q=1", "Other.example:81", true, HTTP11}},
		{"absolute-form, https, upper-case scheme", "GET HTTPS://h/ HTTP/1.1", got{"/", "h", true, HTTP11}},
		{"absolute-form, empty path", "GET http://h HTTP/1.1", got{"", "h", true, HTTP11}},
		{"absolute-form, empty path with query", "GET http://h?x HTTP/1.1", got{"?x", "h", true, HTTP11}},
		{"absolute-form, IPv6 literal", "GET http://[::1]:8080/x HTTP/1.1", got{"/x", "[::1]:8080", true, HTTP11}},
		// RFC 9110 2.5: a higher minor version is processed as 1.1.
		{"HTTP/1.2", "GET / HTTP/1.2", got{"/", "field.example", true, HTTP11}},
		{"HTTP/1.9", "GET / HTTP/1.9", got{"/", "field.example", true, HTTP11}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.line + "\r\nHost: field.example\r\n\r\n")
			var p Parser
			if _, err := p.Parse(in); err != nil {
				t.Fatalf("Parse(%q): %v", in, err)
			}
			r := p.Request()
			g := got{string(r.PathQuery), string(r.Host), r.Host != nil, r.Version}
			if diff := cmp.Diff(tt.want, g); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", in, diff)
			}
		})
	}
}

// TestParseHigherMinorIsHTTP11 checks that a request in HTTP/1.2 follows
// every HTTP/1.1 rule: Host is required, and the connection persists
// unless the client sends close (RFC 9110 2.5, RFC 9112 3.2, 9.3).
func TestParseHigherMinorIsHTTP11(t *testing.T) {
	if o := parseWhole([]byte("GET / HTTP/1.2\r\n\r\n"), Limits{}); o.Status != 400 {
		t.Errorf("HTTP/1.2 without Host: %+v, want 400", o)
	}
	o := parseWhole([]byte("GET / HTTP/1.2\r\nHost: a\r\n\r\n"), Limits{})
	if o.Head == nil || !o.Head.KeepAlive || o.Head.Version != HTTP11 {
		t.Errorf("HTTP/1.2 with Host: %+v, want an HTTP/1.1 keep-alive head", o)
	}
}

func TestParseNeedMore(t *testing.T) {
	for _, in := range []string{"", "\r", "\r\n", "GET", "GET / HTTP/1.1\r", "GET / HTTP/1.1\r\nHost: a\r\n", "GET / HTTP/1.1\r\nHost: a\r\n\r"} {
		var p Parser
		if n, err := p.Parse([]byte(in)); n != 0 || err != ErrNeedMore {
			t.Errorf("Parse(%q) = %d, %v; want 0, ErrNeedMore", in, n, err)
		}
	}
}

// TestParseLinearWork checks that a head arriving one byte per call costs
// O(n) work: the parser resumes where it stopped instead of rescanning.
func TestParseLinearWork(t *testing.T) {
	var b strings.Builder
	b.WriteString("GET / HTTP/1.1\r\nHost: a\r\n")
	for b.Len() < 60<<10 {
		b.WriteString("X-Long: " + strings.Repeat("v", 1000) + "\r\n")
	}
	b.WriteString("\r\n")
	in := []byte(b.String())
	p := Parser{Limits: Limits{MaxHeaderBytes: 64 << 10}}
	for i := 1; i < len(in); i++ {
		if _, err := p.Parse(in[:i]); err != ErrNeedMore {
			t.Fatalf("Parse of %d bytes: %v", i, err)
		}
	}
	if n, err := p.Parse(in); err != nil || n != len(in) {
		t.Fatalf("Parse = %d, %v; want %d, nil", n, err, len(in))
	}
	if limit := 4 * len(in); p.scanned > limit {
		t.Errorf("scanned %d bytes for a %d-byte head; want at most %d", p.scanned, len(in), limit)
	}
}

// TestParseMovedBuffer parses a head whose buffer is reallocated between
// calls, and checks the result points into the final buffer.
func TestParseMovedBuffer(t *testing.T) {
	in := crlf("GET /x HTTP/1.1\nHost: a\nX: y\n\n")
	var p Parser
	var buf []byte
	for i := 0; i < len(in); i++ {
		buf = append(buf[:i:i], in[i]) // always a new array
		n, err := p.Parse(buf)
		if i < len(in)-1 {
			if err != ErrNeedMore {
				t.Fatalf("Parse of %d bytes: %v", i+1, err)
			}
			continue
		}
		if err != nil || n != len(in) {
			t.Fatalf("Parse = %d, %v", n, err)
		}
	}
	r := p.Request()
	buf[len("GET /")] = 'z'
	if string(r.Target) != "/z" {
		t.Errorf("Target = %q after changing the buffer; want a view into it (/z)", r.Target)
	}
}

func TestParsePipelined(t *testing.T) {
	in := crlf("POST /a HTTP/1.1\nHost: a\nContent-Length: 5\n\nhelloGET /b HTTP/1.1\nHost: b\n\n" +
		"POST /c HTTP/1.1\nHost: c\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\nGET /d HTTP/1.1\nHost: d\n\n")
	var got []string
	var p Parser
	var d BodyDecoder
	buf := []byte(in)
	for len(buf) > 0 {
		p.Reset()
		n, err := p.Parse(buf)
		if err != nil {
			t.Fatalf("Parse(%q): %v", buf, err)
		}
		req := p.Request()
		d.Reset(req, Limits{})
		body, used := decodeAll(t, &d, buf[n:])
		got = append(got, string(req.Target)+" "+body)
		buf = buf[n+used:]
	}
	want := []string{"/a hello", "/b ", "/c abc", "/d "}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pipelined requests (-want +got):\n%s", diff)
	}
}

// decodeAll decodes a whole body from in, returning it and the bytes used.
func decodeAll(t *testing.T, d *BodyDecoder, in []byte) (string, int) {
	t.Helper()
	var body bytes.Buffer
	used := 0
	for {
		data, n, done, err := d.Decode(in[used:])
		used += n
		body.Write(data)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if done {
			return body.String(), used
		}
	}
}

func TestParseReuseAllocs(t *testing.T) {
	in := []byte(crlf("GET / HTTP/1.1\nHost: a\nA: 1\nB: 2\nC: 3\n\n"))
	var p Parser
	p.Parse(in)
	allocs := testing.AllocsPerRun(100, func() {
		p.Reset()
		if _, err := p.Parse(in); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Parse after Reset allocates %v times; want 0", allocs)
	}
}

// TestParseResetCapsMemory checks that a reused Parser lets go of the
// memory of a large head (100 fields kept about 12 KB) but keeps enough
// for a typical one to parse without allocating.
func TestParseResetCapsMemory(t *testing.T) {
	head := func(n int) []byte {
		var b strings.Builder
		b.WriteString("GET / HTTP/1.1\r\nHost: a\r\n")
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, "X-%d: v\r\n", i)
		}
		return []byte(b.String() + "\r\n")
	}
	kept := func(p *Parser) int {
		return cap(p.fields)*int(unsafe.Sizeof(fieldSpan{})) + cap(p.req.Fields)*int(unsafe.Sizeof(Field{}))
	}
	var p Parser
	if _, err := p.Parse(head(DefaultMaxFields)); err != nil {
		t.Fatal(err)
	}
	before := kept(&p)
	p.Reset()
	t.Logf("a %d-field head holds %d bytes; after Reset %d", DefaultMaxFields, before, kept(&p))
	if limit := maxKeptFields * int(unsafe.Sizeof(fieldSpan{})+unsafe.Sizeof(Field{})); kept(&p) > limit {
		t.Errorf("after Reset the Parser keeps %d bytes of fields; want at most %d", kept(&p), limit)
	}
	in := head(maxKeptFields)
	p.Parse(in)
	allocs := testing.AllocsPerRun(100, func() {
		p.Reset()
		if _, err := p.Parse(in); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("a %d-field head after Reset allocates %v times; want 0", maxKeptFields, allocs)
	}
}

func TestRequestGet(t *testing.T) {
	var p Parser
	if _, err := p.Parse([]byte(crlf("GET / HTTP/1.1\nHost: a\ncontent-TYPE: text/plain\nX-Dup: 1\nx-dup: 2\n\n"))); err != nil {
		t.Fatal(err)
	}
	r := p.Request()
	got := []string{string(r.Get("Content-Type")), string(r.Get("CONTENT-type")), string(r.Get("x-DUP"))}
	if diff := cmp.Diff([]string{"text/plain", "text/plain", "1"}, got); diff != "" {
		t.Errorf("Get (-want +got):\n%s", diff)
	}
	if v := r.Get("Missing"); v != nil {
		t.Errorf("Get(Missing) = %q; want nil", v)
	}
}

func TestHasBody(t *testing.T) {
	tests := []struct {
		r    Request
		want bool
	}{
		{Request{ContentLength: -1}, false},
		{Request{ContentLength: 0}, false},
		{Request{ContentLength: 1}, true},
		{Request{ContentLength: -1, Chunked: true}, true},
	}
	for _, tt := range tests {
		if got := tt.r.HasBody(); got != tt.want {
			t.Errorf("%+v.HasBody() = %v; want %v", tt.r, got, tt.want)
		}
	}
}

// TestValidValue checks the word-at-a-time value check against the
// byte table, for every byte value at every position of a word and its
// tail.
func TestValidValue(t *testing.T) {
	for pos := 0; pos < 19; pos++ {
		for c := 0; c < 256; c++ {
			v := []byte(strings.Repeat("a", 19))
			v[pos] = byte(c)
			want := !valueCTL[c]
			if got := validValue(v); got != want {
				t.Fatalf("validValue with byte %#x at %d = %v; want %v", c, pos, got, want)
			}
		}
	}
}
