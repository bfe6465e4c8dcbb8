package apps_test

import (
	"bufio"
	"bytes"
	"io"
	"log"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lbws/shared/apps"
	"lbws/shared/gateway"
	"lbws/shared/http1"
)

// response is the parsed answer of an app.
type response struct {
	status  string
	header  http.Header
	body    string
	chunked bool
}

// do parses raw, serves it with app through gateway.Server and parses the
// response with net/http's client-side reader.
func do(t *testing.T, app gateway.App, raw string) response {
	t.Helper()
	r := http1.NewReader(strings.NewReader(raw), http1.Limits{})
	req, err := r.ReadRequest()
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	var out, logb bytes.Buffer
	srv := &gateway.Server{App: app, Name: "localhost", Port: "8888", Log: log.New(&logb, "", 0)}
	if _, err := srv.Serve(&out, req, r.Body(), "127.0.0.1:4242"); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if logb.Len() > 0 {
		t.Errorf("server log: %q", logb.String())
	}
	resp, err := http.ReadResponse(bufio.NewReader(&out), &http.Request{Method: string(req.Method)})
	if err != nil {
		t.Fatalf("response %q: %v", out.String(), err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("response body: %v", err)
	}
	return response{resp.Status, resp.Header, string(body), len(resp.TransferEncoding) > 0}
}

func TestHello(t *testing.T) {
	mux := apps.Mux(0)
	got := do(t, mux, "GET /hello HTTP/1.1\r\nHost: h\r\n\r\n")
	if got.status != "200 OK" || got.body != "Hello World" ||
		got.header.Get("Content-Type") != "text/plain" || got.header.Get("Content-Length") != "11" {
		t.Errorf("GET /hello: %+v", got)
	}
	got = do(t, mux, "HEAD /hello HTTP/1.1\r\nHost: h\r\n\r\n")
	if got.status != "200 OK" || got.body != "" || got.header.Get("Content-Length") != "11" {
		t.Errorf("HEAD /hello: %+v", got)
	}
}

func TestHelloSleeps(t *testing.T) {
	const delay = 30 * time.Millisecond
	start := time.Now()
	do(t, apps.Hello(delay), "GET /anything HTTP/1.1\r\nHost: h\r\n\r\n")
	if took := time.Since(start); took < delay {
		t.Errorf("Hello answered after %v, before its delay of %v", took, delay)
	}
}

func TestMuxRouting(t *testing.T) {
	mux := apps.Mux(0)
	tests := []struct {
		raw, status, allow string
	}{
		{"GET /nope HTTP/1.1\r\nHost: h\r\n\r\n", "404 Not Found", ""},
		{"GET /hello/ HTTP/1.1\r\nHost: h\r\n\r\n", "404 Not Found", ""},
		{"POST /hello HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", "405 Method Not Allowed", "GET, HEAD"},
		{"GET /echo HTTP/1.1\r\nHost: h\r\n\r\n", "405 Method Not Allowed", "POST, PUT"},
		{"DELETE /environ HTTP/1.1\r\nHost: h\r\n\r\n", "200 OK", ""},
	}
	for _, tt := range tests {
		got := do(t, mux, tt.raw)
		if got.status != tt.status || got.header.Get("Allow") != tt.allow {
			t.Errorf("%q: %s, Allow %q; want %s, Allow %q", tt.raw, got.status, got.header.Get("Allow"), tt.status, tt.allow)
		}
	}
}

func TestEcho(t *testing.T) {
	mux := apps.Mux(0)
	got := do(t, mux, "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Type: text/csv\r\nContent-Length: 5\r\n\r\na,b,c")
	if got.body != "a,b,c" || got.header.Get("Content-Type") != "text/csv" || got.header.Get("Content-Length") != "5" {
		t.Errorf("POST /echo: %+v", got)
	}
	got = do(t, mux, "PUT /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
	if got.body != "abc" || got.header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("chunked PUT /echo: %+v", got)
	}
}

func TestEchoLargeBodyInChunks(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789"), 10_000) // 100,000 bytes
	env := &gateway.Environ{RequestMethod: "POST", PathInfo: "/echo", Input: bytes.NewReader(payload)}
	body := apps.Echo(env, func(string, []gateway.Header, error) (gateway.WriteFunc, error) { return nil, nil })
	defer body.Close()
	var got []byte
	for {
		c, err := body.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(c) > 32<<10 {
			t.Errorf("chunk of %d bytes, want at most 32 KiB", len(c))
		}
		got = append(got, c...)
	}
	if !bytes.Equal(got, payload) {
		t.Errorf("echoed %d bytes, want the %d sent", len(got), len(payload))
	}
}

func TestEnvironDump(t *testing.T) {
	got := do(t, apps.Mux(0), "GET /environ?a=b HTTP/1.1\r\nHost: h\r\nX-Test: yes\r\n\r\n")
	lines := strings.Split(strings.TrimSuffix(got.body, "\n"), "\n")
	if !sort.StringsAreSorted(lines) {
		t.Errorf("dump is not sorted:\n%s", got.body)
	}
	want := map[string]string{
		"PATH_INFO": "/environ", "QUERY_STRING": "a=b", "HTTP_X_TEST": "yes", "SERVER_PORT": "8888",
		"REQUEST_METHOD": "GET", "wsgi.url_scheme": "http", "wsgi.run_once": "false", "SCRIPT_NAME": "",
	}
	seen := map[string]string{}
	for _, l := range lines {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Errorf("line %q is not KEY=value", l)
		}
		if _, ok := want[k]; ok {
			seen[k] = v
		}
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("dump (-want +got):\n%s", diff)
	}
	if got.header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", got.header.Get("Content-Type"))
	}
}

// /environ reads the whole request body and says how many bytes it got.
func TestEnvironReadsInput(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"POST /environ HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", "5"},
		{"POST /environ HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n", "7"},
		{"GET /environ HTTP/1.1\r\nHost: h\r\n\r\n", "0"},
	} {
		got := do(t, apps.Mux(0), tc.raw)
		if !strings.Contains(got.body, "\nwsgi.input_read="+tc.want+"\n") {
			t.Errorf("%q: dump has no wsgi.input_read=%s:\n%s", tc.raw, tc.want, got.body)
		}
	}
}
