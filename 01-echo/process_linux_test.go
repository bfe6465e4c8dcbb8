package main

import (
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"lbws/shared/stage/stagetest"
)

// Out of file descriptors, the echo server logs, backs off and echoes
// again once descriptors are free, and a SIGTERM while it is out of them
// still ends it with status 0 (before: "fatal error: runtime:
// netpollinit failed", exit 2, at the first pause).
func TestOutOfDescriptorsRecovers(t *testing.T) {
	p := stagetest.StartProcess(t, "-addr", "127.0.0.1:0")
	restore := p.RunOutOfFds(t)
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(c, "ping")
	time.Sleep(300 * time.Millisecond)
	if p.Exited() {
		t.Fatal("the server died out of descriptors")
	}
	restore()
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("after descriptors were freed: %q, %v; want ping back", buf, err)
	}
	p.WaitLog(t, "accepting again")
	c.Close()

	p.RunOutOfFds(t)
	p.Signal(t, syscall.SIGTERM)
	if code := p.Wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit status %d after SIGTERM while out of descriptors; want 0", code)
	}
}
