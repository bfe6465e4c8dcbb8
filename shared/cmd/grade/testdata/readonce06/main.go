//go:build linux

// Command readonce06 is a broken server for the grader's tests: stage
// 06's edge-triggered loop (EPOLLET) over the shared connection, with
// the app on workers, as a learner writes it who gets everything right
// but reading until EAGAIN: it reads a connection once per event. A
// pipelined burst of many small requests seldom catches it (about one
// run in 40 here): the connection's queue fills (MaxPipeline), it stops
// wanting Read, and the EPOLL_CTL_MOD that asks for Read again re-checks
// the socket, which reports the bytes still there. It fails
// edge/large-requests, a burst
// of a few large requests that never fills the queue: the bytes left
// after one read wait for an edge that never comes. Only a stall of
// that kind is broken; the rest is the stage, trimmed to one loop.
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"log"
	"time"

	"golang.org/x/sys/unix"

	"lbws/shared/loop"
	"lbws/shared/sock"
	"lbws/shared/stage"
)

func main() {
	var f stage.Flags
	f.Register(flag.CommandLine)
	f.RegisterHTTP(flag.CommandLine)
	f.RegisterIdle(flag.CommandLine)
	workers := flag.Int("workers", loop.DefaultWorkers, "most goroutines running the app at once; 0 runs it inline in the loop")
	flag.Parse()
	cfg := loop.FlagConfig("readonce06", &f, *workers)
	lfd, err := sock.Listen(f.Addr)
	if err != nil {
		log.Fatal(err)
	}
	local, err := sock.LocalAddr(lfd)
	if err != nil {
		log.Fatal(err)
	}
	stage.PrintTry("readonce06", local, "one edge-triggered epoll loop that reads once per event", f.Delay)
	err = stage.Run(cfg.Log, "finishing the requests in flight, then exiting", f.Shutdown,
		func(stop <-chan struct{}) error {
			if cfg.Workers > 0 {
				cfg.Pool = loop.NewPool(cfg.Workers, cfg.Queue)
				defer cfg.Pool.Close()
			}
			return serve(stop, lfd, cfg)
		})
	if err != nil {
		log.Fatal(err)
	}
}

// server is one edge-triggered epoll loop.
type server struct {
	loop   *loop.Loop
	lfd    int // the listening socket; -1 once closed
	epfd   int
	buf    []byte
	events []unix.EpollEvent
	unread []bool // by descriptor: reported readable, stopped reading (queue full)
	err    error
}

// serve runs the loop until stop, and the requests in flight are done.
func serve(stop <-chan struct{}, lfd int, cfg loop.Config) error {
	addr, err := sock.LocalAddr(lfd)
	if err != nil {
		return err
	}
	if err := unix.SetNonblock(lfd, true); err != nil {
		return fmt.Errorf("listening socket: %w", err)
	}
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("eventfd: %w", err)
	}
	l, err := loop.New(addr, eventfd(efd), cfg)
	if err != nil {
		unix.Close(efd)
		return err
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		l.Close()
		return fmt.Errorf("epoll_create1: %w", err)
	}
	s := &server{loop: l, lfd: lfd, epfd: epfd, buf: make([]byte, 64<<10), events: make([]unix.EpollEvent, 512)}
	defer func() {
		for _, c := range s.loop.Conns() {
			unix.Close(c.Fd())
		}
		s.loop.Close()
		s.closeListener()
		unix.Close(s.epfd)
	}()
	s.ctl(unix.EPOLL_CTL_ADD, l.WakeFd(), loop.Read)
	s.ctl(unix.EPOLL_CTL_ADD, lfd, loop.Read)
	l.StopOn(stop)
	for !l.Finished() && s.err == nil {
		wait := l.Begin()
		n, err := unix.EpollWait(s.epfd, s.events, msec(wait.Timeout))
		for _, c := range wait.End() {
			s.drive(c, s.unread[c.Fd()])
		}
		if l.Stopping() {
			s.closeListener()
		}
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("epoll_wait: %w", err)
		}
		for _, ev := range s.events[:n] {
			switch fd := int(ev.Fd); {
			case fd == l.WakeFd():
			case fd == s.lfd:
				s.accept()
			default:
				if c := l.Conn(fd); c != nil && c.Phase() != loop.Closed {
					s.drive(c, ev.Events&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR) != 0)
				}
			}
		}
	}
	return s.err
}

// accept accepts until EAGAIN and registers each connection, edge-triggered.
func (s *server) accept() {
	for s.lfd >= 0 {
		fd, _, err := unix.Accept4(s.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			return // EAGAIN, or out of descriptors: the next connection's edge retries
		}
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		c := s.loop.Open(fd, fmt.Sprintf("fd %d", fd))
		for fd >= len(s.unread) {
			s.unread = append(s.unread, false)
		}
		s.unread[fd] = false
		c.Watched = c.Want()
		s.ctl(unix.EPOLL_CTL_ADD, fd, c.Watched)
	}
}

// drive does what c wants until it must wait for epoll, as the stage's.
func (s *server) drive(c *loop.Conn, readable bool) {
	for {
		switch w := c.Want(); {
		case w == loop.Close:
			unix.Close(c.Fd())
			c.Closed()
			return
		case w == loop.HalfClose:
			c.HalfClosed(unix.Shutdown(c.Fd(), unix.SHUT_WR))
		case w&loop.Write != 0 && s.write(c):
		case w&loop.Read != 0 && readable:
			readable = s.read(c)
		default:
			s.unread[c.Fd()] = readable
			if w := c.Want(); w != c.Watched {
				c.Watched = w
				s.ctl(unix.EPOLL_CTL_MOD, c.Fd(), w)
			}
			return
		}
	}
}

// read reads c's socket once.
func (s *server) read(c *loop.Conn) bool {
	for {
		n, err := unix.Read(c.Fd(), s.buf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return false
		case err != nil:
			c.Failed("read", err)
			return false
		case n == 0:
			c.ReceivedEOF()
			return false
		}
		c.Received(s.buf[:n])
		// BUG: edge-triggered, this must return true (read again until
		// EAGAIN): epoll reports the bytes left in the socket no more.
		return false
	}
}

// write writes c's output until EAGAIN or none is left, and reports
// whether it wrote everything.
func (s *server) write(c *loop.Conn) bool {
	for c.Want()&loop.Write != 0 {
		n, err := unix.Write(c.Fd(), c.Output())
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return false
		case err != nil:
			c.Failed("write", err)
			return true
		}
		c.Sent(n)
	}
	return true
}

// ctl adds or changes a registration, edge-triggered.
func (s *server) ctl(op, fd int, w loop.Want) {
	var ev uint32 = unix.EPOLLET
	if w&loop.Read != 0 {
		ev |= unix.EPOLLIN
	}
	if w&loop.Write != 0 {
		ev |= unix.EPOLLOUT
	}
	if err := unix.EpollCtl(s.epfd, op, fd, &unix.EpollEvent{Events: ev, Fd: int32(fd)}); err != nil && s.err == nil {
		s.err = fmt.Errorf("epoll_ctl %d on fd %d: %w", op, fd, err)
	}
}

// closeListener stops accepting.
func (s *server) closeListener() {
	if s.lfd >= 0 {
		unix.Close(s.lfd)
		s.lfd = -1
	}
}

// msec is a wait's timeout for epoll_wait: -1 for none.
func msec(d time.Duration) int {
	if d < 0 {
		return -1
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

// eventfd is the loop's waker: workers write it, the loop drains it.
type eventfd int

// Fd returns the descriptor epoll watches.
func (e eventfd) Fd() int { return int(e) }

// Wake adds one to the counter; a full counter is awake already.
func (e eventfd) Wake() error {
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	for {
		_, err := unix.Write(int(e), one[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil && !errors.Is(err, unix.EAGAIN) {
			return fmt.Errorf("wake: %w", err)
		}
		return nil
	}
}

// Drain reads the counter back to zero.
func (e eventfd) Drain() error {
	var b [8]byte
	for {
		_, err := unix.Read(int(e), b[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil && !errors.Is(err, unix.EAGAIN) {
			return fmt.Errorf("drain eventfd: %w", err)
		}
		return nil
	}
}

// Close closes the eventfd.
func (e eventfd) Close() error { return unix.Close(int(e)) }
