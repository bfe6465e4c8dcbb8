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

// Out of file descriptors, the server logs, backs off and serves again
// once descriptors are free; a SIGTERM while it is out of them still
// ends it cleanly. (Before, the first pause after EMFILE made the Go
// runtime create its poller, which needs descriptors: "fatal error:
// runtime: netpollinit failed", exit 2.)
func TestOutOfDescriptorsRecovers(t *testing.T) {
	p := stagetest.StartProcess(t, "-addr", "127.0.0.1:0", "-delay", "0")
	restore := p.RunOutOfFds(t)
	c, err := net.Dial("tcp", p.Addr) // the kernel completes it; accept fails
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(c, getHello)
	time.Sleep(300 * time.Millisecond) // a few more failed accepts and pauses
	if p.Exited() {
		t.Fatal("the server died out of descriptors")
	}
	restore()
	all, err := io.ReadAll(c)
	if err != nil || !strings.Contains(string(all), "Hello World") {
		t.Fatalf("after descriptors were freed: %q, %v; want the response", all, err)
	}
	p.WaitLog(t, "accepting again")

	p.RunOutOfFds(t)
	p.Signal(t, syscall.SIGTERM)
	if code := p.Wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit status %d after SIGTERM while out of descriptors; want 0", code)
	}
}
