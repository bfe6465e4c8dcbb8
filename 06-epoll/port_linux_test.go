package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"lbws/shared/loop"
	"lbws/shared/sock"
)

// 06 refuses a port that another process holds, as 04 does, with one
// loop or several: whether the holder is a plain listener, a listener
// with SO_REUSEPORT of the same user, or another 06. Before, every
// socket of the group set SO_REUSEPORT, so a second 06 on the port of a
// first started without a word and took half its connections.
func TestRefusesPortHeldByAnother(t *testing.T) {
	reusePort := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	holders := []struct {
		name string
		hold func(t *testing.T) string // returns the address it holds
	}{
		{"a net.Listen listener", func(t *testing.T) string {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			return ln.Addr().String()
		}},
		{"a SO_REUSEPORT listener", func(t *testing.T) string {
			ln, err := reusePort.Listen(context.Background(), "tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			return ln.Addr().String()
		}},
		{"another 06 with 2 loops", func(t *testing.T) string {
			return startLoops(t, 2, loop.Config{Workers: 2}).Addr
		}},
		{"another 06 with 1 loop", func(t *testing.T) string {
			return startLoops(t, 1, loop.Config{Workers: 2}).Addr
		}},
	}
	for _, h := range holders {
		for _, n := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/loops=%d", h.name, n), func(t *testing.T) {
				addr := h.hold(t)
				fds, err := sock.ListenGroup(addr, n) // as main does
				if err == nil {
					for _, fd := range fds {
						unix.Close(fd)
					}
					t.Fatalf("-loops %d on %s, held by %s: started; want address already in use", n, addr, h.name)
				}
				if !strings.Contains(err.Error(), "address already in use") {
					t.Errorf("-loops %d on a held port: %v; want address already in use", n, err)
				}
			})
		}
	}
}
