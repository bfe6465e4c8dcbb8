package stagetest_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"lbws/shared/sock"
	"lbws/shared/stage/stagetest"
)

// recorder is a testing.TB that keeps the errors reported to it instead
// of failing the test, so the failures of Stop can be checked.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

// Errorf records the error.
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// Errors returns what was recorded, one string per call.
func (r *recorder) Errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

// idleServe logs a line, waits for stop, closes the listener and returns
// err.
func idleServe(err error) stagetest.ServeFunc {
	return func(stop <-chan struct{}, lfd int, logs io.Writer) error {
		io.WriteString(logs, "serving\n")
		<-stop
		sock.NewListener(lfd).Close()
		return err
	}
}

func TestStopWaitsForServe(t *testing.T) {
	returned := make(chan struct{})
	ts := stagetest.Start(t, func(stop <-chan struct{}, lfd int, logs io.Writer) error {
		defer close(returned)
		return idleServe(nil)(stop, lfd, logs)
	})
	ts.Stop(t)
	select {
	case <-returned:
	default:
		t.Fatal("Stop returned before serve did")
	}
	ts.Stop(t) // a second call is a no-op
	if got := ts.Logs.String(); got != "serving\n" {
		t.Errorf("Logs = %q; want what serve wrote", got)
	}
}

func TestStopReportsServeError(t *testing.T) {
	ts := stagetest.Start(t, idleServe(errors.New("boom")))
	rec := &recorder{TB: t}
	ts.Stop(rec)
	if errs := rec.Errors(); len(errs) != 1 || !strings.Contains(errs[0], "boom") {
		t.Errorf("Stop reported %q; want one error naming serve's error", errs)
	}
}

func TestStopReportsServeThatHangs(t *testing.T) {
	release := make(chan struct{})
	ts := stagetest.Start(t, func(stop <-chan struct{}, lfd int, logs io.Writer) error {
		<-release // ignores stop
		return idleServe(nil)(stop, lfd, logs)
	})
	t.Cleanup(func() { close(release) }) // runs before Start's cleanup
	ts.StopTimeout = 50 * time.Millisecond
	rec := &recorder{TB: t}
	ts.Stop(rec)
	if errs := rec.Errors(); len(errs) != 1 || !strings.Contains(errs[0], "did not return within 50ms") {
		t.Errorf("Stop reported %q; want one error saying serve did not return", errs)
	}
}

func TestDialReachesTheServer(t *testing.T) {
	ts := stagetest.Start(t, func(stop <-chan struct{}, lfd int, logs io.Writer) error {
		ln := sock.NewListener(lfd)
		go func() { <-stop; ln.Close() }()
		c, err := ln.Accept()
		if err != nil {
			return fmt.Errorf("accept: %w", err)
		}
		defer c.Close()
		_, err = c.Write([]byte("hi"))
		return err
	})
	c := ts.Dial(t)
	if got := c.RemoteAddr().String(); got != ts.Addr {
		t.Errorf("dialed %s; want %s", got, ts.Addr)
	}
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "hi" {
		t.Errorf("read %q, %v; want the server's \"hi\" then EOF", got, err)
	}
}

func TestLogBufferCountsUnderConcurrentWrites(t *testing.T) {
	var b stagetest.LogBuffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				fmt.Fprintf(&b, "GET /x 408\n")
			}
		})
	}
	wg.Wait()
	if n := b.Count("408"); n != 800 {
		t.Errorf("Count(\"408\") = %d; want 800", n)
	}
	if n := b.Count("GET /x 408\n"); n != 800 || len(b.String()) != 800*len("GET /x 408\n") {
		t.Errorf("lines torn by concurrent writes: %d whole lines in %d bytes", n, len(b.String()))
	}
}
