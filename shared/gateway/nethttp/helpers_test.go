package nethttp_test

import (
	"bytes"
	"errors"
	"io"
	"log"
	"regexp"
	"strings"
	"testing"

	"lbws/shared/gateway"
	"lbws/shared/http1"
)

// served is what one Serve call produced.
type served struct {
	out string         // bytes written to the client, Date value replaced
	res gateway.Result // Serve's result
	err error          // Serve's error
	log string         // the server's log
}

// dateRE matches the Date line, whose value changes every second.
var dateRE = regexp.MustCompile(`Date: [^\r]*\r\n`)

// newServer returns a Server for app that logs into logb.
func newServer(app gateway.App, logb *bytes.Buffer) *gateway.Server {
	return &gateway.Server{App: app, Name: "localhost", Port: "8888", Log: log.New(logb, "", 0)}
}

// serve parses raw with the real parser and runs app for its first
// request, writing to a buffer.
func serve(t *testing.T, app gateway.App, raw string) served {
	t.Helper()
	var out bytes.Buffer
	s := serveTo(t, app, raw, &out)
	s.out = dateRE.ReplaceAllString(out.String(), "Date: X\r\n")
	return s
}

// serveTo is serve with a given writer; out is left empty.
func serveTo(t *testing.T, app gateway.App, raw string, w io.Writer) served {
	t.Helper()
	r := http1.NewReader(strings.NewReader(raw), http1.Limits{})
	req, err := r.ReadRequest()
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	var logb bytes.Buffer
	res, err := newServer(app, &logb).Serve(w, req, r.Body(), "127.0.0.1:5555")
	return served{res: res, err: err, log: logb.String()}
}

// logLines counts the lines in a log.
func logLines(log string) int { return strings.Count(log, "\n") }

// get is a plain HTTP/1.1 GET.
const get = "GET / HTTP/1.1\r\nHost: h\r\n\r\n"

// textPlain is the header most test apps send.
var textPlain = []gateway.Header{{Name: "Content-Type", Value: "text/plain"}}

// failWriter fails every write.
type failWriter struct{}

// Write fails.
func (failWriter) Write(p []byte) (int, error) { return 0, errors.New("connection reset by peer") }

// parseReq parses the first request of raw with the real parser.
func parseReq(t *testing.T, raw string) *http1.Request {
	t.Helper()
	req, err := http1.NewReader(strings.NewReader(raw), http1.Limits{}).ReadRequest()
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	return req
}
