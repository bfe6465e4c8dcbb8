package looptest

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"lbws/shared/stage/stagetest"
)

// OutOfDescriptorsRecovers runs the stage's main in a child process
// (the stage's TestMain calls stagetest.RunMainIfChild) with args added
// to its flags, makes its accept fail with EMFILE (too many open files),
// and checks that the stage keeps running and logs it, that the
// connection made meanwhile waits in the listen queue, and that once
// descriptors are free again it is answered, as are new connections.
func OutOfDescriptorsRecovers(t *testing.T, args ...string) {
	p := stagetest.StartProcess(t, append([]string{"-addr", "127.0.0.1:0", "-delay", "0"}, args...)...)
	// Served once: the stage has made its wake-up descriptors, which it
	// does after it prints its address.
	if err := OneConn(p.Addr, 1); err != nil {
		t.Fatalf("first request: %v", err)
	}
	restore := p.RunOutOfFds(t)
	c, err := net.Dial("tcp", p.Addr) // the kernel completes it; accept fails
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(c, "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
	// Let the loop retry its accept a few times (sock.ShortPause apart).
	// Whether one succeeds meanwhile, on a descriptor the stage freed,
	// is not assumed: the response is checked once the limit is back.
	time.Sleep(300 * time.Millisecond)
	if p.Exited() {
		t.Fatal("the stage exited when its descriptors ran out")
	}
	restore()
	all, err := io.ReadAll(c)
	if err != nil || !strings.Contains(string(all), "200 OK") || !strings.Contains(string(all), "Hello World") {
		t.Fatalf("the connection made while out of descriptors, once they were freed: %q, %v; want 200 Hello World", all, err)
	}
	if err := OneConn(p.Addr, 1); err != nil {
		t.Fatalf("a new connection after the descriptors were freed: %v", err)
	}
}
