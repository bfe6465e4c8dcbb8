package http1

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// choices hands out the fuzzer's bytes one decision at a time; once they
// run out every decision is 0, the first (and most ordinary) option.
type choices struct {
	data []byte // the fuzzer's input
	pos  int    // next byte to use
	odd  bool   // odd pieces and byte edits are allowed
}

// next returns a number in [0, n). Each byte is mixed with its position
// first, so that text inputs (the fuzzer's seeds are mostly HTTP text, full
// of spaces and digits) steer the choices as evenly as random bytes do.
func (c *choices) next(n int) int {
	if c.pos >= len(c.data) {
		return 0
	}
	b := c.data[c.pos] ^ byte(c.pos*0x9d+0x5b)
	c.pos++
	return int(b) % n
}

// pick returns one of opts.
func (c *choices) pick(opts []string) string { return opts[c.next(len(opts))] }

// pickMostly returns one of valid; when c.odd is set, one time in sixteen
// it returns one of odd instead.
func (c *choices) pickMostly(valid, odd []string) string {
	if c.next(16) == 0 && c.odd {
		return c.pick(odd)
	}
	return c.pick(valid)
}

// Grammar pieces of a request (RFC 9112 3, 5, 6, 7): valid ones, and odd
// ones, the errors and corner cases the parsers may differ on.
var (
	genMethods    = []string{"GET", "POST", "PUT", "HEAD", "OPTIONS", "DELETE", "PATCH", "X-CUSTOM"}
	oddMethods    = []string{"get", "G(T", "CONNECT", "", "GET\t"}
	genTargets    = []string{"/", "/a/b?c=d&e", "/hello", "/%41b", "/a;p?q=1/2", "http://h.example/x?y", "HTTP://h:81", "https://[::1]:8/p", "http://h?q"}
	oddTargets    = []string{"*", "http://u:p@h/", "http:///x", "/a#f", "foo:bar", "//x", "/%zz", "h.example:80", "http://a\"b/", "/a b"}
	genVersions   = []string{"HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0"}
	oddVersions   = []string{"HTTP/1.2", "HTTP/1.9", "HTTP/2.0", "HTTP/0.9", "http/1.1", "HTTP/1.10", "HTTP/1"}
	genHosts      = []string{"Host: h.example", "Host: h.example:8080", "host: [::1]:80", "Host:"}
	oddHosts      = []string{"Host: a b", "Host: a@b", "Host: h\r\nHost: i", "Host : h"}
	genFields     = []string{"Connection: close", "Connection: keep-alive", "Connection: Upgrade, close", "Expect: 100-continue", "X-A: v", "X-A:  spaced  ", "x-a: second", "User-Agent: fuzz/1.0", "Cookie: a=b; c=d", "X-Obs: caf\xc3\xa9", "X-Empty:", "X_Under: v", "Pragma: no-cache"}
	oddFields     = []string{" folded", "X-Sp : v", "X-Nul: a\x00b", ": no-name", "no-colon", "X-CR: a\rb", "X-DEL: \x7f"}
	genFraming    = []string{"", "", "Content-Length: 5", "Content-Length: 0", "Transfer-Encoding: chunked", "Content-Length: 05", "Transfer-Encoding: Chunked"}
	oddFraming    = []string{"Content-Length: 5, 5", "Transfer-Encoding: chunked,", "Content-Length: 5, 6", "Content-Length: +5", "Content-Length: 99999999999999999999", "Transfer-Encoding: gzip, chunked", "Transfer-Encoding: chunked, gzip", "Transfer-Encoding: identity", "Content-Length: 5\r\nTransfer-Encoding: chunked", "Content-Length: 5\r\nContent-Length: 5"}
	genChunks     = []string{"5\r\nhello\r\n", "1\r\nx\r\n", "A\r\n0123456789\r\n", "3;ext=1\r\nabc\r\n", "003\r\nabc\r\n"}
	oddChunks     = []string{"5 ;e\r\nhello\r\n", "5 \r\nhello\r\n", "0x5\r\nhello\r\n", "5\r\nhelloX\r\n", "g\r\n", "5;\x01\r\nhello\r\n", "00000000000000005\r\nhello\r\n"}
	genChunkEnds  = []string{"0\r\n\r\n", "0\r\nT: 1\r\n\r\n", "0;e\r\n\r\n"}
	oddChunkEnds  = []string{"0\r\n", "0\r\n T: 1\r\n\r\n", "0\r\nT : 1\r\n\r\n", "0\n\n"}
	genMutateWith = []byte{' ', '\t', '\r', '\n', ':', ',', ';', '0', 'a', '/', '?', '#', '@', 0x00, 0x7f, 0x80}
)

// generate builds a request from the grammar pieces above, steered by
// data. With odd set it sometimes uses the odd pieces and sometimes edits
// a few bytes of the result, also as data says; without, it builds only
// from valid pieces, requests both parsers should accept and agree on.
// Unlike random bytes, most of what it builds is a request at least one
// parser accepts, so FuzzDifferential compares two parses rather than two
// refusals.
func generate(data []byte, odd bool) []byte {
	c := &choices{data: data, odd: odd}
	var b strings.Builder
	if c.next(16) == 0 && odd {
		b.WriteString("\r\n") // RFC 9112 2.2: an empty line before the request line
	}
	version := c.pickMostly(genVersions, oddVersions)
	fmt.Fprintf(&b, "%s %s %s\r\n", c.pickMostly(genMethods, oddMethods),
		c.pickMostly(genTargets, oddTargets), version)
	if c.next(16) != 0 || !odd {
		b.WriteString(c.pickMostly(genHosts, oddHosts) + "\r\n")
	}
	framing := c.pickMostly(genFraming, oddFraming)
	if !odd && version == "HTTP/1.0" && strings.Contains(framing, "hunked") {
		framing = "Content-Length: 5" // RFC 9112 6.1: no chunked in HTTP/1.0
	}
	at := c.next(4) // where among the other fields the framing goes
	for i := range c.next(5) {
		if i == at {
			b.WriteString(framing + "\r\n")
		}
		b.WriteString(c.pickMostly(genFields, oddFields) + "\r\n")
	}
	if at >= 0 && !strings.Contains(b.String(), framing+"\r\n") && framing != "" {
		b.WriteString(framing + "\r\n")
	}
	b.WriteString("\r\n")
	switch {
	case strings.Contains(strings.ToLower(framing), "chunked"):
		for n := c.next(4); n > 0; n-- {
			b.WriteString(c.pickMostly(genChunks, oddChunks))
		}
		b.WriteString(c.pickMostly(genChunkEnds, oddChunkEnds))
	case strings.Contains(framing, "5"):
		b.WriteString("hello")
	}
	msg := []byte(b.String())
	if c.next(8) == 0 && odd {
		msg = mutate(msg, c)
	}
	return msg
}

// mutate applies one to three byte edits (replace, insert, delete) at
// positions chosen by c.
func mutate(msg []byte, c *choices) []byte {
	for n := 1 + c.next(3); n > 0 && len(msg) > 0; n-- {
		i := (c.next(256)<<8 | c.next(256)) % len(msg)
		x := genMutateWith[c.next(len(genMutateWith))]
		switch c.next(3) {
		case 0:
			msg[i] = x
		case 1:
			msg = append(msg[:i], append([]byte{x}, msg[i:]...)...)
		default:
			msg = append(msg[:i], msg[i+1:]...)
		}
	}
	return msg
}

// verdictStats counts what the two parsers said about the inputs of one
// kind, for the fuzzing report.
type verdictStats struct {
	inputs, both, oursOnly, theirsOnly atomic.Int64 // inputs, and who accepted them
}

// add records one comparison.
func (s *verdictStats) add(ours, theirs bool) {
	s.inputs.Add(1)
	switch {
	case ours && theirs:
		s.both.Add(1)
	case ours:
		s.oursOnly.Add(1)
	case theirs:
		s.theirsOnly.Add(1)
	}
}

// String reports the counts and the share both parsers accepted.
func (s *verdictStats) String() string {
	n := max(s.inputs.Load(), 1)
	return fmt.Sprintf("inputs %d both %d (%.1f%%) ours-only %d net/http-only %d neither %d",
		s.inputs.Load(), s.both.Load(), 100*float64(s.both.Load())/float64(n),
		s.oursOnly.Load(), s.theirsOnly.Load(),
		s.inputs.Load()-s.both.Load()-s.oursOnly.Load()-s.theirsOnly.Load())
}

// Counters of FuzzDifferential, per worker process: raw inputs, requests
// generated from valid pieces, and requests generated with odd ones.
var rawStats, validStats, oddStats verdictStats

// fuzzStatsEnv names a directory; when it is set, each FuzzDifferential
// worker writes its counters there every statsEvery inputs (fuzzing
// workers' output is not shown), one file per process.
const (
	fuzzStatsEnv = "HTTP1_FUZZ_STATS"
	statsEvery   = 20000
)

// saveStats writes this process's counters if fuzzStatsEnv asks for it.
func saveStats() {
	dir := os.Getenv(fuzzStatsEnv)
	if dir == "" || rawStats.inputs.Load()%statsEvery != 0 {
		return
	}
	s := fmt.Sprintf("raw %s\nvalid %s\nodd %s\n", &rawStats, &validStats, &oddStats)
	os.WriteFile(filepath.Join(dir, fmt.Sprintf("differential-%d.txt", os.Getpid())), []byte(s), 0o644)
}

// TestGenerateAccepted checks that the generator does its job on
// arbitrary bytes: most of what it builds is accepted by at least one
// parser, a good share by both, and nearly all of what it builds from
// valid pieces by both. That is what FuzzDifferential needs.
func TestGenerateAccepted(t *testing.T) {
	var valid, odd verdictStats
	x := uint64(0x9e3779b97f4a7c15)
	data := make([]byte, 48)
	for range 20000 {
		for i := range data {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			data[i] = byte(x)
		}
		for _, s := range []struct {
			stats *verdictStats
			odd   bool
		}{{&valid, false}, {&odd, true}} {
			msg := generate(data, s.odd)
			_, ourErr := parseOurs(msg)
			_, theirErr := parseNetHTTP(msg)
			s.stats.add(ourErr == nil, theirErr == nil)
		}
	}
	t.Logf("valid pieces: %s", &valid)
	t.Logf("odd pieces:   %s", &odd)
	if accepted := odd.both.Load() + odd.oursOnly.Load() + odd.theirsOnly.Load(); accepted*2 < odd.inputs.Load() {
		t.Errorf("only %d of %d generated requests accepted by either parser; want most", accepted, odd.inputs.Load())
	}
	if odd.both.Load()*4 < odd.inputs.Load() {
		t.Errorf("only %d of %d generated requests accepted by both parsers; want at least a quarter", odd.both.Load(), odd.inputs.Load())
	}
	if valid.both.Load()*2 < valid.inputs.Load() {
		t.Errorf("only %d of %d requests of valid pieces accepted by both parsers; want most", valid.both.Load(), valid.inputs.Load())
	}
}
