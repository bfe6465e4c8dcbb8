package gateway_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"lbws/shared/gateway"
	"lbws/shared/http1"
)

// captureEnv returns an app that stores its Environ (and the body it read)
// and answers 200.
func captureEnv(env **gateway.Environ, body *string) gateway.App {
	return func(e *gateway.Environ, start gateway.StartResponse) gateway.Body {
		*env = e
		if body != nil {
			b, _ := io.ReadAll(e.Input)
			*body = string(b)
		}
		start("200 OK", nil, nil)
		return nil
	}
}

// ignoreIO leaves the reader and writer (and the storage behind the
// fields) out of Environ comparisons.
var ignoreIO = cmp.Options{cmpopts.IgnoreFields(gateway.Environ{}, "Input", "Errors"), cmpopts.IgnoreUnexported(gateway.Environ{})}

func TestEnviron(t *testing.T) {
	raw := "POST /a%20b/c%2Fd?x=1&y=%20 HTTP/1.1\r\n" +
		"Host: example.com\r\n" +
		"User-Agent: test/1.0\r\n" +
		"Accept: text/html\r\n" +
		"X-Forwarded-For: 10.0.0.1\r\n" +
		"accept: text/plain\r\n" +
		"Content-Type: text/plain\r\n" +
		"Content-Length: 3\r\n" +
		"X_Sneaky: dropped\r\n" +
		"\r\nabc"
	var env *gateway.Environ
	var body string
	s := serve(t, captureEnv(&env, &body), raw)
	if s.err != nil {
		t.Fatal(s.err)
	}
	want := &gateway.Environ{
		RequestMethod:  "POST",
		ScriptName:     "",
		PathInfo:       "/a b/c/d",
		QueryString:    "x=1&y=%20",
		ContentType:    "text/plain",
		ContentLength:  "3",
		ServerName:     "localhost",
		ServerPort:     "8888",
		ServerProtocol: "HTTP/1.1",
		RemoteAddr:     "127.0.0.1",
		RemotePort:     "5555",
		RequestURI:     "/a%20b/c%2Fd?x=1&y=%20",
		Headers: []gateway.Var{
			{Name: "HTTP_HOST", Value: "example.com"},
			{Name: "HTTP_USER_AGENT", Value: "test/1.0"},
			{Name: "HTTP_ACCEPT", Value: "text/html, text/plain"},
			{Name: "HTTP_X_FORWARDED_FOR", Value: "10.0.0.1"},
		},
		URLScheme: "http",
	}
	if diff := cmp.Diff(want, env, ignoreIO); diff != "" {
		t.Errorf("Environ mismatch (-want +got):\n%s", diff)
	}
	if body != "abc" {
		t.Errorf("wsgi.input gave %q, want %q", body, "abc")
	}
}

func TestEnvironHTTP10AndEmptyQuery(t *testing.T) {
	var env *gateway.Environ
	serve(t, captureEnv(&env, nil), "GET /? HTTP/1.0\r\n\r\n")
	want := &gateway.Environ{
		RequestMethod: "GET", PathInfo: "/", ServerName: "localhost", ServerPort: "8888",
		ServerProtocol: "HTTP/1.0", RemoteAddr: "127.0.0.1", RemotePort: "5555", RequestURI: "/?",
		Headers: []gateway.Var{}, URLScheme: "http",
	}
	if diff := cmp.Diff(want, env, ignoreIO); diff != "" {
		t.Errorf("Environ mismatch (-want +got):\n%s", diff)
	}
}

func TestEnvironAbsoluteForm(t *testing.T) {
	var env *gateway.Environ
	serve(t, captureEnv(&env, nil), "GET http://other.example:81/p%41th?q=1 HTTP/1.1\r\nHost: ignored.example\r\n\r\n")
	got := []string{env.PathInfo, env.QueryString, env.Get("HTTP_HOST")}
	want := []string{"/pAth", "q=1", "other.example:81"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("absolute-form (-want +got):\n%s", diff)
	}
}

func TestEnvironAbsoluteFormWithoutPath(t *testing.T) {
	var env *gateway.Environ
	serve(t, captureEnv(&env, nil), "GET http://bare.example?x HTTP/1.1\r\nHost: bare.example\r\n\r\n")
	got := []string{env.PathInfo, env.QueryString, env.Get("HTTP_HOST")}
	if diff := cmp.Diff([]string{"/", "x", "bare.example"}, got); diff != "" {
		t.Errorf("absolute-form without a path (-want +got):\n%s", diff)
	}
}

func TestEnvironChunkedBody(t *testing.T) {
	var env *gateway.Environ
	var body string
	serve(t, captureEnv(&env, &body), "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
	if env.ContentLength != "" || body != "abcde" {
		t.Errorf("CONTENT_LENGTH %q, body %q; want empty and %q", env.ContentLength, body, "abcde")
	}
}

func TestEnvironGetAndKeys(t *testing.T) {
	var env *gateway.Environ
	serve(t, captureEnv(&env, nil), "GET /x?y HTTP/1.1\r\nHost: h\r\nCookie: a=1\r\n\r\n")
	wantKeys := []string{
		"CONTENT_LENGTH", "CONTENT_TYPE", "HTTP_COOKIE", "HTTP_HOST", "PATH_INFO", "QUERY_STRING",
		"REMOTE_ADDR", "REMOTE_PORT", "REQUEST_METHOD", "REQUEST_URI",
		"SCRIPT_NAME", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL",
		"wsgi.errors", "wsgi.input", "wsgi.multiprocess", "wsgi.multithread",
		"wsgi.run_once", "wsgi.url_scheme", "wsgi.version",
	}
	if diff := cmp.Diff(wantKeys, env.Keys()); diff != "" {
		t.Errorf("Keys (-want +got):\n%s", diff)
	}
	got := map[string]string{}
	for _, k := range []string{"PATH_INFO", "QUERY_STRING", "SERVER_PORT", "HTTP_COOKIE", "wsgi.url_scheme", "wsgi.run_once", "wsgi.multithread", "wsgi.version", "NOPE"} {
		got[k] = env.Get(k)
	}
	want := map[string]string{
		"PATH_INFO": "/x", "QUERY_STRING": "y", "SERVER_PORT": "8888", "HTTP_COOKIE": "a=1",
		"wsgi.url_scheme": "http", "wsgi.run_once": "false", "wsgi.multithread": "false",
		"wsgi.version": "(1, 0)", "NOPE": "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get (-want +got):\n%s", diff)
	}
}

// TestInputStopsAtMessageEnd pipelines two requests: the first app reads
// its input to EOF and must get only its own body; the second request must
// still parse.
func TestInputStopsAtMessageEnd(t *testing.T) {
	raw := "POST /one HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc" +
		"POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nxy"
	r := http1.NewReader(strings.NewReader(raw), http1.Limits{})
	var logb bytes.Buffer
	var bodies []string
	var paths []string
	srv := newServer(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		b, _ := io.ReadAll(env.Input)
		bodies = append(bodies, string(b))
		paths = append(paths, env.PathInfo)
		start("200 OK", nil, nil)
		return nil
	}, &logb)
	for range 2 {
		req, err := r.ReadRequest()
		if err != nil {
			t.Fatalf("ReadRequest: %v", err)
		}
		if _, err := srv.Serve(io.Discard, req, r.Body(), "127.0.0.1:1"); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]string{"abc", "xy"}, bodies); diff != "" {
		t.Errorf("bodies (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"/one", "/two"}, paths); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
}

// An Environ's strings live in storage made for that request alone: an
// app that keeps an Environ sees it unchanged after later requests, also
// when a large head does not fit in the room allocated with the Environ.
func TestEnvironKeptByAppStaysIntact(t *testing.T) {
	var kept []*gateway.Environ
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		kept = append(kept, env)
		start("204 No Content", nil, nil)
		return nil
	}
	long := strings.Repeat("v", 700)
	raws := []string{
		"GET /first?a=1 HTTP/1.1\r\nHost: one\r\nX-Long: " + long + "\r\nX-Tail: end\r\n\r\n",
		"POST /second?b=2 HTTP/1.1\r\nHost: two\r\nX-Other: zz\r\nContent-Length: 0\r\n\r\n",
		"GET /third HTTP/1.1\r\nHost: three\r\nX-Long: " + strings.Repeat("w", 700) + "\r\n\r\n",
	}
	for _, raw := range raws {
		serve(t, app, raw)
	}
	got := []string{
		kept[0].RequestMethod, kept[0].RequestURI, kept[0].QueryString, kept[0].Get("HTTP_HOST"),
		kept[0].Get("HTTP_X_LONG"), kept[0].Get("HTTP_X_TAIL"),
		kept[1].RequestMethod, kept[1].PathInfo, kept[1].Get("HTTP_X_OTHER"), kept[1].ContentLength,
	}
	want := []string{"GET", "/first?a=1", "a=1", "one", long, "end", "POST", "/second", "zz", "0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kept Environs (-want +got):\n%s", diff)
	}
}
