// Command minimal is a readiness loop on poll(2), written the naive way
// on purpose: one loop watches the listening socket and every
// connection; a readable connection gets one read(2) of at most 1024
// bytes, taken as the whole request; the app runs inline, in the loop, so
// while it sleeps nobody else is served; the response goes out in one
// blocking write(2), and the connection closes. No timeouts, no limits.
// Chapter docs/05-poll.md starts here, and ../ (the stage) is the fix;
// `diff 05-poll/minimal/main.go 06-epoll/minimal/main.go` is chapter 06
// in small.
//
//	go run ./05-poll/minimal -addr 127.0.0.1:8888 -delay 200ms
package main

import (
	"flag"
	"fmt"
	"log"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "where to listen (IPv4 host:port; port 0 picks one)")
	delay := flag.Duration("delay", 200*time.Millisecond, "how long the app sleeps")
	flag.Parse()
	ap, err := netip.ParseAddrPort(*addr)
	if err != nil || !ap.Addr().Is4() {
		log.Fatalf("-addr %q: want an IPv4 host:port", *addr)
	}
	lfd, _ := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	unix.SetsockoptInt(lfd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if err := unix.Bind(lfd, &unix.SockaddrInet4{Addr: ap.Addr().As4(), Port: int(ap.Port())}); err != nil {
		log.Fatal("bind: ", err)
	}
	unix.Listen(lfd, 1024)
	sa, _ := unix.Getsockname(lfd)
	in := sa.(*unix.SockaddrInet4)
	fmt.Printf("05-poll minimal: serving http://%v:%d/, one poll loop, the app inline\n", netip.AddrFrom4(in.Addr), in.Port)
	// !+naive
	var conns []int // the connections, in the order of their pollfds
	for {
		fds := []unix.PollFd{{Fd: int32(lfd), Events: unix.POLLIN}} // the whole list, every turn
		for _, fd := range conns {
			fds = append(fds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
		}
		if _, err := unix.Poll(fds, -1); err != nil && err != unix.EINTR {
			log.Fatal("poll: ", err)
		}
		open := conns[:0]
		for i, fd := range conns {
			if fds[i+1].Revents != 0 {
				handle(fd, *delay) // and closed
			} else {
				open = append(open, fd)
			}
		}
		conns = open
		if fds[0].Revents != 0 {
			cfd, _, err := unix.Accept(lfd)
			if err != nil {
				log.Fatal("accept: ", err)
			}
			conns = append(conns, cfd)
		}
	}
	// !-naive
}

// handle serves the one request on connection fd: one read, taken as the
// whole request, the app inline, one write, close.
func handle(fd int, delay time.Duration) {
	buf := make([]byte, 1024)
	n, _ := unix.Read(fd, buf) // the whole request, we hope
	line, _, _ := strings.Cut(string(buf[:max(n, 0)]), "\r\n")
	status, body := "404 Not Found", "not found"
	if f := strings.Fields(line); len(f) > 1 && f[1] == "/hello" {
		time.Sleep(delay) // the article's time.sleep(0.2), in the loop: everyone waits
		status, body = "200 OK", "Hello World"
	}
	date := time.Now().UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
	unix.Write(fd, []byte("HTTP/1.1 "+status+"\r\nContent-Type: text/plain\r\nDate: "+date+"\r\n\r\n"+body))
	unix.Close(fd)
}
