// Command leaky01 is a broken echo server for the grader's golden tests:
// it echoes correctly, but a client that sends nothing, or resets, leaves
// its descriptor open: only the path that echoed something closes.
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
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		log.Fatal(err)
	}
	lfd := int(f.Fd())
	unix.SetNonblock(lfd, false)
	fmt.Printf("leaky01: echoing on %s\n", ln.Addr())
	for {
		cfd, _, err := unix.Accept(lfd)
		if err != nil {
			log.Fatal(err)
		}
		if echo(cfd) > 0 {
			unix.Close(cfd) // BUG: only here
		}
	}
}

// echo copies what cfd sends back to it and returns the bytes echoed.
func echo(cfd int) int {
	buf := make([]byte, 32<<10)
	total := 0
	for {
		n, err := unix.Read(cfd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			if err != nil {
				return 0
			}
			return total
		}
		for p := buf[:n]; len(p) > 0; {
			k, err := unix.Write(cfd, p)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return 0
			}
			p = p[k:]
		}
		total += n
	}
}
