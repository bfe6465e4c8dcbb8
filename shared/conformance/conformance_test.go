package conformance

import (
	"bufio"
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestCasesWellFormed checks the table itself: enough cases, unique names
// in the documented groups, each with an expectation and a body.
func TestCasesWellFormed(t *testing.T) {
	cases := Cases()
	if len(cases) < 80 {
		t.Errorf("%d cases, want at least 80", len(cases))
	}
	if dups := checkUnique(cases); len(dups) > 0 {
		t.Errorf("duplicate case names: %v", dups)
	}
	groups := "requestline headers length chunked smuggling unread keepalive pipelining robustness concurrency edges apps"
	for _, c := range cases {
		if !strings.Contains(" "+groups+" ", " "+c.Group()+" ") || !strings.Contains(c.Name, "/") {
			t.Errorf("%s: group %q is not one of %s", c.Name, c.Group(), groups)
		}
		if c.Why == "" || c.Run == nil {
			t.Errorf("%s: needs a Why and a Run", c.Name)
		}
	}
}

// TestReadResponse checks the client's response parser on each framing.
func TestReadResponse(t *testing.T) {
	tests := []struct {
		name, in, method string
		want             *Response
		wantErr          bool
	}{
		{name: "length", method: "GET",
			in:   "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\nhelloEXTRA",
			want: &Response{Version: "HTTP/1.1", Status: 200, Reason: "OK", Header: []Header{{"Content-Length", "5"}, {"X", "y"}}, Body: []byte("hello"), Framing: "length"}},
		{name: "chunked with trailers", method: "GET",
			in:   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nhel\r\n2\r\nlo\r\n0\r\nT: 1\r\n\r\n",
			want: &Response{Version: "HTTP/1.1", Status: 200, Reason: "OK", Header: []Header{{"Transfer-Encoding", "chunked"}}, Body: []byte("hello"), Framing: "chunked"}},
		{name: "close delimited", method: "GET",
			in:   "HTTP/1.0 200 OK\r\n\r\nuntil close",
			want: &Response{Version: "HTTP/1.0", Status: 200, Reason: "OK", Body: []byte("until close"), Framing: "close"}},
		{name: "head has no body", method: "HEAD",
			in:   "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n",
			want: &Response{Version: "HTTP/1.1", Status: 200, Reason: "OK", Header: []Header{{"Content-Length", "11"}}, Framing: "none"}},
		{name: "100 continue", method: "POST",
			in:   "HTTP/1.1 100 Continue\r\n\r\n",
			want: &Response{Version: "HTTP/1.1", Status: 100, Reason: "Continue", Framing: "none"}},
		{name: "short body", method: "GET", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", wantErr: true},
		{name: "not http", method: "GET", in: "hello\r\n\r\n", wantErr: true},
		{name: "two lengths", method: "GET", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", wantErr: true},
		{name: "bad chunk", method: "GET", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := readResponse(bufio.NewReader(strings.NewReader(tt.in)), tt.method)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("no error, parsed %+v", r)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, r); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// sloppyServer answers every head it sees with 200 "Hello World" on a
// persistent connection and ignores bodies and framing: the kind of server
// the suite exists to catch.
func sloppyServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { serveSloppy(c) })
		}
	})
	return ln.Addr().String()
}

// serveSloppy is sloppyServer's connection loop.
func serveSloppy(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if line == "\r\n" {
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nHello World"))
		}
	}
}

// TestSuiteCatchesSloppyServer shows that the cases can fail: against a
// server that ignores framing, the smuggling, Host, close and echo cases
// fail while a plain GET passes.
func TestSuiteCatchesSloppyServer(t *testing.T) {
	addr := sloppyServer(t)
	opts := Options{KeepAlive: true, Pipelining: true, Concurrent: true, Timeout: 3 * time.Second}
	want := map[string]Outcome{
		"requestline/get-hello":      Pass,
		"headers/missing-host":       Fail,
		"smuggling/cl-differing":     Fail,
		"smuggling/cl-and-te":        Fail,
		"keepalive/connection-close": Fail,
		"length/echo":                Fail,
		"robustness/nul-bytes":       Fail,
		"headers/response-date":      Fail,
	}
	for _, c := range Cases() {
		w, ok := want[c.Name]
		if !ok {
			continue
		}
		if r := RunCase(c, addr, opts); r.Outcome != w {
			t.Errorf("%s: outcome %v, want %v; reason: %s", c.Name, r.Outcome, w, r.Reason)
		}
	}
}

// TestOutcomes checks skipping for missing features and the handling of
// known deviations, including one that unexpectedly passes.
func TestOutcomes(t *testing.T) {
	addr := sloppyServer(t)
	byName := map[string]Case{}
	for _, c := range Cases() {
		byName[c.Name] = c
	}
	tests := []struct {
		name string
		opts Options
		want Outcome
	}{
		{"keepalive/http11-persists", Options{}, Skip},
		{"keepalive/http11-persists", Options{KeepAlive: true}, Pass},
		{"headers/missing-host", Options{KnownDeviations: map[string]string{"headers/missing-host": "sloppy"}}, Skip},
		{"requestline/get-hello", Options{KnownDeviations: map[string]string{"requestline/get-hello": "listed by mistake"}}, Fail},
		{"robustness/header-timeout-silent", Options{}, Skip},
	}
	for _, tt := range tests {
		r := RunCase(byName[tt.name], addr, tt.opts)
		if r.Outcome != tt.want {
			t.Errorf("%s with %+v: outcome %v, want %v (%s)", tt.name, tt.opts, r.Outcome, tt.want, r.Reason)
		}
	}
}

// TestRunCasesOutput checks the line format h1check prints.
func TestRunCasesOutput(t *testing.T) {
	addr := sloppyServer(t)
	var out bytes.Buffer
	filter := func(name string) bool {
		return name == "requestline/get-hello" || name == "headers/missing-host" || name == "keepalive/http11-persists"
	}
	p, f, s := RunCases(addr, Options{Timeout: 3 * time.Second}, filter, &out)
	if p != 1 || f != 1 || s != 1 {
		t.Errorf("passed, failed, skipped = %d, %d, %d; want 1, 1, 1\n%s", p, f, s, out.String())
	}
	for _, prefix := range []string{"PASS requestline/get-hello\n", "FAIL headers/missing-host: got status 200", "SKIP keepalive/http11-persists: server does not support keep-alive"} {
		if !strings.Contains(out.String(), prefix) {
			t.Errorf("output lacks %q:\n%s", prefix, out.String())
		}
	}
}

// TestExtraFDs checks how NoLeaks describes new descriptors.
func TestExtraFDs(t *testing.T) {
	before := map[int]string{0: "/dev/null", 3: "socket:[1]"}
	now := map[int]string{0: "/dev/null", 3: "socket:[2]", 7: "pipe:[9]"}
	want := []string{"fd 3 -> socket:[2]", "fd 7 -> pipe:[9]"}
	if diff := cmp.Diff(want, extraFDs(before, now)); diff != "" {
		t.Errorf("extraFDs (-want +got):\n%s", diff)
	}
}
