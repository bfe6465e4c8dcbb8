package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"syscall"
	"time"

	"lbws/shared/http1"
	"lbws/shared/sock"
	"lbws/shared/stage"
)

// The parent's lingering close of a connection it refuses with 503 (see
// refuse): how long it waits for the client to close, how much it reads
// meanwhile, and how many refused connections it lingers on at once.
const (
	refuseLinger      = 250 * time.Millisecond
	refuseLingerBytes = 64 << 10
	refuseLingering   = 64
)

// parent is the state of the accepting process in the process-per-
// connection model.
type parent struct {
	cfg       config        // the settings
	kids      *children     // the children serving connections
	log       *log.Logger   // the parent's log
	lingering chan struct{} // a token per refused connection being closed gently
	full      bool          // the last connection found -max-children reached
}

// !+serve

// serve accepts connections on the listening socket lfd and starts a
// child process for each, until stop is closed; then it stops accepting,
// tells every child to finish, reaps them all and returns nil.
// With cfg.Prefork it runs the workers of servePrefork instead. serve
// owns lfd and closes it.
func serve(stop <-chan struct{}, lfd int, cfg config) error {
	if cfg.Prefork > 0 {
		return servePrefork(stop, lfd, cfg)
	}
	if cfg.Log == nil {
		cfg.Log = log.New(io.Discard, "", 0)
	}
	ln := sock.NewListener(lfd)
	defer ln.Close()
	kids, err := newChildren(roleConn, cfg, cfg.Log, nil)
	if err != nil {
		return err
	}
	defer kids.close()
	p := &parent{cfg: cfg, kids: kids, log: cfg.Log, lingering: make(chan struct{}, refuseLingering)}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-stop:
			ln.Close() // wakes Accept with ErrClosed
		case <-done:
		}
	}()
	for {
		// EINTR (a SIGCHLD, say) is retried inside; so are a client that
		// gave up while queued and, after a pause, running out of
		// descriptors.
		sc, err := stage.Accept(ln, p.log)
		if errors.Is(err, sock.ErrClosed) {
			break
		}
		if err != nil {
			ln.Close()
			p.finish()
			return err
		}
		p.handOff(sc)
	}
	return p.finish()
}

// handOff gives the connection sc to a new child and closes the parent's
// copy, or answers 503 if it cannot.
func (p *parent) handOff(sc *sock.Conn) {
	if p.cfg.MaxChildren > 0 && p.kids.count() >= p.cfg.MaxChildren {
		if !p.full {
			p.log.Printf("-max-children %d reached: answering 503 until a child exits", p.cfg.MaxChildren)
		}
		p.full = true
		p.refuse(sc, "-max-children reached")
		return
	}
	p.full = false
	// os.File owns the descriptor from here: it alone closes it.
	f := os.NewFile(uintptr(sc.Fd()), "connection from "+sc.RemoteAddr())
	pid, err := p.kids.start(f, peerEnv+"="+sc.RemoteAddr())
	if err != nil {
		p.log.Printf("%s: %v", sc.RemoteAddr(), err)
		p.refuseFile(sc, f, "could not start a process")
		return
	}
	if p.cfg.Verbose {
		p.log.Printf("%s: child %d", sc.RemoteAddr(), pid)
	}
	// The child has its own copy now; the parent's would keep the
	// connection open after the child closes it (the article's
	// client_connection.close() in the parent).
	f.Close()
}

// !-serve

// finish tells every child to finish, waits up to cfg.Shutdown for them,
// kills those still running, and reaps them all. It returns an error if
// it had to kill.
func (p *parent) finish() error {
	defer p.waitLingering()
	p.kids.stopAll()
	left := p.kids.waitAll(p.cfg.Shutdown)
	if left == 0 {
		return nil
	}
	p.kids.signalAll(syscall.SIGKILL)
	p.kids.waitAll(0)
	return fmt.Errorf("shutdown: %d children still busy after %v: killed", left, p.cfg.Shutdown)
}

// waitLingering waits until no refused connection is being closed.
func (p *parent) waitLingering() {
	for range cap(p.lingering) {
		p.lingering <- struct{}{}
	}
}

// refuse answers 503 on sc and closes it.
func (p *parent) refuse(sc *sock.Conn, reason string) {
	p.refuseFile(sc, nil, reason)
}

// refuseFile answers 503 on sc and closes it: through f if f is not nil
// (f then owns the descriptor), else through sc. The response is small
// and the connection new, so the write does not wait. Closing a socket
// whose request has not been read makes the kernel send a reset, which
// can destroy the 503 before the client reads it (RFC 9112 9.6), so the
// parent closes gently in the background, for a bounded time and for a
// bounded number of connections at once; beyond that it closes at once.
func (p *parent) refuseFile(sc *sock.Conn, f *os.File, reason string) {
	closeConn := sc.Close
	if f != nil {
		closeConn = f.Close
	}
	if p.cfg.Verbose {
		p.log.Printf("%s: 503 %s", sc.RemoteAddr(), reason)
	}
	sc.SetWriteDeadline(time.Now().Add(refuseLinger))
	if _, err := sc.Write(http1.ErrorResponse(503, reason)); err != nil {
		closeConn()
		return
	}
	select {
	case p.lingering <- struct{}{}:
	default:
		closeConn()
		return
	}
	go func() {
		defer func() { <-p.lingering }()
		defer closeConn()
		if sc.CloseWrite() == nil {
			sc.SetReadDeadline(time.Now().Add(refuseLinger))
			io.CopyN(io.Discard, sc, refuseLingerBytes)
		}
	}()
}
