// Command edge06 is a broken server for the grader's tests: one
// edge-triggered epoll(7) loop (EPOLLET, registered once) that reads a
// connection once per event, into a 64 KiB buffer, and answers every
// complete request in what it has. Bytes left in the socket after that
// read are never reported again: a pipelined burst larger than one read
// stalls. It fails stage 06's edge/pipelined-burst.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"lbws/shared/sock"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "where to listen")
	flag.Parse()
	lfd, err := sock.Listen(*addr)
	if err != nil {
		log.Fatal(err)
	}
	local, _ := sock.LocalAddr(lfd)
	unix.SetNonblock(lfd, true)
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		log.Fatal(err)
	}
	unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, lfd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(lfd)})
	var stopping atomic.Bool
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigc
		stopping.Store(true)
	}()
	fmt.Printf("edge06: serving http://%s/, one edge-triggered epoll loop\n", local)
	conns := map[int][]byte{}  // each connection's unparsed bytes
	buf := make([]byte, 4<<10) // small: a burst over a few edges still leaves most of it unread
	events := make([]unix.EpollEvent, 128)
	for !stopping.Load() {
		n, err := unix.EpollWait(ep, events, 100)
		if err != nil {
			continue // EINTR
		}
		for _, ev := range events[:n] {
			fd := int(ev.Fd)
			if fd == lfd {
				for {
					cfd, _, err := unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
					if err != nil {
						break
					}
					conns[cfd] = nil
					unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, cfd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(cfd)})
				}
				continue
			}
			// BUG: one read per event. Edge-triggered, epoll reports a
			// socket when bytes arrive, not while some are left: read
			// until EAGAIN.
			n, err := unix.Read(fd, buf)
			if err == unix.EAGAIN {
				continue
			}
			if err != nil || n == 0 {
				unix.Close(fd)
				delete(conns, fd)
				continue
			}
			in, open := serve(fd, append(conns[fd], buf[:n]...))
			if !open {
				unix.Close(fd)
				delete(conns, fd)
				continue
			}
			conns[fd] = in
		}
	}
	for fd := range conns {
		unix.Close(fd)
	}
	unix.Close(lfd)
}

// serve answers every complete request in in and returns what is left,
// and whether the connection stays open.
func serve(fd int, in []byte) ([]byte, bool) {
	var out []byte
	defer func() { write(fd, out) }()
	for {
		end := bytes.Index(in, []byte("\r\n\r\n"))
		if end < 0 {
			return in, true
		}
		head := in[:end]
		line, fields, _ := bytes.Cut(head, []byte("\r\n"))
		f := bytes.Fields(line)
		if len(f) != 3 || !bytes.HasPrefix(f[2], []byte("HTTP/1.")) {
			out = response(out, "400 Bad Request", "bad request\n", true)
			return nil, false
		}
		length := 0
		for _, h := range bytes.Split(fields, []byte("\r\n")) {
			name, value, _ := bytes.Cut(h, []byte(":"))
			if bytes.EqualFold(name, []byte("Content-Length")) {
				length, _ = strconv.Atoi(string(bytes.TrimSpace(value)))
			}
		}
		if len(in) < end+4+length {
			return in, true // the body is not all here yet
		}
		body := in[end+4 : end+4+length]
		in = in[end+4+length:]
		target := string(f[1])
		switch path, query, _ := bytes.Cut(f[1], []byte("?")); string(path) {
		case "/hello":
			out = response(out, "200 OK", "Hello World", false)
		case "/echo":
			out = response(out, "200 OK", string(body), false)
		case "/environ":
			out = response(out, "200 OK", "PATH_INFO=/environ\nQUERY_STRING="+string(query)+"\nREQUEST_URI="+target+"\n", false)
		default:
			out = response(out, "404 Not Found", "not found\n", false)
		}
	}
}

// response appends a response to out.
func response(out []byte, status, body string, close bool) []byte {
	conn := ""
	if close {
		conn = "Connection: close\r\n"
	}
	return fmt.Appendf(out, "HTTP/1.1 %s\r\nContent-Length: %d\r\n%s\r\n%s", status, len(body), conn, body)
}

// write sends b, waiting for room when the socket is full.
func write(fd int, b []byte) {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EAGAIN || err == unix.EINTR {
			unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}, 1000)
			continue
		}
		if err != nil {
			return
		}
		b = b[n:]
	}
}
