package gateway

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"lbws/shared/http1"
)

// !+app

// Header is one response header field set by an App.
type Header = http1.Header

// WriteFunc is PEP 3333's write() callable, returned by StartResponse, for
// apps that push the body instead of returning it. The bytes are sent
// before the returned Body's chunks, and before write returns.
type WriteFunc func([]byte) error

// StartResponse is PEP 3333's start_response. status is "200 OK" (three
// digits, a space, a reason phrase). excInfo is nil on the first call; an
// app that fails after calling it may call it again with the error, to
// replace the status and headers if nothing has been sent yet. An error
// return means the call was refused; the server then answers 500 or, if
// the response has begun, ends the connection.
type StartResponse func(status string, headers []Header, excInfo error) (WriteFunc, error)

// App is a web application: PEP 3333's application callable. It reads the
// request from env, calls start exactly once with the status and headers,
// and returns the body (nil means empty).
type App func(env *Environ, start StartResponse) Body

// !-app

// Errors about what an App did, returned by StartResponse and WriteFunc
// and logged by the server.
var (
	// ErrStartTwice is a second start_response call without excInfo.
	ErrStartTwice = errors.New("gateway: start_response called twice without excInfo")
	// ErrStartLate is a start_response call with excInfo after bytes of
	// the response were sent; it wraps the app's error.
	ErrStartLate = errors.New("gateway: start_response called with excInfo after the response was sent")
	// ErrNoStart is a non-empty body chunk before start_response.
	ErrNoStart = errors.New("gateway: body produced before start_response was called")
	// ErrBadStatus is a status that is not "NNN reason" with NNN in 200-599.
	ErrBadStatus = errors.New("gateway: malformed status")
	// ErrHopByHop is a connection-specific header set by the app.
	ErrHopByHop = errors.New("gateway: hop-by-hop header from the app")
	// ErrBadHeader is a header whose name is not a token, whose value holds
	// control characters, or a Content-Length that is not a number.
	ErrBadHeader = errors.New("gateway: malformed header")
	// ErrStale is a StartResponse or WriteFunc used after its request ended.
	ErrStale = errors.New("gateway: start_response or write used after its request ended")
	// ErrLengthAbused is a body longer or shorter than the Content-Length
	// the app set; the connection must close.
	ErrLengthAbused = errors.New("gateway: body length does not match the Content-Length the app set")
)

// hopByHop are the connection-specific fields (RFC 9110 section 7.6.1):
// they describe one connection, which the server manages, not the app.
var hopByHop = []string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding",
	"TE", "Trailer", "Upgrade",
}

// isHopByHop reports whether name is a connection-specific field.
func isHopByHop(name string) bool {
	for _, h := range hopByHop {
		if fieldIs(name, h) {
			return true
		}
	}
	return false
}

// responseHead is the status and headers an App chose through
// StartResponse, validated. Serve and ServeFramed share it.
type responseHead struct {
	called        bool     // start_response has succeeded once
	code          int      // status code
	reason        string   // reason phrase
	headers       []Header // the app's headers without Content-Length
	contentLength int64    // the app's Content-Length, or -1
}

// start validates one call of start_response. sent reports whether any
// byte of the response has gone out.
func (h *responseHead) start(status string, headers []Header, excInfo error, sent bool) error {
	switch {
	case h.called && excInfo == nil:
		return ErrStartTwice
	case h.called && sent:
		// PEP 3333: re-raise the app's error; nothing can be fixed now.
		return fmt.Errorf("%w: %w", ErrStartLate, excInfo)
	}
	code, reason, err := parseStatus(status)
	if err != nil {
		return err
	}
	cl := int64(-1)
	kept := h.headers[:0]
	for _, f := range headers {
		if err := checkHeader(f); err != nil {
			return err
		}
		if !fieldIs(f.Name, "Content-Length") {
			kept = append(kept, f)
			continue
		}
		n, err := parseLength(f.Value)
		if err != nil || (cl >= 0 && n != cl) {
			return fmt.Errorf("%w: Content-Length %q", ErrBadHeader, f.Value)
		}
		cl = n
	}
	*h = responseHead{called: true, code: code, reason: reason, headers: kept, contentLength: cl}
	return nil
}

// parseStatus splits "200 OK" into code and reason. The code is three
// digits, 200 to 599: the gateway has no way to send interim (1xx)
// responses. The reason may not hold control characters (RFC 9112 4).
func parseStatus(s string) (int, string, error) {
	if len(s) < 4 || s[3] != ' ' {
		return 0, "", fmt.Errorf("%w: %q", ErrBadStatus, s)
	}
	code := 0
	for i := 0; i < 3; i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, "", fmt.Errorf("%w: %q", ErrBadStatus, s)
		}
		code = code*10 + int(s[i]-'0')
	}
	if code < 200 || code > 599 || !validValue(s[4:]) {
		return 0, "", fmt.Errorf("%w: %q", ErrBadStatus, s)
	}
	return code, s[4:], nil
}

// checkHeader refuses fields that would break the response framing or
// belong to the connection rather than the app.
func checkHeader(f Header) error {
	if !validName(f.Name) || !validValue(f.Value) {
		return fmt.Errorf("%w: %q: %q", ErrBadHeader, f.Name, f.Value)
	}
	if isHopByHop(f.Name) {
		return fmt.Errorf("%w: %s", ErrHopByHop, f.Name)
	}
	return nil
}

// validName reports whether s is a token (RFC 9110 section 5.6.2).
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// validValue reports whether s may appear in a field value or reason
// phrase: no control characters except horizontal tab (RFC 9110 section
// 5.5), so a CR or LF cannot split the response.
func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// fieldIs compares field names case-insensitively (RFC 9110 section 5.1).
func fieldIs(name, want string) bool {
	if len(name) != len(want) {
		return false
	}
	for i := 0; i < len(name); i++ {
		a, b := name[i], want[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// parseLength parses a Content-Length value: digits only, no sign.
func parseLength(v string) (int64, error) {
	if v == "" {
		return 0, strconv.ErrSyntax
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.ParseInt(v, 10, 64)
}
