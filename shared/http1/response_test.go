package http1_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"lbws/shared/http1"
)

// dateRE matches the Date line, whose value changes every second.
var dateRE = regexp.MustCompile(`Date: [^\r]*\r\n`)

// withoutDate replaces the Date value so outputs can be compared exactly,
// after checking there was exactly one Date line.
func withoutDate(t *testing.T, out string) string {
	t.Helper()
	if n := len(dateRE.FindAllString(out, -1)); n != 1 {
		t.Errorf("response has %d Date lines, want 1:\n%q", n, out)
	}
	return dateRE.ReplaceAllString(out, "Date: X\r\n")
}

// newReq builds a request head by hand.
func newReq(method string, v http1.Version, keepAlive bool) *http1.Request {
	return &http1.Request{Method: []byte(method), Target: []byte("/"), Version: v, KeepAlive: keepAlive, ContentLength: -1}
}

// textPlain is the one field most tests send.
var textPlain = []http1.Header{{Name: "Content-Type", Value: "text/plain"}}

func TestResponseFraming(t *testing.T) {
	tests := []struct {
		name      string
		req       *http1.Request
		status    int
		length    int64
		body      []string
		want      string
		keepAlive bool
	}{
		{
			name: "1.1 known length", req: newReq("GET", http1.HTTP11, true), status: 200, length: 5,
			body:      []string{"hel", "lo"},
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nContent-Length: 5\r\n\r\nhello",
			keepAlive: true,
		},
		{
			name: "1.1 unknown length is chunked", req: newReq("GET", http1.HTTP11, true), status: 200, length: -1,
			body:      []string{"hel", "", "lo world"},
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n8\r\nlo world\r\n0\r\n\r\n",
			keepAlive: true,
		},
		{
			name: "1.1 client asked to close", req: newReq("GET", http1.HTTP11, false), status: 200, length: 2,
			body:      []string{"ok"},
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
			keepAlive: false,
		},
		{
			name: "1.0 unknown length is close-delimited", req: newReq("GET", http1.HTTP10, true), status: 200, length: -1,
			body:      []string{"hel", "lo"},
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nConnection: close\r\n\r\nhello",
			keepAlive: false,
		},
		{
			name: "1.0 keep-alive is confirmed", req: newReq("GET", http1.HTTP10, true), status: 200, length: 2,
			body:      []string{"ok"},
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok",
			keepAlive: true,
		},
		{
			name: "1.0 without keep-alive closes", req: newReq("GET", http1.HTTP10, false), status: 200, length: 2,
			body:      []string{"ok"},
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
			keepAlive: false,
		},
		{
			name: "HEAD keeps Content-Length, drops body", req: newReq("HEAD", http1.HTTP11, true), status: 200, length: 11,
			body:      []string{"Hello World"},
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nContent-Length: 11\r\n\r\n",
			keepAlive: true,
		},
		{
			name: "HEAD of unknown length is not chunked", req: newReq("HEAD", http1.HTTP11, true), status: 200, length: -1,
			body:      []string{"Hello"},
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\n\r\n",
			keepAlive: true,
		},
		{
			name: "204 has neither body nor Content-Length", req: newReq("GET", http1.HTTP11, true), status: 204, length: 0,
			body:      []string{"ignored"},
			want:      "HTTP/1.1 204 No Content\r\nContent-Type: text/plain\r\nDate: X\r\n\r\n",
			keepAlive: true,
		},
		{
			name: "304 keeps Content-Length, drops body", req: newReq("GET", http1.HTTP11, true), status: 304, length: 7,
			body:      []string{"ignored"},
			want:      "HTTP/1.1 304 Not Modified\r\nContent-Type: text/plain\r\nDate: X\r\nContent-Length: 7\r\n\r\n",
			keepAlive: true,
		},
		{
			name: "304 of unknown length is not chunked", req: newReq("GET", http1.HTTP11, true), status: 304, length: -1,
			want:      "HTTP/1.1 304 Not Modified\r\nContent-Type: text/plain\r\nDate: X\r\n\r\n",
			keepAlive: true,
		},
		{
			name: "nil request closes", req: nil, status: 200, length: 0,
			want:      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
			keepAlive: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			var r http1.Response
			r.Reset(&out, tt.req)
			if err := r.WriteHeader(tt.status, "", textPlain, tt.length); err != nil {
				t.Fatalf("WriteHeader: %v", err)
			}
			for _, b := range tt.body {
				if _, err := r.Write([]byte(b)); err != nil {
					t.Fatalf("Write(%q): %v", b, err)
				}
			}
			if err := r.Finish(); err != nil {
				t.Fatalf("Finish: %v", err)
			}
			if got := withoutDate(t, out.String()); got != tt.want {
				t.Errorf("response\n got %q\nwant %q", got, tt.want)
			}
			if r.KeepAlive() != tt.keepAlive {
				t.Errorf("KeepAlive() = %v, want %v", r.KeepAlive(), tt.keepAlive)
			}
		})
	}
}

// TestResponseReadByNetHTTP checks the encoding against an independent
// reader: net/http's client-side response parser.
func TestResponseReadByNetHTTP(t *testing.T) {
	for _, length := range []int64{-1, 10} {
		var out bytes.Buffer
		var r http1.Response
		r.Reset(&out, newReq("GET", http1.HTTP11, true))
		if err := r.WriteHeader(201, "Made", textPlain, length); err != nil {
			t.Fatal(err)
		}
		io.WriteString(&r, "01234")
		io.WriteString(&r, "56789")
		if err := r.Finish(); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(&out), nil)
		if err != nil {
			t.Fatalf("length %d: ReadResponse: %v", length, err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("length %d: read body: %v", length, err)
		}
		if resp.Status != "201 Made" || string(body) != "0123456789" || resp.Header.Get("Content-Type") != "text/plain" {
			t.Errorf("length %d: got %q %q %v", length, resp.Status, body, resp.Header)
		}
		if _, err := time.Parse(http.TimeFormat, resp.Header.Get("Date")); err != nil {
			t.Errorf("length %d: Date: %v", length, err)
		}
		if out.Len() != 0 {
			t.Errorf("length %d: %d bytes left after the response", length, out.Len())
		}
	}
}

func TestResponseBodyTooLong(t *testing.T) {
	var out bytes.Buffer
	var r http1.Response
	r.Reset(&out, newReq("GET", http1.HTTP11, true))
	r.WriteHeader(200, "", nil, 3)
	if _, err := r.Write([]byte("ab")); err != nil {
		t.Fatalf("first Write: %v", err)
	}
	if _, err := r.Write([]byte("cdef")); !errors.Is(err, http1.ErrBodyTooLong) {
		t.Fatalf("second Write error = %v, want ErrBodyTooLong", err)
	}
	r.Flush()
	if !strings.HasSuffix(out.String(), "\r\n\r\nabc") {
		t.Errorf("sent %q, want the body cut at 3 bytes", out.String())
	}
	if r.KeepAlive() {
		t.Error("KeepAlive() = true after an over-long body")
	}
}

func TestResponseBodyTooShort(t *testing.T) {
	var out bytes.Buffer
	var r http1.Response
	r.Reset(&out, newReq("GET", http1.HTTP11, true))
	r.WriteHeader(200, "", nil, 10)
	r.Write([]byte("abc"))
	if err := r.Finish(); !errors.Is(err, http1.ErrBodyTooShort) {
		t.Fatalf("Finish error = %v, want ErrBodyTooShort", err)
	}
	if r.KeepAlive() {
		t.Error("KeepAlive() = true after a short body")
	}
	if !strings.HasSuffix(out.String(), "abc") {
		t.Errorf("sent %q, want what the body had", out.String())
	}
}

func TestResponseMisuse(t *testing.T) {
	var r http1.Response
	r.Reset(io.Discard, newReq("GET", http1.HTTP11, true))
	if _, err := r.Write([]byte("x")); !errors.Is(err, http1.ErrNoHeader) {
		t.Errorf("Write before WriteHeader: %v, want ErrNoHeader", err)
	}
	if err := r.Finish(); !errors.Is(err, http1.ErrNoHeader) {
		t.Errorf("Finish before WriteHeader: %v, want ErrNoHeader", err)
	}
	if err := r.WriteHeader(42, "", nil, 0); err == nil {
		t.Error("WriteHeader(42) succeeded")
	}
	if err := r.WriteHeader(200, "", nil, 0); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteHeader(200, "", nil, 0); !errors.Is(err, http1.ErrHeaderWritten) {
		t.Errorf("second WriteHeader: %v, want ErrHeaderWritten", err)
	}
}

func TestResponseAppDate(t *testing.T) {
	var out bytes.Buffer
	var r http1.Response
	r.Reset(&out, newReq("GET", http1.HTTP11, true))
	r.WriteHeader(200, "", []http1.Header{{Name: "date", Value: "Sun, 06 Nov 1994 08:49:37 GMT"}}, 0)
	r.Finish()
	want := "HTTP/1.1 200 OK\r\ndate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 0\r\n\r\n"
	if out.String() != want {
		t.Errorf("got %q, want %q (the app's Date only)", out.String(), want)
	}
}

// countWriter counts the Write calls it receives.
type countWriter struct {
	bytes.Buffer
	calls int
}

// Write counts and buffers p.
func (w *countWriter) Write(p []byte) (int, error) {
	w.calls++
	return w.Buffer.Write(p)
}

func TestResponseSmallIsOneWrite(t *testing.T) {
	var w countWriter
	var r http1.Response
	r.Reset(&w, newReq("GET", http1.HTTP11, true))
	r.WriteHeader(200, "", textPlain, 11)
	r.Write([]byte("Hello "))
	r.Write([]byte("World"))
	if w.calls != 0 {
		t.Errorf("%d writes before Finish, want 0", w.calls)
	}
	r.Finish()
	if w.calls != 1 {
		t.Errorf("%d writes for a small response, want 1", w.calls)
	}
}

func TestResponseLargeBody(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1000) // 16000 bytes
	for _, length := range []int64{-1, int64(2 * len(big))} {
		var w countWriter
		var r http1.Response
		r.Reset(&w, newReq("GET", http1.HTTP11, true))
		r.WriteHeader(200, "", nil, length)
		r.Write(big)
		r.Write(big)
		if err := r.Finish(); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(&w.Buffer), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if !bytes.Equal(body, append(append([]byte{}, big...), big...)) {
			t.Errorf("length %d: body of %d bytes differs", length, len(body))
		}
		if r.Written() != int64(2*len(big)) {
			t.Errorf("Written() = %d, want %d", r.Written(), 2*len(big))
		}
	}
}

// failWriter fails every write.
type failWriter struct{ calls int }

// Write fails.
func (w *failWriter) Write(p []byte) (int, error) {
	w.calls++
	return 0, errors.New("connection reset")
}

func TestResponseWriteErrorIsSticky(t *testing.T) {
	var w failWriter
	var r http1.Response
	r.Reset(&w, newReq("GET", http1.HTTP11, true))
	r.WriteHeader(200, "", nil, -1)
	r.Write([]byte("x"))
	if err := r.Flush(); err == nil {
		t.Fatal("Flush to a failing writer succeeded")
	}
	if _, err := r.Write([]byte("y")); err == nil {
		t.Error("Write after a failed flush succeeded")
	}
	if err := r.Finish(); err == nil {
		t.Error("Finish after a failed flush succeeded")
	}
	if w.calls != 1 {
		t.Errorf("%d writes after the first failure, want none", w.calls-1)
	}
	if r.KeepAlive() {
		t.Error("KeepAlive() = true after a write error")
	}
}

func TestResponseDisableKeepAlive(t *testing.T) {
	var out bytes.Buffer
	var r http1.Response
	r.Reset(&out, newReq("GET", http1.HTTP11, true))
	r.DisableKeepAlive()
	r.WriteHeader(200, "", nil, 0)
	r.Finish()
	if !strings.Contains(out.String(), "\r\nConnection: close\r\n") || r.KeepAlive() {
		t.Errorf("after DisableKeepAlive: %q, KeepAlive %v", out.String(), r.KeepAlive())
	}
}

func TestErrorResponse(t *testing.T) {
	got := withoutDate(t, string(http1.ErrorResponse(431, "too many fields")))
	body := "431 Request Header Fields Too Large: too many fields\n"
	want := "HTTP/1.1 431 Request Header Fields Too Large\r\nDate: X\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 53\r\nConnection: close\r\n\r\n" + body
	if len(body) != 53 {
		t.Fatalf("test body is %d bytes", len(body))
	}
	if got != want {
		t.Errorf("ErrorResponse\n got %q\nwant %q", got, want)
	}
}

func TestContinue(t *testing.T) {
	if string(http1.Continue) != "HTTP/1.1 100 Continue\r\n\r\n" {
		t.Errorf("Continue = %q", http1.Continue)
	}
}

// BenchmarkResponse encodes the Hello response, the most common one, into
// a reused buffer. It should not allocate.
func BenchmarkResponse(b *testing.B) {
	req := newReq("GET", http1.HTTP11, true)
	body := []byte("Hello World")
	var out bytes.Buffer
	var r http1.Response
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		r.Reset(&out, req)
		r.WriteHeader(200, "OK", textPlain, int64(len(body)))
		r.Write(body)
		if err := r.Finish(); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(out.Len()))
}

// BenchmarkResponseChunked streams a body of unknown length in 8 chunks.
func BenchmarkResponseChunked(b *testing.B) {
	req := newReq("GET", http1.HTTP11, true)
	chunk := bytes.Repeat([]byte("x"), 512)
	var out bytes.Buffer
	var r http1.Response
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		r.Reset(&out, req)
		r.WriteHeader(200, "OK", textPlain, -1)
		for range 8 {
			r.Write(chunk)
			r.Flush()
		}
		if err := r.Finish(); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(out.Len()))
}
