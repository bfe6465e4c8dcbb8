// Command stall04 is a broken server for the grader's tests: one poll(2)
// loop that reads request heads without blocking, as it should, but
// once a head is complete reads the rest of its body with blocking
// reads, in the loop: a client that sends half a head holds nobody up; a
// client that sends half a body stalls every connection until it sends
// the rest. It passes stage 03's checks and fails stage 04's
// slow/trickling-client. With -block-body=false it waits for a body as
// it waits for a head, but its writes still wait, in the loop, until a
// response is all written: then it fails slow/client-never-reads.
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
	flag.BoolVar(&blockBody, "block-body", true, "read the rest of a body with blocking reads (false: wait for it in the loop)")
	flag.Parse()
	lfd, err := sock.Listen(*addr)
	if err != nil {
		log.Fatal(err)
	}
	local, _ := sock.LocalAddr(lfd)
	var stopping atomic.Bool
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigc
		stopping.Store(true)
	}()
	fmt.Printf("stall04: serving http://%s/, one poll loop\n", local)
	conns := map[int][]byte{} // each connection's unparsed bytes
	buf := make([]byte, 64<<10)
	for !stopping.Load() {
		fds := []unix.PollFd{{Fd: int32(lfd), Events: unix.POLLIN}}
		for fd := range conns {
			fds = append(fds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
		}
		if _, err := unix.Poll(fds, 100); err != nil {
			continue // EINTR
		}
		for _, p := range fds {
			fd := int(p.Fd)
			switch {
			case p.Revents == 0:
			case fd == lfd:
				if cfd, _, err := unix.Accept(lfd); err == nil {
					unix.SetNonblock(cfd, true)
					conns[cfd] = nil
				}
			default:
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
	}
	for fd := range conns {
		unix.Close(fd)
	}
	unix.Close(lfd)
}

// blockBody is -block-body.
var blockBody bool

// serve answers every complete request in in and returns what is left,
// and whether the connection stays open.
func serve(fd int, in []byte) ([]byte, bool) {
	for {
		end := bytes.Index(in, []byte("\r\n\r\n"))
		if end < 0 {
			return in, true
		}
		head := in[:end]
		line, fields, _ := bytes.Cut(head, []byte("\r\n"))
		f := bytes.Fields(line)
		if len(f) != 3 || !bytes.HasPrefix(f[2], []byte("HTTP/1.")) {
			write(fd, "400 Bad Request", "bad request\n", true)
			return nil, false
		}
		length := 0
		for _, h := range bytes.Split(fields, []byte("\r\n")) {
			name, value, _ := bytes.Cut(h, []byte(":"))
			if bytes.EqualFold(name, []byte("Content-Length")) {
				length, _ = strconv.Atoi(string(bytes.TrimSpace(value)))
			}
		}
		body := in[end+4:]
		if len(body) < length && !blockBody {
			return in, true // the body is not all here yet
		}
		if len(body) < length {
			// BUG: waits for the rest of this body, and every other
			// connection waits with it.
			unix.SetNonblock(fd, false)
			tmp := make([]byte, length-len(body))
			for len(body) < length {
				n, err := unix.Read(fd, tmp[:length-len(body)])
				if err != nil || n == 0 {
					return nil, false
				}
				body = append(body, tmp[:n]...)
			}
			unix.SetNonblock(fd, true)
		}
		in = body[length:]
		body = body[:length]
		switch string(f[1]) {
		case "/hello":
			write(fd, "200 OK", "Hello World", false)
		case "/echo":
			write(fd, "200 OK", string(body), false)
		default:
			write(fd, "404 Not Found", "not found\n", false)
		}
	}
}

// write sends a response, waiting in the loop (poll on this socket
// alone) whenever the socket is full: a client that does not read stops
// every other.
func write(fd int, status, body string, close bool) {
	conn := ""
	if close {
		conn = "Connection: close\r\n"
	}
	b := []byte(fmt.Sprintf("HTTP/1.1 %s\r\nContent-Length: %d\r\n%s\r\n%s", status, len(body), conn, body))
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
