package conformance

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Response is one response as the client read it off the wire.
type Response struct {
	Version string   // "HTTP/1.1" or "HTTP/1.0"
	Status  int      // three-digit status code
	Reason  string   // reason phrase, informational only (RFC 9112 4)
	Header  []Header // fields in the order received
	Body    []byte   // the body after transfer decoding
	Framing string   // "length", "chunked", "close" or "none"
}

// Header is one response field line.
type Header struct {
	Name  string // as sent, case preserved
	Value string // without surrounding whitespace
}

// Get returns the first value of the field name (case-insensitive), or "".
func (r *Response) Get(name string) string {
	for _, h := range r.Header {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// Count returns how many field lines are called name.
func (r *Response) Count(name string) int {
	n := 0
	for _, h := range r.Header {
		if strings.EqualFold(h.Name, name) {
			n++
		}
	}
	return n
}

// HasToken reports whether the comma-separated field name lists token
// (case-insensitive), e.g. HasToken("Connection", "close").
func (r *Response) HasToken(name, token string) bool {
	for _, h := range r.Header {
		if !strings.EqualFold(h.Name, name) {
			continue
		}
		for _, t := range strings.Split(h.Value, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// maxResponseHead bounds the response head the client accepts.
const maxResponseHead = 64 << 10

// maxResponseBody bounds a response body the client buffers.
const maxResponseBody = 64 << 20

// errBadResponse marks a response the client could not parse.
var errBadResponse = errors.New("malformed response")

// readResponse reads one response to a request with method from br: the
// status line, the fields, and the body framed as RFC 9112 6.3 says.
func readResponse(br *bufio.Reader, method string) (*Response, error) {
	r := &Response{}
	if err := readStatusLine(br, r); err != nil {
		return nil, err
	}
	if err := readFields(br, r); err != nil {
		return nil, err
	}
	if err := readBody(br, r, method); err != nil {
		return r, err
	}
	return r, nil
}

// readLine reads a CRLF-terminated line without the CRLF; a bare LF is
// tolerated (RFC 9112 2.2 lets a recipient accept it).
func readLine(br *bufio.Reader, budget *int) (string, error) {
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		line = append(line, frag...)
		*budget -= len(frag)
		if *budget < 0 {
			return "", fmt.Errorf("%w: head longer than %d bytes", errBadResponse, maxResponseHead)
		}
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			if err == io.EOF && len(line) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
	}
	line = bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
	return string(line), nil
}

// readStatusLine parses "HTTP/1.1 200 OK" (RFC 9112 4).
func readStatusLine(br *bufio.Reader, r *Response) error {
	budget := maxResponseHead
	line, err := readLine(br, &budget)
	if err != nil {
		return fmt.Errorf("status line: %w", err)
	}
	version, rest, ok1 := strings.Cut(line, " ")
	code, reason, _ := strings.Cut(rest, " ")
	status, err := strconv.Atoi(code)
	if !ok1 || !strings.HasPrefix(version, "HTTP/1.") || len(version) != 8 || len(code) != 3 || err != nil || status < 100 {
		return fmt.Errorf("%w: status line %q", errBadResponse, line)
	}
	r.Version, r.Status, r.Reason = version, status, reason
	return nil
}

// readFields parses field lines up to the empty line (RFC 9112 5).
func readFields(br *bufio.Reader, r *Response) error {
	budget := maxResponseHead
	for {
		line, err := readLine(br, &budget)
		if err != nil {
			return fmt.Errorf("header: %w", err)
		}
		if line == "" {
			return nil
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return fmt.Errorf("%w: field line %q", errBadResponse, line)
		}
		r.Header = append(r.Header, Header{Name: name, Value: strings.Trim(value, " \t")})
	}
}

// readBody reads the body as RFC 9112 6.3 frames a response: none for HEAD,
// 1xx, 204 and 304; chunked; Content-Length; else until the server closes.
func readBody(br *bufio.Reader, r *Response, method string) error {
	switch {
	case method == "HEAD" || r.Status < 200 || r.Status == 204 || r.Status == 304:
		r.Framing = "none"
		return nil
	case r.HasToken("Transfer-Encoding", "chunked"):
		r.Framing = "chunked"
		return readChunked(br, r)
	case r.Count("Content-Length") > 0:
		r.Framing = "length"
		return readLength(br, r)
	}
	r.Framing = "close"
	body, err := io.ReadAll(io.LimitReader(br, maxResponseBody))
	r.Body = body
	if err != nil && !closedErr(err) {
		return fmt.Errorf("body until close: %w", err)
	}
	return nil
}

// readLength reads a Content-Length body.
func readLength(br *bufio.Reader, r *Response) error {
	cl := r.Get("Content-Length")
	n, err := strconv.ParseInt(cl, 10, 64)
	if err != nil || n < 0 || n > maxResponseBody || r.Count("Content-Length") > 1 {
		return fmt.Errorf("%w: Content-Length %q (%d fields)", errBadResponse, cl, r.Count("Content-Length"))
	}
	r.Body = make([]byte, n)
	if k, err := io.ReadFull(br, r.Body); err != nil {
		r.Body = r.Body[:k]
		return fmt.Errorf("body: got %d of %d bytes: %w", k, n, err)
	}
	return nil
}

// readChunked decodes a chunked body and skips its trailers (RFC 9112 7.1).
func readChunked(br *bufio.Reader, r *Response) error {
	budget := maxResponseHead
	for {
		line, err := readLine(br, &budget)
		if err != nil {
			return fmt.Errorf("chunk size: %w", err)
		}
		hex, _, _ := strings.Cut(line, ";")
		size, err := strconv.ParseUint(strings.TrimRight(hex, " \t"), 16, 32)
		if err != nil || len(r.Body)+int(size) > maxResponseBody {
			return fmt.Errorf("%w: chunk size line %q", errBadResponse, line)
		}
		if size == 0 {
			return readFields(br, &Response{})
		}
		start := len(r.Body)
		r.Body = append(r.Body, make([]byte, size)...)
		if _, err := io.ReadFull(br, r.Body[start:]); err != nil {
			return fmt.Errorf("chunk data: %w", err)
		}
		if crlf, err := readLine(br, &budget); err != nil || crlf != "" {
			return fmt.Errorf("%w: no CRLF after chunk data", errBadResponse)
		}
		budget = maxResponseHead
	}
}
