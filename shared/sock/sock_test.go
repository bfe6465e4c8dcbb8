package sock

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// listen starts a listener on a kernel-chosen loopback port and returns
// its descriptor and address; the listener is closed when the test ends.
func listen(t *testing.T, addr string) (int, string) {
	t.Helper()
	lfd, err := Listen(addr)
	if err != nil {
		t.Fatalf("Listen(%q): %v", addr, err)
	}
	t.Cleanup(func() { unix.Close(lfd) })
	got, err := LocalAddr(lfd)
	if err != nil {
		t.Fatalf("LocalAddr: %v", err)
	}
	return lfd, got
}

// pair returns a server-side Conn and the client net.Conn connected to it.
func pair(t *testing.T) (*Conn, net.Conn) {
	t.Helper()
	lfd, addr := listen(t, "127.0.0.1:0")
	client, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { client.Close() })
	c, err := Accept(lfd)
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c, client
}

func TestListenLocalAddr(t *testing.T) {
	_, addr := listen(t, "127.0.0.1:0")
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("LocalAddr = %q; want 127.0.0.1 and a chosen port", addr)
	}
}

func TestListenIPv6(t *testing.T) {
	lfd, err := Listen("[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	defer unix.Close(lfd)
	addr, err := LocalAddr(lfd)
	if err != nil || !strings.HasPrefix(addr, "[::1]:") {
		t.Fatalf("LocalAddr = %q, %v; want [::1]:port", addr, err)
	}
}

func TestListenErrors(t *testing.T) {
	_, used := listen(t, "127.0.0.1:0")
	for _, addr := range []string{"no-port", "127.0.0.1:notaport", "300.1.1.1:80", used} {
		if fd, err := Listen(addr); err == nil {
			unix.Close(fd)
			t.Errorf("Listen(%q) succeeded; want an error", addr)
		}
	}
}

func TestRoundTripAndRemoteAddr(t *testing.T) {
	c, client := pair(t)
	if c.RemoteAddr() != client.LocalAddr().String() {
		t.Errorf("RemoteAddr = %q; want %q", c.RemoteAddr(), client.LocalAddr())
	}
	if _, err := client.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "ping" {
		t.Fatalf("Read = %q, %v; want ping", buf[:n], err)
	}
	if _, err := c.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(client, buf[:4]); err != nil || string(buf[:4]) != "pong" {
		t.Fatalf("client read %q, %v; want pong", buf[:4], err)
	}
}

func TestReadEOFAfterPeerCloseWrite(t *testing.T) {
	c, client := pair(t)
	client.Write([]byte("last"))
	client.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "last" {
		t.Fatalf("ReadAll = %q, %v; want \"last\" then EOF", got, err)
	}
}

func TestCloseWriteGivesPeerEOF(t *testing.T) {
	c, client := pair(t)
	c.Write([]byte("bye"))
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(client)
	if err != nil || string(got) != "bye" {
		t.Fatalf("client ReadAll = %q, %v; want bye then EOF", got, err)
	}
	// The other direction still works after a half close.
	client.Write([]byte("still"))
	buf := make([]byte, 8)
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "still" {
		t.Fatalf("Read after CloseWrite = %q, %v", buf[:n], err)
	}
}

func TestReadDeadline(t *testing.T) {
	c, _ := pair(t)
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err := c.Read(make([]byte, 8))
	checkTimeout(t, err)
	// A deadline in the past fails without waiting.
	c.SetReadDeadline(time.Now().Add(-time.Second))
	_, err = c.Read(make([]byte, 8))
	checkTimeout(t, err)
}

func TestReadDeadlineClearedAndRearmed(t *testing.T) {
	c, client := pair(t)
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := c.Read(make([]byte, 8))
	checkTimeout(t, err)
	c.SetReadDeadline(time.Time{})
	go func() {
		time.Sleep(100 * time.Millisecond)
		client.Write([]byte("late"))
	}()
	buf := make([]byte, 8)
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "late" {
		t.Fatalf("Read with no deadline = %q, %v; want late", buf[:n], err)
	}
}

func TestWriteDeadlineWithReaderThatNeverReads(t *testing.T) {
	c, _ := pair(t)
	// Allocated before the deadline is set: zeroing 64 MiB (and its
	// shadow under -race) on a loaded machine took longer than the
	// deadline, and Write then sent nothing.
	big := make([]byte, 64<<20) // far more than both socket buffers hold
	c.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
	n, err := c.Write(big)
	checkTimeout(t, err)
	if n == 0 || n == len(big) {
		t.Errorf("Write took %d of %d bytes; want a partial write", n, len(big))
	}
}

func TestWriteLargeIsComplete(t *testing.T) {
	c, client := pair(t)
	want := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(want)
		c.CloseWrite()
		errc <- err
	}()
	got, err := io.ReadAll(client)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("client got %d bytes (err %v); want %d intact", len(got), err, len(want))
	}
	if err := <-errc; err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func TestWriteToResetPeer(t *testing.T) {
	c, client := pair(t)
	client.(*net.TCPConn).SetLinger(0)
	client.Close()
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, err = c.Write(make([]byte, 1024))
		time.Sleep(time.Millisecond)
	}
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Write to a reset peer: %v; want EPIPE or ECONNRESET", err)
	}
}

func TestCloseTwice(t *testing.T) {
	c, _ := pair(t)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("second Close = %v; want os.ErrClosed", err)
	}
	if c.Fd() != -1 {
		t.Fatalf("Fd after Close = %d; want -1", c.Fd())
	}
}

func TestShutdownWakesBlockedRead(t *testing.T) {
	c, _ := pair(t)
	errc := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 8))
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := c.Shutdown(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if err != io.EOF {
			t.Fatalf("Read after Shutdown = %v; want io.EOF", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read still blocked 5s after Shutdown")
	}
}

func TestAcceptNonblock(t *testing.T) {
	lfd, addr := listen(t, "127.0.0.1:0")
	if err := unix.SetNonblock(lfd, true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := AcceptNonblock(lfd); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("AcceptNonblock on an empty queue = %v; want EAGAIN", err)
	}
	client, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var fd int
	for i := 0; i < 500; i++ {
		if fd, _, err = AcceptNonblock(lfd); !errors.Is(err, unix.EAGAIN) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err != nil {
		t.Fatalf("AcceptNonblock: %v", err)
	}
	defer unix.Close(fd)
	if _, err := unix.Read(fd, make([]byte, 8)); err != unix.EAGAIN {
		t.Fatalf("read on the accepted fd = %v; want EAGAIN (non-blocking)", err)
	}
}

// checkTimeout fails unless err is a deadline error in both senses the
// package promises.
func checkTimeout(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v; want os.ErrDeadlineExceeded", err)
	}
	var to interface{ Timeout() bool }
	if !errors.As(err, &to) || !to.Timeout() {
		t.Fatalf("err = %v has no Timeout() == true", err)
	}
}
