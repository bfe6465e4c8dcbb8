package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Timeouts for a target's life.
const (
	readyTimeout = 10 * time.Second // from start until GET /hello gets an answer
	stopGrace    = 5 * time.Second  // from SIGTERM until SIGKILL
)

// server is one running target: its process group and its output.
type server struct {
	// cmd is the started process; its pid is also its process group id.
	cmd *exec.Cmd
	// out keeps the tail of the process's stdout and stderr for errors.
	out *tailBuffer
	// done is closed when the process has exited and been reaped.
	done chan struct{}
	// waitErr is cmd.Wait's result, valid after done is closed.
	waitErr error
}

// startServer starts cmd in its own process group, so that stopping it
// also stops the processes it forks (gunicorn's workers, nginx's worker).
func startServer(cmd *exec.Cmd) (*server, error) {
	s := &server{cmd: cmd, out: newTailBuffer(4096), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.out, s.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setDeathSignal(cmd.SysProcAttr)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

// pid returns the process id, which is also the process group id.
func (s *server) pid() int { return s.cmd.Process.Pid }

// waitReady polls url until it gets an HTTP answer (any status: the check
// that follows says whether it is the right one), the process exits, or
// timeout passes. Each probe uses a new connection and asks to close it: an
// iterative server serves one connection at a time, and a kept-alive probe
// would hold it for the whole run.
func (s *server) waitReady(ctx context.Context, url string, timeout time.Duration) error {
	client := &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true},
		Timeout:   2 * time.Second,
		// The answer itself is the sign of life: never follow a redirect.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		if last = probe(ctx, client, url); last == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("server exited before answering (%v): %s", s.waitErr, s.out.Tail())
		case <-ctx.Done():
			return fmt.Errorf("no answer on %s after %v (%v): %s", url, timeout, last, s.out.Tail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// probe sends one GET and wants any HTTP answer.
func probe(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("probe request: %w", err)
	}
	req.Header.Set("User-Agent", benchAgent)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	resp.Body.Close()
	return nil
}

// exited reports whether the server's process has exited, and how.
func (s *server) exited() (bool, string) {
	select {
	case <-s.done:
		return true, fmt.Sprint(s.waitErr)
	default:
		return false, ""
	}
}

// stop sends SIGTERM to the process group, waits up to grace for the
// process to exit, then sends SIGKILL to the group. It always reaps the
// process and finally kills whatever is left in the group, so no worker
// outlives the run. It returns how the server stopped.
func (s *server) stop(grace time.Duration) string {
	pgid := s.pid()
	how := "exited before SIGTERM"
	select {
	case <-s.done:
	default:
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-s.done:
			how = "exited after SIGTERM"
		case <-time.After(grace):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-s.done
			how = fmt.Sprintf("killed: still running %v after SIGTERM", grace)
		}
	}
	// Leftovers of the group (workers whose parent died first).
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	var exit *exec.ExitError
	if errors.As(s.waitErr, &exit) {
		how += fmt.Sprintf(" (%v)", exit)
	}
	return how
}

// freeAddr returns a loopback address with a port that was free a moment
// ago. Another process could take it before the target binds it; the
// target then fails to start and its row says so.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// tailBuffer is an io.Writer that keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex // guards buf: the process writes from its own goroutines
	max int        // bytes kept
	buf []byte     // the tail
}

// newTailBuffer returns a tailBuffer keeping max bytes.
func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

// Write keeps the end of p.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// Tail returns the kept output, or "(no output)".
func (t *tailBuffer) Tail() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.buf) == 0 {
		return "(no output)"
	}
	return string(t.buf)
}
