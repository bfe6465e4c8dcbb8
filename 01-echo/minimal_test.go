package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"lbws/shared/stage/stagetest"
)

// echoChecks are the failures docs/01-echo.md shows with the naive echo
// in ./minimal, each as a client that needs every byte back.
var echoChecks = []struct {
	name  string
	check func(addr string) error
}{
	// The minimal reads once, at most 1024 bytes, then closes.
	{"4 KiB in one write comes back whole", func(addr string) error {
		return echoRounds(addr, bytes.Repeat([]byte("0123456789abcdef"), 256))
	}},
	// An interactive client (nc) types a line, reads it back, types
	// another: the minimal has closed after the first.
	{"a second line on the same connection comes back", func(addr string) error {
		return echoRounds(addr, []byte("first\n"), []byte("second\n"))
	}},
}

// echoRounds sends each message in turn on one connection, reading its
// echo back before the next, then half-closes and expects end of file.
func echoRounds(addr string, msgs ...[]byte) error {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	for _, m := range msgs {
		if _, err := c.Write(m); err != nil {
			return fmt.Errorf("writing %d bytes: %w", len(m), err)
		}
		got := make([]byte, len(m))
		if n, err := io.ReadFull(c, got); err != nil {
			return fmt.Errorf("sent %d bytes, %d came back: %w", len(m), n, err)
		}
	}
	c.(*net.TCPConn).CloseWrite()
	if n, err := c.Read(make([]byte, 1)); err != io.EOF {
		return fmt.Errorf("after the echo: read %d bytes, %v; want end of file", n, err)
	}
	return nil
}

// TestMinimalFailsWhatTheStageFixes pins the opening of docs/01-echo.md:
// the naive echo fails each check and this stage passes it.
func TestMinimalFailsWhatTheStageFixes(t *testing.T) {
	naive := stagetest.StartMinimal(t, "./minimal", "-addr", "127.0.0.1:0")
	ts := start(t)
	for _, c := range echoChecks {
		if err := c.check(naive.Addr); err == nil {
			t.Errorf("%s: the minimal passes; want it to fail (the chapter shows it failing)", c.name)
		} else {
			t.Logf("%s: the minimal fails, as the chapter says: %v", c.name, err)
		}
		if err := c.check(ts.Addr); err != nil {
			t.Errorf("%s: the stage fails: %v", c.name, err)
		}
	}
}
