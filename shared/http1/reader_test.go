package http1

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// pipeline is four requests in one stream: bodies read, unread, chunked.
var pipeline = crlf("POST /a HTTP/1.1\nHost: a\nContent-Length: 5\n\nhello" +
	"POST /b HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n3\nabc\n2;x=y\nde\n0\nT: 1\n\n" +
	"GET /c HTTP/1.1\nHost: a\n\n" +
	"POST /d HTTP/1.0\nContent-Length: 3\n\nxyz")

// readAll reads every request from src; it reads the body of a request
// only if readBody says so, and records "target body" for each.
func readAll(t *testing.T, src io.Reader, readBody func(target string) bool) []string {
	t.Helper()
	r := NewReader(src, Limits{})
	var got []string
	for {
		req, err := r.ReadRequest()
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatalf("ReadRequest after %q: %v", got, err)
		}
		target, body := string(req.Target), "-"
		if readBody(target) {
			b, err := io.ReadAll(r.Body())
			if err != nil {
				t.Fatalf("reading body of %s: %v", target, err)
			}
			body = string(b)
		}
		got = append(got, target+" "+body)
	}
}

func TestReaderPipelined(t *testing.T) {
	all := func(string) bool { return true }
	none := func(string) bool { return false }
	tests := []struct {
		name     string
		src      func() io.Reader
		readBody func(string) bool
		want     []string
	}{
		{"whole, bodies read", func() io.Reader { return strings.NewReader(pipeline) }, all,
			[]string{"/a hello", "/b abcde", "/c ", "/d xyz"}},
		{"one byte per read, bodies read", func() io.Reader { return iotest.OneByteReader(strings.NewReader(pipeline)) }, all,
			[]string{"/a hello", "/b abcde", "/c ", "/d xyz"}},
		// ReadRequest must discard the unread bodies, and only them.
		{"whole, bodies unread", func() io.Reader { return strings.NewReader(pipeline) }, none,
			[]string{"/a -", "/b -", "/c -", "/d -"}},
		{"one byte per read, bodies unread", func() io.Reader { return iotest.OneByteReader(strings.NewReader(pipeline)) }, none,
			[]string{"/a -", "/b -", "/c -", "/d -"}},
		{"half read", func() io.Reader { return iotest.HalfReader(strings.NewReader(pipeline)) },
			func(target string) bool { return target == "/b" },
			[]string{"/a -", "/b abcde", "/c -", "/d -"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, readAll(t, tt.src(), tt.readBody)); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReaderBodyStops checks that a body read with a small buffer stops
// at the message end and the next request is intact.
func TestReaderBodyStops(t *testing.T) {
	r := NewReader(strings.NewReader(pipeline), Limits{})
	for _, want := range []string{"/a", "/b"} {
		req, err := r.ReadRequest()
		if err != nil || string(req.Target) != want {
			t.Fatalf("ReadRequest = %v, %v; want %s", req, err, want)
		}
		var body []byte
		p := make([]byte, 1)
		for {
			n, err := r.Body().Read(p)
			body = append(body, p[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if string(req.Target) == "/b" && string(body) != "abcde" {
			t.Errorf("body of /b = %q; want abcde", body)
		}
		if string(req.Target) != want {
			t.Errorf("Request changed while its body was read: target %q", req.Target)
		}
	}
}

func TestReaderErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		lim  Limits
		want string // the error, as errorString prints it
	}{
		{"clean EOF", "", Limits{}, "EOF"},
		{"EOF inside head", "GET / HTTP/1.1\r\nHo", Limits{}, "unexpected EOF"},
		{"bad request", "GET / HTTP/1.1\r\n\r\n", Limits{}, "400"},
		{"head too large", "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", 5000), Limits{MaxHeaderBytes: 4096}, "431"},
		{"head too large, default", "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", DefaultMaxHeaderBytes), Limits{}, "431"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), tt.lim)
			_, err := r.ReadRequest()
			if got := errorString(err); got != tt.want {
				t.Errorf("ReadRequest error = %v (%s); want %s", err, got, tt.want)
			}
			if _, err2 := r.ReadRequest(); err2 != err {
				t.Errorf("second ReadRequest = %v; want the same error %v", err2, err)
			}
		})
	}
}

// errorString names an error by its status or its io sentinel.
func errorString(err error) string {
	var e *Error
	switch {
	case errors.As(err, &e):
		return fmt.Sprint(e.Status)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected EOF"
	case err == io.EOF:
		return "EOF"
	}
	return fmt.Sprint(err)
}

func TestReaderBodyErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"bad chunk", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400"},
		{"body cut short", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc", "unexpected EOF"},
		{"chunk over the limit", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n", "413"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), Limits{MaxBody: 16})
			if _, err := r.ReadRequest(); err != nil {
				t.Fatal(err)
			}
			_, err := io.ReadAll(r.Body())
			if got := errorString(err); got != tt.want {
				t.Errorf("body error = %v; want %s", err, tt.want)
			}
			if _, err := r.ReadRequest(); err == nil {
				t.Errorf("ReadRequest after a body error succeeded; want the connection finished")
			}
		})
	}
}

// continueConn is a client that sends the head, then waits for
// "100 Continue" before it sends the body.
type continueConn struct {
	head, body *strings.Reader
	continued  int // number of OnContinue calls
}

func (c *continueConn) Read(p []byte) (int, error) {
	if c.head.Len() > 0 {
		return c.head.Read(p)
	}
	if c.continued == 0 {
		return 0, errors.New("client is still waiting for 100 Continue")
	}
	return c.body.Read(p)
}

func TestReaderContinue(t *testing.T) {
	head := "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"
	c := &continueConn{head: strings.NewReader(head), body: strings.NewReader("hello")}
	r := NewReader(c, Limits{})
	r.OnContinue = func() error { c.continued++; return nil }
	req, err := r.ReadRequest()
	if err != nil || !req.Expect100 {
		t.Fatalf("ReadRequest = %+v, %v", req, err)
	}
	if c.continued != 0 {
		t.Errorf("OnContinue called before the body was read")
	}
	body, err := io.ReadAll(r.Body())
	if err != nil || string(body) != "hello" || c.continued != 1 {
		t.Errorf("body = %q, %v, OnContinue calls = %d; want hello, nil, 1", body, err, c.continued)
	}
}

func TestReaderContinueBuffered(t *testing.T) {
	// The client sent the body without waiting: no 100 Continue is needed.
	in := "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello"
	r := NewReader(strings.NewReader(in), Limits{})
	calls := 0
	r.OnContinue = func() error { calls++; return nil }
	if _, err := r.ReadRequest(); err != nil {
		t.Fatal(err)
	}
	if body, err := io.ReadAll(r.Body()); err != nil || string(body) != "hello" || calls != 0 {
		t.Errorf("body = %q, %v, OnContinue calls = %d; want hello, nil, 0", body, err, calls)
	}
}

func TestReaderContinueUnread(t *testing.T) {
	// The app never read the body and no 100 Continue went out: the
	// client may be waiting, so the connection must end, not block.
	head := "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"
	c := &continueConn{head: strings.NewReader(head), body: strings.NewReader("hello")}
	r := NewReader(c, Limits{})
	r.OnContinue = func() error { c.continued++; return nil }
	if _, err := r.ReadRequest(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadRequest(); !errors.Is(err, errExpectUnread) || !errors.Is(err, ErrUnreadBody) {
		t.Errorf("ReadRequest = %v; want errExpectUnread, an ErrUnreadBody", err)
	}
	if c.continued != 0 {
		t.Errorf("OnContinue called %d times after the response; want 0", c.continued)
	}
}

func TestReaderSourceError(t *testing.T) {
	boom := errors.New("boom")
	r := NewReader(io.MultiReader(strings.NewReader("GET / HT"), iotest.ErrReader(boom)), Limits{})
	if _, err := r.ReadRequest(); !errors.Is(err, boom) {
		t.Errorf("ReadRequest = %v; want an error wrapping boom", err)
	}
}

func TestReaderBufferBounded(t *testing.T) {
	// Many pipelined requests with bodies must not grow the buffer past
	// the head limit plus one read.
	var b bytes.Buffer
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, "POST /%d HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n%s", i, strings.Repeat("x", 1000))
	}
	lim := Limits{MaxHeaderBytes: 1024}
	r := NewReader(&b, lim)
	for i := 0; ; i++ {
		_, err := r.ReadRequest()
		if err == io.EOF {
			if i != 200 {
				t.Errorf("read %d requests; want 200", i)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(r.buf) > lim.MaxHeaderBytes+readSize {
			t.Fatalf("buffer grew to %d bytes", len(r.buf))
		}
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// readCount reads every request from src without reading bodies and
// returns how many it read and the error that ended the stream.
func readCount(r *Reader) (int, error) {
	for n := 0; ; n++ {
		if _, err := r.ReadRequest(); err != nil {
			return n, err
		}
	}
}

// TestReaderPipelinedCopies checks that pipelined requests are not moved
// around the buffer once per request: the bytes the Reader copies stay a
// small share of its input, with its first buffer and after one large
// head (which must not leave the buffer large). Moving the leftover to the
// front on every ReadRequest copied 76 times the input (4 KiB buffer) and
// 1,184 times after a 40 KiB head.
func TestReaderPipelinedCopies(t *testing.T) {
	const n = 100_000
	small := "GET / HTTP/1.1\r\nHost: a\r\n\r\n" // 27 bytes
	large := "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + strings.Repeat("b", 40<<10) + "\r\n\r\n"
	for _, tt := range []struct{ name, first string }{{"small heads", ""}, {"after a 40 KiB head", large}} {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.first + strings.Repeat(small, n)
			r := NewReader(strings.NewReader(in), Limits{})
			if tt.first != "" {
				if _, err := r.ReadRequest(); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < n; i++ {
				if _, err := r.ReadRequest(); err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
			}
			// Buffered requests keep a large buffer until they are
			// served; by the last one it must be small again.
			lastBuf := len(r.buf)
			if _, err := r.ReadRequest(); err != io.EOF {
				t.Fatalf("after %d requests: %v, want io.EOF", n, err)
			}
			t.Logf("%d bytes in, %d copied (%.4fx), buffer at the end %d bytes", len(in), r.copied, float64(r.copied)/float64(len(in)), lastBuf)
			if r.copied > len(in)/20 {
				t.Errorf("copied %d bytes for %d bytes of input; want at most 5%%", r.copied, len(in))
			}
			if lastBuf > readSize {
				t.Errorf("buffer of %d bytes at the end; want it back to %d", lastBuf, readSize)
			}
		})
	}
}

// TestReaderDiscardBound checks that an unread body is discarded only up
// to 256 KiB (maxDiscard): a longer one ends the connection with
// ErrUnreadBody, without reading a declared length at all.
func TestReaderDiscardBound(t *testing.T) {
	const chunkedHead = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	next := "GET /next HTTP/1.1\r\nHost: a\r\n\r\n"
	chunked := func(n int) string {
		var b strings.Builder
		for ; n > 0; n -= 1000 {
			fmt.Fprintf(&b, "%x\r\n%s\r\n", min(n, 1000), strings.Repeat("x", min(n, 1000)))
		}
		return b.String() + "0\r\n\r\n"
	}
	tests := []struct {
		name     string
		in       string
		requests int   // requests read before the stream ends
		end      error // what ends it
		maxRead  int   // most bytes read from the source
	}{
		{"length within", post(200<<10) + next, 2, io.EOF, 1 << 20},
		{"length over", post(300<<10) + next, 1, ErrUnreadBody, 2 * readSize},
		{"chunked within", chunkedHead + chunked(200<<10) + next, 2, io.EOF, 1 << 20},
		{"chunked over", chunkedHead + chunked(1<<20) + next, 1, ErrUnreadBody, 256<<10 + 2*readSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &countingReader{r: strings.NewReader(tt.in)}
			n, err := readCount(NewReader(src, Limits{}))
			if n != tt.requests || !errors.Is(err, tt.end) {
				t.Errorf("read %d requests, then %v; want %d, then %v", n, err, tt.requests, tt.end)
			}
			if src.n > tt.maxRead {
				t.Errorf("read %d bytes from the source; want at most %d", src.n, tt.maxRead)
			}
		})
	}
}

// post is a POST head with a Content-Length of n, and n bytes of body.
func post(n int) string {
	return fmt.Sprintf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n%s", n, strings.Repeat("x", n))
}
