package main

import (
	"io"
	"log"
	"testing"
	"time"

	"lbws/shared/stage/stagetest"
)

// startWith runs serve with cfg (its Log set to the test's buffer).
func startWith(t *testing.T, cfg config) *stagetest.Server {
	t.Helper()
	return stagetest.Start(t, func(stop <-chan struct{}, lfd int, logs io.Writer) error {
		cfg.Log = log.New(logs, "", 0)
		return serve(stop, lfd, cfg)
	})
}

// echoes fails unless a new client gets its bytes back.
func echoes(t *testing.T, ts *stagetest.Server) {
	t.Helper()
	c := ts.Dial(t)
	c.Write([]byte("next"))
	c.CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "next" {
		t.Fatalf("the next client got %q, %v; want its bytes back", got, err)
	}
}

// A client that connects and sends nothing is closed after the idle
// timeout, and the next client is served.
func TestSilentClientIsClosedAfterIdleTimeout(t *testing.T) {
	ts := startWith(t, config{IdleTimeout: 300 * time.Millisecond, WriteTimeout: 5 * time.Second})
	silent := ts.Dial(t)
	start := time.Now()
	if _, err := silent.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("silent client read %v; want EOF (closed by the server)", err)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("closed after %v; the idle timeout is 300ms", took)
	}
	echoes(t, ts)
}

// A client that sends but never reads fills both socket buffers; the
// write back fails after the write timeout, and the next client is
// served.
func TestClientThatDoesNotReadIsDropped(t *testing.T) {
	ts := startWith(t, config{IdleTimeout: 10 * time.Second, WriteTimeout: 300 * time.Millisecond})
	lazy := ts.Dial(t)
	lazy.SetReadBuffer(4096)
	go func() {
		buf := make([]byte, 64<<10)
		for {
			if _, err := lazy.Write(buf); err != nil {
				return
			}
		}
	}()
	echoes(t, ts)
	if n := ts.Logs.Count("timeout"); n == 0 {
		t.Errorf("no log line for the write that timed out:\n%s", ts.Logs)
	}
}
