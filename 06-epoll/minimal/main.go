//go:build linux

// Command minimal is 05-poll/minimal on epoll(7), written the naive way,
// on purpose: one loop calls epoll_wait on the listening socket and every
// connection; a readable connection gets one read(2) of at most 1024
// bytes, taken as a whole request; the app runs right there, in the
// loop; the response goes out with blocking writes until all of it is
// written. No timeouts, no limits, nothing kept between two reads.
// Chapter docs/06-epoll.md starts here, shows what breaks it, and
// builds ../ (the stage) as the fix of each failure.
//
//	go run ./06-epoll/minimal -addr 127.0.0.1:8888 -delay 200ms
package main

import (
	"flag"
	"fmt"
	"log"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"lbws/shared/sock"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "where to listen (host:port; port 0 picks one)")
	delay := flag.Duration("delay", 200*time.Millisecond, "how long the app sleeps")
	flag.Parse()
	lfd, err := sock.Listen(*addr) // socket, bind, listen: chapter 01
	if err != nil {
		log.Fatal(err)
	}
	local, _ := sock.LocalAddr(lfd)
	fmt.Printf("06-epoll minimal: serving http://%s/, one epoll loop, the app inline\n", local)
	epfd, err := unix.EpollCreate1(0) // the list epoll watches, kept in the kernel
	if err != nil {
		log.Fatal(err)
	}
	watch(epfd, lfd)
	ready := make([]unix.EpollEvent, 128)
	buf := make([]byte, 1024)
	// !+naive
	for {
		nready, err := unix.EpollWait(epfd, ready, -1) // only the ready ones come back
		if err != nil {
			continue // EINTR: the Go runtime's own signals interrupt it
		}
		for _, ev := range ready[:nready] {
			fd := int(ev.Fd)
			if fd == lfd {
				if cfd, _, err := unix.Accept(lfd); err == nil {
					watch(epfd, cfd) // once: the kernel keeps it on the list
				}
				continue
			}
			n, err := unix.Read(fd, buf) // the whole request, we hope
			if err != nil || n == 0 {
				unix.Close(fd) // the client is gone; closing takes it off the list
				continue
			}
			sendAll(fd, app(string(buf[:n]), *delay)) // blocks until the client takes it all
		}
	}
	// !-naive
}

// watch adds fd to epfd's list, level-triggered (no EPOLLET): reported at
// every epoll_wait for as long as it is readable.
func watch(epfd, fd int) {
	unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)})
}

// app is the article's hello world, run inline: every client waits for it.
func app(request string, delay time.Duration) string {
	line, _, _ := strings.Cut(request, "\r\n")
	status, body := "404 Not Found", "not found"
	if f := strings.Fields(line); len(f) > 1 && f[1] == "/hello" {
		time.Sleep(delay) // the article's time.sleep(0.2)
		status, body = "200 OK", "Hello World"
	}
	date := time.Now().UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
	return fmt.Sprintf("HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nDate: %s\r\n\r\n%s", status, len(body), date, body)
}

// sendAll is Python's sendall: write until every byte is gone.
func sendAll(fd int, out string) {
	for b := []byte(out); len(b) > 0; {
		n, err := unix.Write(fd, b)
		if err != nil {
			return
		}
		b = b[n:]
	}
}
