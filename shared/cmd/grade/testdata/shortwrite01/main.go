// Command shortwrite01 is a broken echo server for the grader's golden
// tests: it reads in a loop, but writes each read back with one write(2)
// and ignores the count, so a write that takes only part of the buffer
// loses the rest.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"

	"golang.org/x/sys/unix"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "where to listen")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	lfd := listenerFd(ln)
	fmt.Printf("shortwrite01: echoing on %s\n", ln.Addr())
	for {
		cfd, _, err := unix.Accept(lfd)
		if err != nil {
			log.Fatal(err)
		}
		buf := make([]byte, 32<<10)
		for {
			n, err := unix.Read(cfd, buf)
			if err == unix.EINTR {
				continue
			}
			if n <= 0 {
				break
			}
			unix.Write(cfd, buf[:n]) // BUG: write may take fewer than n bytes
		}
		unix.Close(cfd)
	}
}

// listenerFd returns the descriptor of ln, in blocking mode.
func listenerFd(ln net.Listener) int {
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		log.Fatal(err)
	}
	fd := int(f.Fd())
	unix.SetNonblock(fd, false)
	return fd
}
