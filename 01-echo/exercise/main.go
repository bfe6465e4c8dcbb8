// Command exercise is chapter 01's exercise: the echo server of
// docs/01-echo.md, written by you. It compiles as given and does nothing
// useful yet: the system calls that make a server socket, take a
// connection and move its bytes are yours to write, in echo.go, at the
// TODO(you) markers. hints.md has hints for each, from a nudge to the
// stage's own code; ../ (the stage) is a finished solution.
//
// Run it and grade it from the repository root:
//
//	go run ./01-echo/exercise               # listens on 127.0.0.1:8888
//	printf 'hello\n' | nc -N 127.0.0.1 8888
//	go run ./shared/cmd/grade 01            # builds, starts and checks it
//
// Flags:
//
//	-addr host:port    where to listen (IPv4; default 127.0.0.1:8888; port 0 picks one)
//
// Not here: the stage's deadlines (-idle-timeout, -write-timeout). They
// are socket options (SO_RCVTIMEO, SO_SNDTIMEO) that shared/sock sets on
// its connections, not the calls this exercise is about, and the grader
// does not check them; so a client that connects and stays silent holds
// this server until it leaves (see "Your turn" in docs/01-echo.md).
//
// What is given: the flags, the first line of output (the grader reads
// the address from it), and serve, the loop that takes one connection at
// a time, echoes it and closes it. Ctrl-C (SIGINT) or SIGTERM ends the
// process (the stage shuts down gently; here the default action of the
// signal is enough).
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("01-echo exercise: ")
	addr := flag.String("addr", "127.0.0.1:8888", "where to listen (IPv4 host:port; port 0 picks one)")
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	ap, err := netip.ParseAddrPort(*addr)
	if err != nil || !ap.Addr().Is4() {
		log.Fatalf("-addr %q: want an IPv4 host:port", *addr)
	}
	lfd, err := listen(ap)
	if err != nil {
		log.Fatal(err)
	}
	local, err := localAddr(lfd)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("01-echo exercise: echoing on %s, one connection at a time (Ctrl-C stops)\n", local)
	serve(lfd)
}

// serve takes connections off the listening socket lfd one at a time,
// echoes each until its client is done and closes it. A failed
// connection costs a log line; the server goes on with the next one.
func serve(lfd int) {
	for {
		cfd, err := accept(lfd)
		if errors.Is(err, errNotImplemented) {
			log.Fatal(err)
		}
		if err != nil {
			// A client that reset while it waited in the queue
			// (ECONNABORTED), or out of descriptors (EMFILE): log
			// it and take the next one.
			log.Printf("accept: %v", err)
			time.Sleep(100 * time.Millisecond) // EMFILE stays until a descriptor is free
			continue
		}
		if err := echo(cfd); err != nil {
			log.Printf("echo: %v", err)
		}
		if err := unix.Close(cfd); err != nil {
			log.Printf("close: %v", err)
		}
	}
}

// localAddr returns the address the socket fd is bound to, with the port
// the kernel chose for port 0.
func localAddr(fd int) (netip.AddrPort, error) {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("getsockname: %w", err)
	}
	in, ok := sa.(*unix.SockaddrInet4)
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("getsockname: %T, want an IPv4 address", sa)
	}
	return netip.AddrPortFrom(netip.AddrFrom4(in.Addr), uint16(in.Port)), nil
}
