package main

import (
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"lbws/shared/stage/stagetest"
)

// startBusy starts the stage with /hello sleeping an hour and the given
// -shutdown, and returns it with a client whose request is in the app.
func startBusy(t *testing.T, shutdown string) (*stagetest.Process, net.Conn) {
	t.Helper()
	p := stagetest.StartProcess(t, "-addr", "127.0.0.1:0", "-delay", "1h", "-shutdown", shutdown, "-v")
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	io.WriteString(c, getHello)
	time.Sleep(200 * time.Millisecond) // read and handed to the app
	return p, c
}

// SIGINT and SIGTERM each end an idle server with status 0.
func TestSignalEndsIdleServer(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		p := stagetest.StartProcess(t, "-addr", "127.0.0.1:0")
		p.Signal(t, sig)
		if code := p.Wait(t, 10*time.Second); code != 0 {
			t.Errorf("%v: exit status %d; want 0", sig, code)
		}
	}
}

// The -shutdown deadline bounds the wait for a request in progress.
func TestShutdownDeadlineBoundsARequestInProgress(t *testing.T) {
	p, _ := startBusy(t, "500ms")
	p.Signal(t, syscall.SIGTERM)
	if code := p.Wait(t, 10*time.Second); code == 0 {
		t.Errorf("exit status 0 with a request still in progress; want non-zero")
	}
	if !strings.Contains(p.Stderr.String(), "still in progress") {
		t.Errorf("no line saying why it exited")
	}
}

// A second signal exits at once, whatever -shutdown says.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	p, _ := startBusy(t, "1h")
	p.Signal(t, syscall.SIGTERM)
	time.Sleep(300 * time.Millisecond)
	if p.Exited() {
		t.Fatal("exited at the first signal with a request in progress and -shutdown 1h")
	}
	p.Signal(t, syscall.SIGINT)
	if code := p.Wait(t, 10*time.Second); code == 0 {
		t.Errorf("exit status 0 after a second signal; want non-zero")
	}
}
