package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary run as the command: HOLD_MAIN=1 runs main.
func TestMain(m *testing.M) {
	if os.Getenv("HOLD_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// server is a keep-alive HTTP server on loopback that counts the
// connections open on it.
type server struct {
	ln    net.Listener
	close string // "close" makes every response say Connection: close

	mu    sync.Mutex
	open  int
	conns map[net.Conn]bool // open connections, closed at cleanup
	wg    sync.WaitGroup
}

func newServer(t *testing.T, connection string) *server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{ln: ln, close: connection, conns: map[net.Conn]bool{}}
	s.wg.Add(1)
	go s.accept()
	// Closing what is still open lets a failing test end instead of
	// waiting for serve goroutines whose clients never let go.
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go s.serve(c)
	}
}

func (s *server) serve(c net.Conn) {
	defer s.wg.Done()
	defer c.Close()
	s.add(c, 1)
	defer s.add(c, -1)
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		req.Body.Close()
		h := ""
		if s.close != "" {
			h = "Connection: close\r\n"
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n"+h+"\r\nHello World")
		if s.close != "" {
			return
		}
	}
}

func (s *server) add(c net.Conn, d int) {
	s.mu.Lock()
	s.open += d
	if d > 0 {
		s.conns[c] = true
	} else {
		delete(s.conns, c)
	}
	s.mu.Unlock()
}

func (s *server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open
}

// waitFor polls cond until it holds or 10 s have passed.
func waitFor(cond func() bool) bool {
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

func TestHoldsNThenLetsGo(t *testing.T) {
	for _, path := range []string{"/hello", ""} {
		t.Run("path="+path, func(t *testing.T) {
			s := newServer(t, "")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			pr, pw := io.Pipe()
			errc := make(chan error, 1)
			go func() {
				errc <- run(ctx, config{Addr: s.ln.Addr().String(), N: 20, Path: path}, pw)
				pw.Close()
			}()
			br := bufio.NewReader(pr)
			line, err := br.ReadString('\n')
			if err != nil || !strings.HasPrefix(line, "held 20 connections to ") {
				t.Fatalf("first line %q, %v; want held 20 connections", line, err)
			}
			if !waitFor(func() bool { return s.count() == 20 }) {
				t.Fatalf("server sees %d connections open; want 20", s.count())
			}
			cancel()
			rest, _ := io.ReadAll(br) // until run returns and closes pw
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			if string(rest) != "let go of 20 connections\n" {
				t.Errorf("last line %q; want let go of 20 connections", rest)
			}
			if !waitFor(func() bool { return s.count() == 0 }) {
				t.Errorf("after run: server sees %d connections open; want 0", s.count())
			}
		})
	}
}

func TestHoldForDuration(t *testing.T) {
	s := newServer(t, "")
	var out bytes.Buffer
	if err := run(context.Background(), config{Addr: s.ln.Addr().String(), N: 3, Path: "/hello", Hold: 50 * time.Millisecond}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "let go of 3 connections") {
		t.Errorf("output %q; want let go of 3 connections", out.String())
	}
}

func TestServerThatClosesIsAnError(t *testing.T) {
	s := newServer(t, "close")
	err := run(context.Background(), config{Addr: s.ln.Addr().String(), N: 2, Path: "/hello"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "Connection: close") {
		t.Fatalf("run: %v; want an error naming Connection: close", err)
	}
	if !waitFor(func() bool { return s.count() == 0 }) {
		t.Errorf("after the error: server sees %d connections open; want 0", s.count())
	}
}

// The command exits with status 0 at SIGINT, after letting go.
func TestSigintExitsCleanly(t *testing.T) {
	s := newServer(t, "")
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-addr", s.ln.Addr().String(), "-n", "5")
	cmd.Env = append(os.Environ(), "HOLD_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	br := bufio.NewReader(out)
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "held 5 ") {
		t.Fatalf("first line %q, %v", line, err)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(br)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGINT: %v; want exit status 0", err)
	}
	if string(rest) != "let go of 5 connections\n" {
		t.Errorf("last line %q", rest)
	}
	if !waitFor(func() bool { return s.count() == 0 }) {
		t.Errorf("server sees %d connections open; want 0", s.count())
	}
}
