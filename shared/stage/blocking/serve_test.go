package blocking_test

import (
	"errors"
	"io"
	"log"
	"strings"
	"sync"
	"testing"
	"time"

	"lbws/shared/apps"
	"lbws/shared/conformance"
	"lbws/shared/gateway"
	"lbws/shared/sock"
	"lbws/shared/stage/blocking"
	"lbws/shared/stage/stagetest"
)

// startKeepAlive runs a goroutine-per-connection server around
// blocking.Server with keep-alive on, the way 03-fork's children serve
// their connections, and returns it.
func startKeepAlive(t *testing.T, srv *blocking.Server) *stagetest.Server {
	t.Helper()
	return stagetest.Start(t, func(stop <-chan struct{}, lfd int, logs io.Writer) error {
		srv.Log = log.New(logs, "", 0)
		ln := sock.NewListener(lfd)
		var mu sync.Mutex
		conns := map[*blocking.Conn]bool{}
		var wg sync.WaitGroup
		go func() {
			<-stop
			ln.Close()
			mu.Lock()
			defer mu.Unlock()
			for c := range conns {
				c.Stop()
			}
		}()
		defer wg.Wait()
		for {
			sc, err := ln.Accept()
			if errors.Is(err, sock.ErrClosed) {
				return nil
			}
			if err != nil {
				return err
			}
			c := blocking.NewConn(sc)
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Go(func() {
				srv.ServeConn(c)
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
				c.Close()
			})
		}
	})
}

// TestConformanceKeepAlive runs the shared suite against ServeConn with
// keep-alive on: 02 never exercises that path, 03's children do.
func TestConformanceKeepAlive(t *testing.T) {
	// 3 s, not 1: the many-connections case opens 200 connections at
	// once, and on a loaded machine under -race some wait that long
	// before their request is written.
	const headerTimeout = 3 * time.Second
	conformance.NoLeaks(t)
	ts := startKeepAlive(t, &blocking.Server{
		Gateway:       gateway.Server{App: apps.Mux(0), Name: "127.0.0.1", Port: "0", Multithread: true},
		KeepAlive:     true,
		HeaderTimeout: headerTimeout,
		IdleTimeout:   5 * time.Second,
		BodyTimeout:   10 * time.Second, // edges/body-at-limit echoes 8 MiB next to other cases
		WriteTimeout:  10 * time.Second,
	})
	conformance.Run(t, ts.Addr, conformance.Options{
		KeepAlive:     true,
		Pipelining:    true,
		Concurrent:    true,
		HeaderTimeout: headerTimeout,
		Promise408:    true,
	})
}

// An idle kept-alive connection is closed without a word after the idle
// timeout; a request that has begun gets the header timeout from its
// first byte.
func TestIdleThenHeaderTimeout(t *testing.T) {
	ts := startKeepAlive(t, &blocking.Server{
		Gateway:       gateway.Server{App: apps.Mux(0), Name: "127.0.0.1", Port: "0"},
		KeepAlive:     true,
		HeaderTimeout: 400 * time.Millisecond,
		// Far above the 800 ms wait below, so that a loaded machine
		// that runs the client late does not meet it.
		IdleTimeout: 10 * time.Second,
	})
	c := ts.Dial(t)
	io.WriteString(c, "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n")
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil || !strings.Contains(string(buf[:n]), "Hello World") {
		t.Fatalf("first response: %q, %v", buf[:n], err)
	}
	// Wait longer than the header timeout but less than the idle one:
	// the connection must still be open.
	time.Sleep(800 * time.Millisecond)
	if _, err := io.WriteString(c, "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	n, err = c.Read(buf)
	if err != nil || !strings.Contains(string(buf[:n]), "Hello World") {
		t.Fatalf("second response after 800ms idle (idle timeout 10s): %q, %v", buf[:n], err)
	}
	// A started head must complete within the header timeout: 408.
	io.WriteString(c, "GET /hel")
	all, _ := io.ReadAll(c)
	if !strings.HasPrefix(string(all), "HTTP/1.1 408 ") {
		t.Fatalf("after a partial head: %q; want 408", all)
	}
}
