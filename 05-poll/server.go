package main

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"lbws/shared/loop"
)

// server is one poll(2) loop: the shared connection state machine and
// the connections watched in the current turn.
type server struct {
	*loop.Loop
	fds     []unix.PollFd // this turn's pollfds: wake-up, listener, then one per connection
	watched []*loop.Conn  // the connection of each pollfd after the first two
}

// serve runs the poll loop on the listening socket lfd until stop is
// closed and the requests in flight have finished; then it returns nil.
// It returns an error only if the listening socket or poll itself
// fails. serve owns lfd.
func serve(stop <-chan struct{}, lfd int, cfg loop.Config) error {
	w, err := loop.NewPipeWaker()
	if err != nil {
		return err
	}
	l, err := loop.New(lfd, w, cfg)
	if err != nil {
		w.Close()
		return err
	}
	defer l.Close()
	l.StopOn(stop)
	s := &server{Loop: l}
	for !l.Finished() {
		if err := s.wait(); err != nil {
			return err
		}
	}
	return nil
}

// wait runs one turn: build the pollfds from what every connection
// wants, block in poll until something is ready or the next deadline,
// then hand each ready descriptor to the loop.
func (s *server) wait() error {
	s.interest()
	if _, err := unix.Poll(s.fds, msec(s.Timeout())); err != nil {
		if err == unix.EINTR {
			return nil
		}
		return fmt.Errorf("poll: %w", err)
	}
	s.OnWake() // finished work, whether or not the pipe woke poll
	if s.fds[1].Revents != 0 {
		if _, err := s.Accept(); err != nil {
			return err
		}
	}
	for i, c := range s.watched {
		ev := s.fds[i+2].Revents
		if ev&(unix.POLLIN|unix.POLLHUP|unix.POLLERR) != 0 {
			s.onReadable(c)
		}
		if ev&unix.POLLOUT != 0 {
			s.onWritable(c)
		}
	}
	s.Expire()
	return nil
}

// interest fills the pollfds: the wake-up pipe, the listening socket
// (skipped while not accepting), and each connection with the
// events of its Want. poll has no limit on descriptor numbers, but like
// select it keeps no interest between calls: every turn passes the whole
// array, and the kernel and the loop both scan all of it, O(n) per call.
func (s *server) interest() {
	lfd := int32(-1) // poll skips a negative descriptor
	if s.Accepting() {
		lfd = int32(s.ListenFd())
	}
	s.fds = append(s.fds[:0],
		unix.PollFd{Fd: int32(s.WakeFd()), Events: unix.POLLIN},
		unix.PollFd{Fd: lfd, Events: unix.POLLIN})
	s.watched = s.watched[:0]
	for _, c := range s.Conns() {
		s.fds = append(s.fds, unix.PollFd{Fd: int32(c.Fd()), Events: events(c.Want())})
		s.watched = append(s.watched, c)
	}
}

// events translates a Want into poll events. The zero Want asks for
// nothing; poll still reports an error or a hang-up.
func events(w loop.Want) int16 {
	var ev int16
	if w&loop.Read != 0 {
		ev |= unix.POLLIN
	}
	if w&loop.Write != 0 {
		ev |= unix.POLLOUT
	}
	return ev
}

// onReadable passes a readable connection to the loop. What it wants
// next needs no translation here: the next turn's interest reads it.
func (s *server) onReadable(c *loop.Conn) { s.OnReadable(c) }

// onWritable passes a writable connection to the loop.
func (s *server) onWritable(c *loop.Conn) { s.OnWritable(c) }

// msec converts the loop's timeout for poll: -1 blocks until a
// descriptor is ready. It rounds up, so poll does not wake just before a
// deadline and spin until it passes.
func msec(d time.Duration) int {
	if d < 0 {
		return -1
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}
