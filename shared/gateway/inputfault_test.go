package gateway_test

import (
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"testing"

	"lbws/shared/gateway"
	"lbws/shared/http1"
)

// failingInput is a request body whose Read fails with err.
type failingInput struct{ err error }

// Read fails.
func (f failingInput) Read([]byte) (int, error) { return 0, f.err }

// A fault that comes from reading the request body is the client's: it is
// answered with the body's own status (or 408 for a timeout, 400 for a
// body cut short), with Connection: close and no log line, not with 500.
func TestServeInputFaults(t *testing.T) {
	echo := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		start("200 OK", textPlain, nil)
		return gateway.FromReader(env.Input, 0)
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&http1.Error{Status: 400, Reason: "invalid chunk size"}, "HTTP/1.1 400 Bad Request\r\n"},
		{fmt.Errorf("http1: reading body: %w", &http1.Error{Status: 413, Reason: "too big"}), "HTTP/1.1 413 Content Too Large\r\n"},
		{fmt.Errorf("sock: read: %w", os.ErrDeadlineExceeded), "HTTP/1.1 408 Request Timeout\r\n"},
		{fmt.Errorf("http1: connection closed inside a request body: %w", io.ErrUnexpectedEOF), "HTTP/1.1 400 Bad Request\r\n"},
		{io.ErrClosedPipe, "HTTP/1.1 500 Internal Server Error\r\n"},
	} {
		req := &http1.Request{Method: []byte("POST"), Target: []byte("/"), Version: http1.HTTP11, ContentLength: 5, KeepAlive: true}
		var out strings.Builder
		var logb strings.Builder
		srv := &gateway.Server{App: echo, Name: "localhost", Port: "8888", Log: log.New(&logb, "", 0)}
		res, err := srv.Serve(&out, req, failingInput{tc.err}, "127.0.0.1:5555")
		if err != nil {
			t.Errorf("%v: Serve returned %v", tc.err, err)
		}
		if !strings.HasPrefix(out.String(), tc.want) {
			t.Errorf("%v: response %q; want it to start %q", tc.err, out.String(), tc.want)
		}
		clients := tc.want[9:12] != "500"
		if clients && (res.KeepAlive || !strings.Contains(out.String(), "Connection: close\r\n")) {
			t.Errorf("%v: keep-alive %v, response %q; want Connection: close", tc.err, res.KeepAlive, out.String())
		}
		// The client's fault is not the app's: no log line (a client
		// that goes away is logged by the driver, with -v only).
		if logged := logb.Len() > 0; logged == clients {
			t.Errorf("%v: log %q; want a line only for the app's fault", tc.err, logb.String())
		}
	}
}
