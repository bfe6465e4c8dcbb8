package main

import (
	"bufio"
	"bytes"
	"io"
	"log"
	"net"
	"net/http"
	"testing"
	"time"

	"lbws/shared/stage/stagetest"
)

// testServer is serve running in the test process on a loopback port.
type testServer struct {
	*stagetest.Server
}

// start runs serve with cfg on 127.0.0.1:0 and stops it when the test
// ends. Unset timeouts get values that keep the tests short.
func start(t *testing.T, cfg config) testServer {
	t.Helper()
	if cfg.HeaderTimeout == 0 {
		cfg.HeaderTimeout = 5 * time.Second
	}
	if cfg.BodyTimeout == 0 {
		cfg.BodyTimeout = 5 * time.Second
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 5 * time.Second
	}
	cfg.Verbose = true
	return testServer{stagetest.Start(t, func(stop <-chan struct{}, lfd int, logs io.Writer) error {
		cfg.Log = log.New(logs, "", 0)
		return serve(stop, lfd, cfg)
	})}
}

// exchange sends raw on a new connection and reads until the server
// closes it, and returns the parsed response and its body.
func (ts testServer) exchange(t *testing.T, raw string) (*http.Response, string) {
	t.Helper()
	c := ts.Dial(t)
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	return readResponse(t, c, raw)
}

// readResponse reads everything until the server closes c and parses it
// as one response. It fails the test if the server does not close.
func readResponse(t *testing.T, c net.Conn, sent string) (*http.Response, string) {
	t.Helper()
	all, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("sent %q\nread %q then %v; want a response and the server closing", sent, all, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(all)), nil)
	if err != nil {
		t.Fatalf("sent %q\ngot %q: not a response: %v", sent, all, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("sent %q\ngot %q: body: %v", sent, all, err)
	}
	return resp, string(body)
}

// wantStatus fails unless resp has status code and says Connection: close.
func wantStatus(t *testing.T, resp *http.Response, code int) {
	t.Helper()
	if resp.StatusCode != code {
		t.Errorf("status %d; want %d", resp.StatusCode, code)
	}
	if !resp.Close {
		t.Errorf("response without Connection: close (header %v)", resp.Header)
	}
}
