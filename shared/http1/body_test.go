package http1

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// decoded is the outcome of decoding a body.
type decoded struct {
	Body   string
	Used   int  // bytes of input consumed
	Done   bool // the body ended
	Status int  // the error status, 0 if none
}

// decodeBody decodes in as the body of req. With step > 0 it passes at
// most step bytes per call, as a slow client would deliver them.
func decodeBody(req *Request, maxBody int64, in []byte, step int) decoded {
	var d BodyDecoder
	d.Reset(req, Limits{MaxBody: maxBody})
	var out decoded
	var body strings.Builder
	for {
		chunk := in[out.Used:]
		if step > 0 && len(chunk) > step {
			chunk = chunk[:step]
		}
		data, n, done, err := d.Decode(chunk)
		out.Used += n
		body.WriteString(string(data))
		var e *Error
		switch {
		case errors.As(err, &e):
			out.Status = e.Status
		case err == ErrNeedMore:
		case err != nil:
			panic(err)
		case done:
			out.Done = true
		default:
			continue
		}
		out.Body = body.String()
		return out
	}
}

var chunkedReq = &Request{ContentLength: -1, Chunked: true}

func TestDecodeChunked(t *testing.T) {
	tests := []struct {
		name string
		in   string
		body string
	}{
		{"one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello"},
		{"several chunks", "3\r\nabc\r\n1\r\nd\r\n0\r\n\r\n", "abcd"},
		{"upper and lower hex", "A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n", "01234567890123456789"},
		{"leading zeros", "005\r\nhello\r\n000\r\n\r\n", "hello"},
		// RFC 9112 7.1.1: extensions are ignored by a recipient that does
		// not understand them; BWS is allowed before the ";".
		{"extensions", "5;a=b;c=\"d;e\"\r\nhello\r\n0;last\r\n\r\n", "hello"},
		{"BWS before extension", "5 \t;a\r\nhello\r\n0\r\n\r\n", "hello"},
		// RFC 9112 7.1.2: trailers are read and discarded.
		{"trailers", "5\r\nhello\r\n0\r\nX-Sum: 1\r\nY:\r\n\r\n", "hello"},
		{"data with CRLF inside", "4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n"},
		{"empty body", "0\r\n\r\n", ""},
		// maxChunkLine bytes, CRLF included, is still a valid line.
		{"extension at the line limit", "5;" + strings.Repeat("a", maxChunkLine-4) + "\r\nhello\r\n0\r\n\r\n", "hello"},
		{"leading zeros at the line limit", strings.Repeat("0", maxChunkLine-3) + "5\r\nhello\r\n0\r\n\r\n", "hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Bytes after the message belong to the next request and must
			// not be consumed.
			in := []byte(tt.in + "GET / HTTP/1.1\r\n")
			want := decoded{Body: tt.body, Used: len(tt.in), Done: true}
			for _, step := range []int{0, 1, 2, 7} {
				if diff := cmp.Diff(want, decodeBody(chunkedReq, 0, in, step)); diff != "" {
					t.Errorf("step %d (-want +got):\n%s", step, diff)
				}
			}
		})
	}
}

func TestDecodeChunkedErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		maxBody int64
		status  int
	}{
		// RFC 9112 7.1: chunk-size is 1*HEXDIG, nothing else.
		{"plus sign", "+5\r\nhello\r\n0\r\n\r\n", 0, 400},
		{"minus sign", "-5\r\nhello\r\n0\r\n\r\n", 0, 400},
		{"0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", 0, 400},
		{"leading space", " 5\r\nhello\r\n0\r\n\r\n", 0, 400},
		{"not hex", "g\r\n", 0, 400},
		{"empty size", "\r\nhello\r\n", 0, 400},
		{"trailing space without extension", "5 \r\nhello\r\n0\r\n\r\n", 0, 400},
		{"bare LF after size", "5\nhello\r\n0\r\n\r\n", 0, 400},
		{"bare CR after size", "5\rhello\r\n0\r\n\r\n", 0, 400},
		// A chunk longer than its size is the classic smuggling vector.
		{"missing CRLF after data", "5\r\nhelloX\r\n0\r\n\r\n", 0, 400},
		{"LF only after data", "5\r\nhello\n0\r\n\r\n", 0, 400},
		{"CR then garbage after data", "5\r\nhello\rX0\r\n\r\n", 0, 400},
		{"size overflows int64", "10000000000000000\r\n", 1<<63 - 1, 400},
		{"control in extension", "5;a\x00\r\nhello\r\n0\r\n\r\n", 0, 400},
		// The whole size line is bounded (maxChunkLine, CRLF included):
		// extensions, leading zeros and whitespace before ";" alike.
		{"extension too long", "5;" + strings.Repeat("a", maxChunkLine-3) + "\r\n", 0, 400},
		{"leading zeros too long", strings.Repeat("0", maxChunkLine-2) + "5\r\nhello\r\n0\r\n\r\n", 0, 400},
		{"whitespace too long", "5" + strings.Repeat(" ", maxChunkLine-3) + ";\r\nhello\r\n0\r\n\r\n", 0, 400},
		{"zeros too long in the last chunk", "5\r\nhello\r\n" + strings.Repeat("0", maxChunkLine-1) + "\r\n\r\n", 0, 400},
		// Trailers obey the header field rules (RFC 9112 7.1.2, 5).
		{"trailer obs-fold", "0\r\nX: a\r\n b\r\n\r\n", 0, 400},
		{"trailer space before colon", "0\r\nX : a\r\n\r\n", 0, 400},
		{"trailer without colon", "0\r\nX\r\n\r\n", 0, 400},
		{"trailer bare LF", "0\r\nX: a\n\r\n", 0, 400},
		{"trailer NUL", "0\r\nX: a\x00\r\n\r\n", 0, 400},
		{"final bare CR", "0\r\n\rX", 0, 400},
		{"trailer too large", "0\r\nX: " + strings.Repeat("a", DefaultMaxHeaderBytes) + "\r\n\r\n", 0, 431},
		{"too many trailer fields", "0\r\n" + strings.Repeat("X: a\r\n", DefaultMaxFields+1) + "\r\n", 0, 431},
		// RFC 9110 15.5.14: a body over the limit is 413, as soon as a
		// chunk size says so and before its data is read.
		{"chunk over the limit", "65\r\n", 100, 413},
		{"total over the limit", "32\r\n" + strings.Repeat("a", 50) + "\r\n33\r\n", 100, 413},
		{"huge chunk size", "FFFFFFFFFFFFFFF\r\n", 0, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			whole := decodeBody(chunkedReq, tt.maxBody, []byte(tt.in), 0)
			if whole.Status != tt.status {
				t.Errorf("status = %d; want %d (%+v)", whole.Status, tt.status, whole)
			}
			bytewise := decodeBody(chunkedReq, tt.maxBody, []byte(tt.in), 1)
			if bytewise.Status != tt.status || bytewise.Body != whole.Body {
				t.Errorf("byte at a time: %+v; whole: %+v", bytewise, whole)
			}
		})
	}
}

func TestDecodeContentLength(t *testing.T) {
	req := &Request{ContentLength: 5}
	for _, step := range []int{0, 1, 3} {
		got := decodeBody(req, 0, []byte("helloGET /"), step)
		if diff := cmp.Diff(decoded{Body: "hello", Used: 5, Done: true}, got); diff != "" {
			t.Errorf("step %d (-want +got):\n%s", step, diff)
		}
	}
	if got := decodeBody(req, 4, []byte("hello"), 0); got.Status != 413 {
		t.Errorf("Content-Length 5 with a limit of 4: status %d; want 413", got.Status)
	}
	for _, r := range []*Request{nil, {ContentLength: -1}, {ContentLength: 0}} {
		if got := decodeBody(r, 0, []byte("GET /"), 0); !got.Done || got.Used != 0 {
			t.Errorf("body of %+v = %+v; want done at once, nothing used", r, got)
		}
	}
	var d BodyDecoder
	d.Reset(req, Limits{})
	if _, _, _, err := d.Decode(nil); err != ErrNeedMore {
		t.Errorf("Decode(nil) = %v; want ErrNeedMore", err)
	}
}

// TestDecodeLimits checks that Reset takes every limit from its Limits:
// MaxBody for the body, MaxHeaderBytes and MaxFields for the trailers.
func TestDecodeLimits(t *testing.T) {
	lim := Limits{MaxHeaderBytes: 64, MaxFields: 2, MaxBody: 10}
	tests := []struct {
		name, in string
		status   int
	}{
		{"body within", "a\r\n0123456789\r\n0\r\n\r\n", 0},
		{"body over", "b\r\n", 413},
		{"trailer fields within", "0\r\nA: 1\r\nB: 2\r\n\r\n", 0},
		{"trailer fields over", "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 431},
		{"trailer bytes over", "0\r\nA: " + strings.Repeat("a", 64) + "\r\n\r\n", 431},
	}
	for _, tt := range tests {
		var d BodyDecoder
		d.Reset(chunkedReq, lim)
		got := 0
		for in := []byte(tt.in); ; {
			_, n, done, err := d.Decode(in)
			in = in[n:]
			var e *Error
			if errors.As(err, &e) {
				got = e.Status
			}
			if done || err != nil {
				break
			}
		}
		if got != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.status)
		}
	}
}

// TestExpectsContinue checks the 100-continue decision (RFC 9110 10.1.1):
// yes only while a client that asked for it has sent no body byte and
// the server has not answered it.
func TestExpectsContinue(t *testing.T) {
	expecting := &Request{ContentLength: 5, Expect100: true}
	tests := []struct {
		name     string
		req      *Request
		lim      Limits
		decode   string // bytes passed to Decode first
		sent     bool   // ContinueSent was called
		buffered int
		want     bool
	}{
		{"asked, nothing received", expecting, Limits{}, "", false, 0, true},
		{"not asked", &Request{ContentLength: 5}, Limits{}, "", false, 0, false},
		{"asked, no body", &Request{ContentLength: -1, Expect100: true}, Limits{}, "", false, 0, false},
		{"asked, chunked", &Request{ContentLength: -1, Chunked: true, Expect100: true}, Limits{}, "", false, 0, true},
		{"asked, body over the limit", expecting, Limits{MaxBody: 4}, "", false, 0, false},
		{"asked, body bytes buffered", expecting, Limits{}, "", false, 2, false},
		{"asked, a body byte decoded", expecting, Limits{}, "h", false, 0, false},
		{"asked, already sent", expecting, Limits{}, "", true, 0, false},
	}
	for _, tt := range tests {
		var d BodyDecoder
		d.Reset(tt.req, tt.lim)
		if tt.decode != "" {
			d.Decode([]byte(tt.decode))
		}
		if tt.sent {
			d.ContinueSent()
		}
		if got := d.ExpectsContinue(tt.buffered); got != tt.want {
			t.Errorf("%s: ExpectsContinue(%d) = %v, want %v", tt.name, tt.buffered, got, tt.want)
		}
	}
}
