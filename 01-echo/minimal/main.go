// Command minimal is the article's echo server written the naive way, on
// purpose: one read(2) of at most 1024 bytes per connection, one write(2)
// of what came, close. No loop over reads, no check that write took every
// byte, no EINTR retry, no timeouts. Chapter docs/01-echo.md starts here,
// shows what a real client does to it, and builds ../ (the stage) as the
// fix of each failure.
//
//	go run ./01-echo/minimal -addr 127.0.0.1:8888
package main

import (
	"flag"
	"fmt"
	"log"
	"net/netip"

	"golang.org/x/sys/unix"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "where to listen (IPv4 host:port; port 0 picks one)")
	flag.Parse()
	ap, err := netip.ParseAddrPort(*addr)
	if err != nil || !ap.Addr().Is4() {
		log.Fatalf("-addr %q: want an IPv4 host:port", *addr)
	}

	// socket, bind, listen: the life of a server socket.
	lfd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		log.Fatal("socket: ", err)
	}
	if err := unix.SetsockoptInt(lfd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		log.Fatal("setsockopt: ", err)
	}
	if err := unix.Bind(lfd, &unix.SockaddrInet4{Addr: ap.Addr().As4(), Port: int(ap.Port())}); err != nil {
		log.Fatal("bind: ", err)
	}
	if err := unix.Listen(lfd, 5); err != nil { // the article's queue of 5
		log.Fatal("listen: ", err)
	}
	sa, err := unix.Getsockname(lfd)
	if err != nil {
		log.Fatal("getsockname: ", err)
	}
	in := sa.(*unix.SockaddrInet4)
	fmt.Printf("01-echo minimal: echoing on %v:%d, one connection at a time\n", netip.AddrFrom4(in.Addr), in.Port)

	// !+naive
	for {
		cfd, _, err := unix.Accept(lfd)
		if err != nil {
			log.Fatal("accept: ", err)
		}
		buf := make([]byte, 1024)
		n, err := unix.Read(cfd, buf) // one read: whatever has arrived, at most 1 KiB
		if err == nil && n > 0 {
			unix.Write(cfd, buf[:n]) // one write: hope it takes every byte
		}
		unix.Close(cfd)
	}
	// !-naive
}
