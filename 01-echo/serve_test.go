package main

import (
	"bytes"
	"crypto/rand"
	"io"
	"log"
	"net"
	"strings"
	"testing"
	"time"

	"lbws/shared/conformance"
	"lbws/shared/stage/stagetest"
)

// start runs serve on 127.0.0.1:0 and stops it when the test ends,
// failing the test unless serve returns nil within 5 s of the stop.
func start(t *testing.T) *stagetest.Server {
	t.Helper()
	ts := stagetest.Start(t, func(stop <-chan struct{}, lfd int, logs io.Writer) error {
		return serve(stop, lfd, config{Verbose: true, Log: log.New(logs, "", 0)})
	})
	ts.StopTimeout = 5 * time.Second
	return ts
}

func TestEchoOneMiBWhileWritingAndReading(t *testing.T) {
	ts := start(t)
	c := ts.Dial(t)
	want := make([]byte, 1<<20)
	rand.Read(want)
	errc := make(chan error, 1)
	go func() {
		// Small uneven writes, so the server sees many partial reads.
		var err error
		for rest := want; len(rest) > 0 && err == nil; {
			n := min(len(rest), 7919)
			_, err = c.Write(rest[:n])
			rest = rest[n:]
		}
		if err == nil {
			err = c.CloseWrite()
		}
		errc <- err
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read after %d bytes: %v", len(got), err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("write: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("echoed %d bytes, want %d identical bytes", len(got), len(want))
	}
}

func TestHalfClosedClientGetsEveryByte(t *testing.T) {
	ts := start(t)
	c := ts.Dial(t)
	want := bytes.Repeat([]byte("half-closed "), 2000) // 24 KB, sent before reading any
	if _, err := c.Write(want); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes (err %v); want all %d back, then EOF", len(got), err, len(want))
	}
}

func TestResetClientThenGoodClient(t *testing.T) {
	ts := start(t)
	bad := ts.Dial(t)
	bad.Write([]byte("about to vanish"))
	bad.SetLinger(0) // close sends RST instead of FIN
	bad.Close()

	good := ts.Dial(t)
	good.Write([]byte("still there?"))
	good.CloseWrite()
	got, err := io.ReadAll(good)
	if err != nil || string(got) != "still there?" {
		t.Fatalf("good client got %q, %v; want its bytes back", got, err)
	}
	if logs := ts.Logs.String(); !strings.Contains(logs, bad.LocalAddr().String()+": sock: read") && !strings.Contains(logs, bad.LocalAddr().String()+": sock: write") {
		t.Errorf("the reset client left no error log line:\n%s", logs)
	}
}

func TestClientsAreServedOneAfterAnother(t *testing.T) {
	ts := start(t)
	first := ts.Dial(t)
	first.Write([]byte("one"))
	buf := make([]byte, 3)
	if _, err := io.ReadFull(first, buf); err != nil {
		t.Fatal(err)
	}
	// While first stays open, second is queued by the kernel but not served.
	second := ts.Dial(t)
	second.Write([]byte("two"))
	second.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := second.Read(buf); err == nil {
		t.Fatalf("second client served (%q) while the first is open", buf[:n])
	}
	first.Close()
	second.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(second, buf); err != nil || string(buf) != "two" {
		t.Fatalf("second client after first closed: %q, %v", buf, err)
	}
}

func TestStopWithIdleClientConnected(t *testing.T) {
	ts := start(t)
	c := ts.Dial(t)
	c.Write([]byte("x"))
	io.ReadFull(c, make([]byte, 1)) // the server is now blocked reading c
	ts.Stop(t)
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("client read after stop: %v; want EOF", err)
	}
	if _, err := net.DialTimeout("tcp", ts.Addr, time.Second); err == nil {
		t.Fatal("dial after stop succeeded; the listener is still open")
	}
}

func TestStopLeaksNothing(t *testing.T) {
	conformance.NoLeaks(t) // checked after the servers below are stopped
	for i := 0; i < 3; i++ {
		ts := start(t)
		c := ts.Dial(t)
		c.Write([]byte("hi"))
		io.ReadFull(c, make([]byte, 2))
		c.Close()
		ts.Stop(t)
	}
}
