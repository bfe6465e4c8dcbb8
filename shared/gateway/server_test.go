package gateway_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"lbws/shared/gateway"
)

func TestServeFraming(t *testing.T) {
	tests := []struct {
		name      string
		raw       string
		headers   []gateway.Header
		body      []string
		want      string
		keepAlive bool
	}{
		{
			name: "app's Content-Length", raw: get,
			headers:   append([]gateway.Header{{Name: "Content-Length", Value: "5"}}, textPlain...),
			body:      []string{"he", "llo"},
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nContent-Length: 5\r\n\r\nhello",
			keepAlive: true,
		},
		{
			name: "one chunk gets a Content-Length", raw: get, headers: textPlain,
			body:      []string{"", "hello", ""},
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nContent-Length: 5\r\n\r\nhello",
			keepAlive: true,
		},
		{
			name: "empty body gets Content-Length 0", raw: get, headers: textPlain,
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nContent-Length: 0\r\n\r\n",
			keepAlive: true,
		},
		{
			name: "several chunks on 1.1 are chunked", raw: get, headers: textPlain,
			body:      []string{"he", "llo"},
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n",
			keepAlive: true,
		},
		{
			name: "several chunks on 1.0 are close-delimited", raw: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", headers: textPlain,
			body:      []string{"he", "llo"},
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nConnection: close\r\n\r\nhello",
			keepAlive: false,
		},
		{
			name: "1.0 keep-alive with a known length", raw: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", headers: textPlain,
			body:      []string{"hello"},
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello",
			keepAlive: true,
		},
		{
			name: "Connection: close from the client", raw: "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", headers: textPlain,
			body:      []string{"hello"},
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
			keepAlive: false,
		},
		{
			name: "HEAD has no body", raw: "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n",
			headers:   append([]gateway.Header{{Name: "Content-Length", Value: "5"}}, textPlain...),
			body:      []string{"hello"},
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nContent-Length: 5\r\n\r\n",
			keepAlive: true,
		},
		{
			name: "HEAD with a Content-Length and no body", raw: "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n",
			headers:   []gateway.Header{{Name: "Content-Length", Value: "5"}},
			want:      "HTTP/1.1 200 OK\r\nDate: X\r\nContent-Length: 5\r\n\r\n",
			keepAlive: true,
		},
		{
			name: "HEAD of a one-chunk body", raw: "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", headers: textPlain,
			body:      []string{"hello"},
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nContent-Length: 5\r\n\r\n",
			keepAlive: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &chunks{list: tt.body}
			s := serve(t, appWith("200 OK", tt.headers, body), tt.raw)
			if s.err != nil || s.log != "" {
				t.Fatalf("Serve error %v, log %q", s.err, s.log)
			}
			if s.out != tt.want {
				t.Errorf("response\n got %q\nwant %q", s.out, tt.want)
			}
			if s.res.KeepAlive != tt.keepAlive || s.res.Status != 200 {
				t.Errorf("Result %+v, want status 200, KeepAlive %v", s.res, tt.keepAlive)
			}
			if body.closed != 1 {
				t.Errorf("Close called %d times, want 1", body.closed)
			}
		})
	}
}

func TestServeNoBodyStatuses(t *testing.T) {
	for _, status := range []string{"204 No Content", "304 Not Modified"} {
		s := serve(t, appWith(status, nil, gateway.Bytes([]byte("x"), []byte("y"))), get)
		want := "HTTP/1.1 " + status + "\r\nDate: X\r\n\r\n"
		if s.err != nil || s.out != want || !s.res.KeepAlive {
			t.Errorf("%s: got %q, %+v, %v; want %q", status, s.out, s.res, s.err, want)
		}
	}
}

func TestServeResultBytes(t *testing.T) {
	s := serve(t, appWith("200 OK", nil, gateway.Bytes([]byte("abc"), []byte("de"))), get)
	if s.res.Bytes != 5 {
		t.Errorf("Result.Bytes = %d, want 5", s.res.Bytes)
	}
}

// recorder is a writer that remembers what it was given.
type recorder struct{ bytes.Buffer }

func TestServeStreamsEachChunk(t *testing.T) {
	var out recorder
	body := &chunks{list: []string{"first", "second", "third"}}
	var seen []string
	body.before = func(i int) { seen = append(seen, out.String()) }
	serveTo(t, appWith("200 OK", nil, body), get, &out)
	// Before Next #2 the first chunk may be held (it might be the only
	// one); before Next #3 both earlier chunks must be on the wire.
	if !strings.Contains(seen[2], "first") || !strings.Contains(seen[2], "second") {
		t.Errorf("before the third Next the client had %q, want the first two chunks", seen[2])
	}
	if !strings.Contains(seen[3], "third") {
		t.Errorf("before the last Next the client had %q, want the third chunk", seen[3])
	}
}

func TestServeWriteCallable(t *testing.T) {
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		write, err := start("200 OK", nil, nil)
		if err != nil {
			t.Fatalf("start: %v", err)
		}
		if err := write([]byte("legacy ")); err != nil {
			t.Errorf("write: %v", err)
		}
		return gateway.Bytes([]byte("body"))
	}
	s := serve(t, app, get)
	want := "HTTP/1.1 200 OK\r\nDate: X\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nlegacy \r\n4\r\nbody\r\n0\r\n\r\n"
	if s.err != nil || s.out != want {
		t.Errorf("got %q, %v; want %q", s.out, s.err, want)
	}
}

func TestServeWriteIsUnbuffered(t *testing.T) {
	var out recorder
	var during string
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		write, _ := start("200 OK", nil, nil)
		write([]byte("now"))
		during = out.String()
		return nil
	}
	serveTo(t, app, get, &out)
	if !strings.Contains(during, "now") {
		t.Errorf("after write returned the client had %q, want the data", during)
	}
}

func TestServeStartTwice(t *testing.T) {
	var second error
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		start("200 OK", nil, nil)
		_, second = start("201 Created", nil, nil)
		return gateway.Bytes([]byte("x"))
	}
	s := serve(t, app, get)
	if !errors.Is(second, gateway.ErrStartTwice) {
		t.Errorf("second start returned %v, want ErrStartTwice", second)
	}
	checkInternalError(t, s, "called twice")
}

// checkInternalError checks that s is the gateway's 500, with one log line
// that contains want, and a connection that stays usable.
func checkInternalError(t *testing.T, s served, want string) {
	t.Helper()
	if s.out != internalError {
		t.Errorf("response %q, want the 500", s.out)
	}
	if s.err != nil || s.res.Status != 500 || !s.res.KeepAlive {
		t.Errorf("Serve = %+v, %v; want status 500, keep-alive, no error", s.res, s.err)
	}
	if logLines(s.log) != 1 || !strings.Contains(s.log, want) {
		t.Errorf("log %q, want one line with %q", s.log, want)
	}
}

func TestServeStartAgainWithErrorBeforeSending(t *testing.T) {
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		start("200 OK", []gateway.Header{{Name: "X-First", Value: "1"}}, nil)
		if _, err := start("503 Busy", []gateway.Header{{Name: "Retry-After", Value: "1"}}, errors.New("db down")); err != nil {
			t.Errorf("start with excInfo before sending: %v", err)
		}
		return gateway.Bytes([]byte("busy"))
	}
	s := serve(t, app, get)
	want := "HTTP/1.1 503 Busy\r\nRetry-After: 1\r\nDate: X\r\nContent-Length: 4\r\n\r\nbusy"
	if s.out != want || s.err != nil || !s.res.KeepAlive {
		t.Errorf("got %q, %+v, %v; want %q", s.out, s.res, s.err, want)
	}
	if logLines(s.log) != 1 || !strings.Contains(s.log, "db down") {
		t.Errorf("log %q, want one line with the app's error", s.log)
	}
}

func TestServeStartAgainWithErrorAfterSending(t *testing.T) {
	var second error
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		write, _ := start("200 OK", nil, nil)
		write([]byte("partial"))
		_, second = start("500 Oops", nil, errors.New("failed midway"))
		return nil
	}
	s := serve(t, app, get)
	if !errors.Is(second, gateway.ErrStartLate) || !strings.Contains(second.Error(), "failed midway") {
		t.Errorf("late start returned %v, want ErrStartLate with the app's error", second)
	}
	if s.err == nil || s.res.KeepAlive {
		t.Errorf("Serve = %+v, %v; want an error and no keep-alive", s.res, s.err)
	}
	if !strings.HasPrefix(s.out, "HTTP/1.1 200 OK\r\n") || strings.HasSuffix(s.out, "0\r\n\r\n") {
		t.Errorf("response %q: want the 200 begun and not ended", s.out)
	}
	if logLines(s.log) != 1 {
		t.Errorf("log %q, want one line", s.log)
	}
}

func TestServeBadStatus(t *testing.T) {
	for _, status := range []string{
		"200", "200OK", "OK 200", "20 OK", "2000 OK", "2x0 OK", "099 Low", "100 Continue",
		"600 High", "200 O\r\nX-Injected: 1", "",
	} {
		t.Run(status, func(t *testing.T) {
			var err error
			app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
				_, err = start(status, nil, nil)
				return gateway.Bytes([]byte("x"))
			}
			s := serve(t, app, get)
			if !errors.Is(err, gateway.ErrBadStatus) {
				t.Errorf("start returned %v, want ErrBadStatus", err)
			}
			checkInternalError(t, s, "malformed status")
		})
	}
}

func TestServeGoodStatus(t *testing.T) {
	for _, status := range []string{"200 OK", "201 Created", "299 ", "404 Not Here", "599 Whatever, really"} {
		s := serve(t, appWith(status, nil, nil), get)
		if !strings.HasPrefix(s.out, "HTTP/1.1 "+status+"\r\n") {
			t.Errorf("status %q: response %q", status, s.out)
		}
	}
}

func TestServeHopByHopHeader(t *testing.T) {
	for _, name := range []string{
		"Connection", "keep-alive", "Proxy-Connection", "Transfer-Encoding", "TE", "trailer", "UPGRADE",
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
				_, err = start("200 OK", []gateway.Header{{Name: name, Value: "x"}}, nil)
				return nil
			}
			s := serve(t, app, get)
			if !errors.Is(err, gateway.ErrHopByHop) {
				t.Errorf("start returned %v, want ErrHopByHop", err)
			}
			checkInternalError(t, s, "hop-by-hop")
		})
	}
}

func TestServeBadHeader(t *testing.T) {
	for _, h := range []gateway.Header{
		{Name: "", Value: "x"},
		{Name: "Bad Name", Value: "x"},
		{Name: "Bad:Name", Value: "x"},
		{Name: "X-Split", Value: "a\r\nSet-Cookie: evil=1"},
		{Name: "X-Nul", Value: "a\x00b"},
		{Name: "Content-Length", Value: "-1"},
		{Name: "Content-Length", Value: "1x"},
	} {
		var err error
		app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
			_, err = start("200 OK", []gateway.Header{h}, nil)
			return nil
		}
		s := serve(t, app, get)
		if !errors.Is(err, gateway.ErrBadHeader) {
			t.Errorf("%q: start returned %v, want ErrBadHeader", h, err)
		}
		if s.out != internalError || logLines(s.log) != 1 {
			t.Errorf("%q: response %q, log %q; want the 500 and one line", h, s.out, s.log)
		}
	}
}

func TestServeNoStart(t *testing.T) {
	s := serve(t, func(*gateway.Environ, gateway.StartResponse) gateway.Body { return nil }, get)
	checkInternalError(t, s, "without calling start_response")

	body := &chunks{list: []string{"early"}}
	s = serve(t, func(*gateway.Environ, gateway.StartResponse) gateway.Body { return body }, get)
	checkInternalError(t, s, "before start_response")
	if body.closed != 1 {
		t.Errorf("Close called %d times, want 1", body.closed)
	}
}

func TestServeStartDuringIteration(t *testing.T) {
	// PEP 3333 allows start_response to be called from the iterable,
	// before its first non-empty chunk.
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		body := &chunks{list: []string{"", "late"}}
		body.before = func(i int) {
			if i == 1 {
				start("200 OK", nil, nil)
			}
		}
		return body
	}
	s := serve(t, app, get)
	want := "HTTP/1.1 200 OK\r\nDate: X\r\nContent-Length: 4\r\n\r\nlate"
	if s.out != want || s.err != nil {
		t.Errorf("got %q, %v; want %q", s.out, s.err, want)
	}
}

func TestServePanicInApp(t *testing.T) {
	var logb bytes.Buffer
	calls := 0
	srv := newServer(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		calls++
		if calls == 1 {
			panic("boom in app")
		}
		start("200 OK", nil, nil)
		return gateway.Bytes([]byte("fine"))
	}, &logb)
	for i, want := range []int{500, 200} {
		var out bytes.Buffer
		res, err := srv.Serve(&out, parseReq(t, get), strings.NewReader(""), "127.0.0.1:1")
		if err != nil || res.Status != want || !res.KeepAlive {
			t.Errorf("request %d: %+v, %v; want %d and keep-alive", i, res, err, want)
		}
	}
	if logLines(logb.String()) != 1 || !strings.Contains(logb.String(), "boom in app") {
		t.Errorf("log %q, want one line with the panic value", logb.String())
	}
}

func TestServePanicInNext(t *testing.T) {
	body := &chunks{list: []string{"a"}}
	body.before = func(i int) {
		if i == 1 {
			panic("boom in Next")
		}
	}
	s := serve(t, appWith("200 OK", nil, body), get)
	checkInternalError(t, s, "boom in Next")
	if body.closed != 1 {
		t.Errorf("Close called %d times, want 1", body.closed)
	}
}

func TestServePanicInNextAfterSending(t *testing.T) {
	body := &chunks{list: []string{"a", "b"}}
	body.before = func(i int) {
		if i == 2 {
			panic("boom late")
		}
	}
	s := serve(t, appWith("200 OK", nil, body), get)
	if s.err == nil || s.res.KeepAlive {
		t.Errorf("Serve = %+v, %v; want an error and no keep-alive", s.res, s.err)
	}
	if !strings.HasPrefix(s.out, "HTTP/1.1 200 OK\r\n") || strings.HasSuffix(s.out, "0\r\n\r\n") {
		t.Errorf("response %q: want the 200 begun and not ended", s.out)
	}
	if logLines(s.log) != 1 || !strings.Contains(s.log, "boom late") || body.closed != 1 {
		t.Errorf("log %q, closed %d; want one line with the panic, one Close", s.log, body.closed)
	}
}

// panicClose is a one-chunk Body whose Close panics.
type panicClose struct{ done bool }

// Next yields one chunk.
func (p *panicClose) Next() ([]byte, error) {
	if p.done {
		return nil, io.EOF
	}
	p.done = true
	return []byte("x"), nil
}

// Close panics.
func (p *panicClose) Close() error { panic("boom in Close") }

func TestServePanicInClose(t *testing.T) {
	s := serve(t, appWith("200 OK", nil, &panicClose{}), get)
	checkInternalError(t, s, "boom in Close")
}

func TestServeNextError(t *testing.T) {
	body := &chunks{err: errors.New("disk gone")}
	s := serve(t, appWith("200 OK", nil, body), get)
	checkInternalError(t, s, "disk gone")
}

func TestServeCloseOnWriteError(t *testing.T) {
	body := &chunks{list: []string{"a", "b", "c"}}
	s := serveTo(t, appWith("200 OK", nil, body), get, failWriter{})
	if s.err == nil || s.res.KeepAlive {
		t.Errorf("Serve = %+v, %v; want the write error, no keep-alive", s.res, s.err)
	}
	if body.closed != 1 {
		t.Errorf("Close called %d times after a write error, want 1", body.closed)
	}
	if body.calls > 2 {
		t.Errorf("Next called %d times, want iteration to stop at the error", body.calls)
	}
	if s.log != "" {
		t.Errorf("log %q: a client going away is not the app's fault", s.log)
	}
}

func TestServeBodyLongerThanContentLength(t *testing.T) {
	body := &chunks{list: []string{"abc", "def"}}
	s := serve(t, appWith("200 OK", []gateway.Header{{Name: "Content-Length", Value: "4"}}, body), get)
	if !errors.Is(s.err, gateway.ErrLengthAbused) || s.res.KeepAlive {
		t.Errorf("Serve = %+v, %v; want ErrLengthAbused, no keep-alive", s.res, s.err)
	}
	if !strings.HasSuffix(s.out, "\r\n\r\nabcd") {
		t.Errorf("response %q: want exactly the 4 declared bytes", s.out)
	}
	if logLines(s.log) != 1 || body.closed != 1 {
		t.Errorf("log %q, closed %d; want one line, one Close", s.log, body.closed)
	}
}

func TestServeBodyShorterThanContentLength(t *testing.T) {
	body := &chunks{list: []string{"abc"}}
	s := serve(t, appWith("200 OK", []gateway.Header{{Name: "Content-Length", Value: "10"}}, body), get)
	if !errors.Is(s.err, gateway.ErrLengthAbused) || s.res.KeepAlive {
		t.Errorf("Serve = %+v, %v; want ErrLengthAbused, no keep-alive", s.res, s.err)
	}
	if logLines(s.log) != 1 {
		t.Errorf("log %q, want one line", s.log)
	}
}

func TestServeStaleCallbacks(t *testing.T) {
	var start gateway.StartResponse
	var write gateway.WriteFunc
	app := func(env *gateway.Environ, s gateway.StartResponse) gateway.Body {
		start = s
		write, _ = s("200 OK", nil, nil)
		return nil
	}
	serve(t, app, get)
	if _, err := start("200 OK", nil, nil); !errors.Is(err, gateway.ErrStale) {
		t.Errorf("start after Serve returned %v, want ErrStale", err)
	}
	if err := write([]byte("x")); !errors.Is(err, gateway.ErrStale) {
		t.Errorf("write after Serve returned %v, want ErrStale", err)
	}
}

func TestServeBadPercentEscape(t *testing.T) {
	s := serve(t, appWith("200 OK", nil, nil), "GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n")
	if s.res.Status != 400 || s.res.KeepAlive || !strings.HasPrefix(s.out, "HTTP/1.1 400 Bad Request\r\n") {
		t.Errorf("got %q, %+v; want 400 and close", s.out, s.res)
	}
}

func TestServeErrorsGoToLog(t *testing.T) {
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		io.WriteString(env.Errors, "something odd\n")
		start("200 OK", nil, nil)
		return nil
	}
	s := serve(t, app, get)
	if s.log != "something odd\n" {
		t.Errorf("log %q, want the app's line", s.log)
	}
}

func TestServeBadRequestBody(t *testing.T) {
	echo := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		start("200 OK", nil, nil)
		return gateway.FromReader(env.Input, 0)
	}
	s := serve(t, echo, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n")
	if !strings.HasPrefix(s.out, "HTTP/1.1 400 Bad Request\r\n") || !strings.Contains(s.out, "\r\nConnection: close\r\n") {
		t.Errorf("response %q, want 400 with Connection: close", s.out)
	}
	if s.err != nil || s.res.KeepAlive || s.res.Status != 400 {
		t.Errorf("Serve = %+v, %v; want 400, no keep-alive", s.res, s.err)
	}
	if s.log != "" {
		t.Errorf("log %q: a bad body is the client's fault, not the app's", s.log)
	}
}

func TestServeAppIgnoresBodyError(t *testing.T) {
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		io.ReadAll(env.Input) // fails; the app answers anyway
		start("200 OK", nil, nil)
		return gateway.Bytes([]byte("fine"))
	}
	s := serve(t, app, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n")
	if !strings.HasPrefix(s.out, "HTTP/1.1 200 OK\r\n") || !strings.Contains(s.out, "\r\nConnection: close\r\n") || s.res.KeepAlive {
		t.Errorf("response %q, KeepAlive %v; want the app's 200 with Connection: close", s.out, s.res.KeepAlive)
	}
}
