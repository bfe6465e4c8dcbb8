//go:build linux

package main

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"lbws/shared/sock"
)

// !+accept

// armAccept keeps one ACCEPT in flight while the loop accepts: the
// kernel completes it with the next connection's descriptor. Each turn
// re-arms it, so connections arriving together are accepted one per
// turn (with -multishot, one ACCEPT takes them all: see
// armMultishotAccept).
func (s *server) armAccept() {
	if s.accepting || !s.acceptOK() {
		return
	}
	e := s.sqe(opAccept, s.lfd, tag(opAccept, listenerSlot, 0))
	if e == nil {
		return
	}
	s.salen = uint32(unsafe.Sizeof(s.sa))
	e.addr = uint64(uintptr(unsafe.Pointer(&s.sa)))
	e.off = uint64(uintptr(unsafe.Pointer(&s.salen)))
	e.opFlags = unix.SOCK_CLOEXEC // blocking: see newServer
	s.accepting = true
	s.armMultishotAccept(e) // -multishot
}

// accepted takes the ACCEPT's completion: a new connection, made one of
// the loop's and driven (its first RECV goes out with the next
// submission), or an error. As with accept4(2), errors of the new
// connection are skipped, a full descriptor table (EMFILE) pauses
// accepting for a moment, and anything else is the listening socket
// failing, which ends serve.
func (s *server) accepted(res int32) {
	if res < 0 {
		err := unix.Errno(-res)
		if err == unix.ECANCELED {
			return // the shutdown
		}
		pause, retry := sock.RetryAfter(err)
		if !retry {
			if s.err == nil {
				s.err = s.acceptError(err)
			}
			return
		}
		if pause > 0 {
			s.log.Printf("accept: %v: pausing for %v", err, pause)
			s.paused = time.Now().Add(pause)
		}
		return
	}
	fd := int(res)
	if s.lfd < 0 {
		unix.Close(fd) // accepted as the shutdown began
		return
	}
	// Responses are written whole: do not let Nagle's algorithm hold
	// the end of one back (net/http sets it too).
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	c := s.loop.Open(fd, s.remoteAddr(fd))
	s.drive(s.open(c, fd))
}

// !-accept

// remoteAddr returns the address of the client just accepted on fd: the
// one the ACCEPT wrote, or with -multishot getpeername's (peerAddr).
func (s *server) remoteAddr(fd int) string {
	if s.bufs != nil {
		return peerAddr(fd)
	}
	return remoteAddr(&s.sa, s.salen)
}

// acceptOK reports whether to accept: the listening socket is open and
// accepting is not paused.
func (s *server) acceptOK() bool {
	return s.lfd >= 0 && !time.Now().Before(s.paused)
}

// closeListener stops accepting, once, at the shutdown: the ACCEPT in
// flight is cancelled (it holds the socket open), and the descriptor
// closed; new connections are refused by the kernel from then on.
func (s *server) closeListener() {
	if s.lfd < 0 {
		return
	}
	if s.accepting && !s.draining {
		s.cancel(tag(opAccept, listenerSlot, 0), tag(opAsyncCancel, listenerSlot, 0))
	}
	if err := unix.Close(s.lfd); err != nil {
		s.log.Printf("close listening socket: %v", err)
	}
	s.lfd = -1
}

// remoteAddr formats the client's address the ACCEPT wrote, as
// sock.AddrString does for accept4's.
func remoteAddr(sa *unix.RawSockaddrAny, n uint32) string {
	port := func(p *uint16) int { b := (*[2]byte)(unsafe.Pointer(p)); return int(b[0])<<8 | int(b[1]) }
	switch sa.Addr.Family {
	case unix.AF_INET:
		if n >= unix.SizeofSockaddrInet4 {
			a := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
			return sock.AddrString(&unix.SockaddrInet4{Port: port(&a.Port), Addr: a.Addr})
		}
	case unix.AF_INET6:
		if n >= unix.SizeofSockaddrInet6 {
			a := (*unix.RawSockaddrInet6)(unsafe.Pointer(sa))
			return sock.AddrString(&unix.SockaddrInet6{Port: port(&a.Port), ZoneId: a.Scope_id, Addr: a.Addr})
		}
	}
	return "?"
}
