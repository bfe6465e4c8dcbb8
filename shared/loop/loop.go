package loop

import (
	"errors"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"lbws/shared/gateway"
	"lbws/shared/sock"
)

// heldRetry bounds the wait while a connection is held for want of a
// descriptor the stage can watch (Config.Fit): a descriptor the loop did
// not close itself is noticed within it.
const heldRetry = 250 * time.Millisecond

// acceptBatch bounds the connections a level-triggered loop accepts per
// readiness report, so a flood of new connections cannot starve the
// established ones; the listening socket is reported again if more wait.
const acceptBatch = 64

// Loop is one event loop's state: its listening socket, its connections,
// its timers, its wake-up descriptor and the worker pool it uses. A stage
// drives it from its readiness loop (see the package comment); every
// method except Stop and StopOn must be called from that one goroutine.
type Loop struct {
	cfg    Config          // with defaults applied
	gw     *gateway.Server // runs the app for each request
	pool   *Pool           // the workers; nil when the app runs inline
	inline bool            // Workers == 0: the app runs in the loop
	owns   bool            // the loop made pool and closes it
	log    *log.Logger     // where lines go
	sys    sysIO           // the kernel, for connection descriptors

	lfd       int   // the listening socket, non-blocking
	listening bool  // lfd is open and watched
	pauseTill int64 // accepting is paused until then (EMFILE); 0: not paused
	held      held  // a connection Config.Fit could not place yet
	waker     Waker // workers wake the loop through it

	scratch []byte  // every read lands here
	conns   []*Conn // the open connections, in no order
	byFd    []*Conn // the open connections by descriptor number
	timers  timers  // connections by next deadline

	epoch time.Time // loop time is nanoseconds since epoch (monotonic)
	now   int64     // loop time cached for this turn
	nowOK bool      // now is fresh for this turn

	mu          sync.Mutex // guards the fields below (workers post)
	ready       []*Conn    // connections posted by workers since the last OnWake
	wakePending bool       // the waker has been woken and not drained
	waiting     bool       // between Timeout and OnWake: maybe blocked in the wait
	closed      bool       // Close was called: nothing to wake

	spare    []*Conn       // the previous ready slice, reused
	stopReq  atomic.Bool   // Stop was called
	stopping bool          // shutting down: not accepting, finishing requests
	stopBy   int64         // loop time when the shutdown ends regardless
	quit     chan struct{} // closed by Close, ends StopOn's goroutine
	bodyMem  atomic.Int64  // request-body bytes buffered now
	changed  []*Conn       // returned by OnWake and Expire
	accepted []*Conn       // returned by Accept

	busyLog, fdLog, acceptLog burst // lines logged once a second at most
}

// New returns a loop serving cfg.App on the listening socket lfd, woken
// through w. The loop owns lfd and w from then on (Close closes them).
// lfd is made non-blocking.
func New(lfd int, w Waker, cfg Config) (*Loop, error) {
	cfg = cfg.withDefaults()
	local, err := sock.LocalAddr(lfd)
	if err != nil {
		return nil, fmt.Errorf("loop: %w", err)
	}
	host, port, err := sock.SplitHostPort(local)
	if err != nil {
		return nil, fmt.Errorf("loop: listening address %q: %w", local, err)
	}
	if err := unix.SetNonblock(lfd, true); err != nil {
		return nil, fmt.Errorf("loop: listening socket: %w", err)
	}
	return newLoop(lfd, w, cfg, host, port), nil
}

// newLoop makes the loop; host and port are SERVER_NAME and SERVER_PORT.
func newLoop(lfd int, w Waker, cfg Config, host, port string) *Loop {
	l := &Loop{
		cfg:       cfg,
		log:       logger(cfg.Log),
		sys:       unixIO{},
		lfd:       lfd,
		listening: lfd >= 0,
		waker:     w,
		scratch:   make([]byte, scratchSize),
		epoch:     time.Now(),
		quit:      make(chan struct{}),
		inline:    cfg.Workers == 0 && cfg.Pool == nil,
	}
	l.gw = &gateway.Server{App: cfg.App, Name: host, Port: port, Multithread: !l.inline, Log: l.log}
	switch {
	case cfg.Pool != nil:
		l.pool = cfg.Pool
	case !l.inline:
		l.pool, l.owns = NewPool(cfg.Workers, cfg.Queue), true
	}
	return l
}

// ListenFd returns the listening socket.
func (l *Loop) ListenFd() int { return l.lfd }

// WakeFd returns the descriptor to watch for wake-ups from workers.
func (l *Loop) WakeFd() int { return l.waker.Fd() }

// Accepting reports whether the stage should watch the listening socket:
// not after Stop, nor while accepting is paused (see Accept), nor while
// a connection waits for a descriptor the stage can watch (Config.Fit).
func (l *Loop) Accepting() bool {
	if !l.listening || l.held.on {
		return false
	}
	if l.pauseTill != 0 && l.clock() >= l.pauseTill {
		l.pauseTill = 0
	}
	return l.pauseTill == 0
}

// Conns returns the open connections, for a stage that builds its
// interest set every turn (select, poll). The slice is the loop's own:
// copy what you need before calling any handler.
func (l *Loop) Conns() []*Conn { return l.conns }

// Conn returns the open connection on descriptor fd, or nil.
func (l *Loop) Conn(fd int) *Conn {
	if fd < 0 || fd >= len(l.byFd) {
		return nil
	}
	return l.byFd[fd]
}

// !+accept

// Accept accepts the connections waiting on the listening socket (up to
// acceptBatch, or all of them if the loop is edge-triggered) and returns
// them, each wanting Read. It returns an error only if the listening
// socket fails; a descriptor shortage (EMFILE) pauses accepting for a
// moment instead, and is logged. A connection that Config.Fit cannot
// place is held, and ends the batch (see Config.Fit).
func (l *Loop) Accept() ([]*Conn, error) {
	l.accepted = l.accepted[:0]
	l.nowOK = false // header deadlines count from now, not from the turn's start
	for i := 0; l.Accepting() && (l.cfg.Edge || i < acceptBatch); i++ {
		fd, remote, err := sock.AcceptNonblock(l.lfd)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) {
				break
			}
			pause, retry := sock.RetryAfter(err)
			if !retry {
				return l.accepted, fmt.Errorf("loop: %w", err)
			}
			if pause > 0 {
				l.acceptLog.hit(l, "%v: pausing accept for %v", err, pause)
				l.pauseTill = l.clock() + int64(pause)
			}
			continue
		}
		if l.cfg.Fit != nil {
			low, err := l.cfg.Fit(fd)
			if err != nil {
				l.held = held{fd: fd, remote: remote, on: true, since: l.clock()}
				l.fdLog.hit(l, "%v", err)
				break
			}
			fd = low
		}
		l.accepted = append(l.accepted, l.take(fd, remote))
	}
	return l.accepted, nil
}

// !-accept

// take makes an accepted connection on fd one of the loop's, wanting
// Read.
func (l *Loop) take(fd int, remote string) *Conn {
	// Responses are written whole; do not let Nagle's algorithm
	// hold the end of one back (net/http sets it too).
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	c := l.add(fd, remote)
	c.update()
	return c
}

// held is a connection accepted on a descriptor the stage cannot watch
// yet (Config.Fit).
type held struct {
	fd     int
	remote string
	on     bool  // a connection is held
	freed  bool  // the loop has closed a connection since the last try
	since  int64 // loop time of the last try
}

// place tries Config.Fit again on the held connection, if any, when a
// descriptor may have been freed (the loop closed a connection) or the
// retry time has come, and makes it one of the loop's if it fits now;
// Accepting then reports true again.
func (l *Loop) place() {
	if !l.held.on || !l.held.freed && l.clock() < l.heldRetryAt() {
		return
	}
	fd, err := l.cfg.Fit(l.held.fd)
	if err != nil {
		l.held.freed, l.held.since = false, l.clock()
		return
	}
	remote := l.held.remote
	l.held = held{}
	l.take(fd, remote)
}

// dropHeld closes the held connection, if any: at stop it counts as idle
// (its request was not read).
func (l *Loop) dropHeld() {
	if l.held.on {
		unix.Close(l.held.fd)
		l.held = held{}
	}
}

// add makes a Conn for descriptor fd and registers it.
func (l *Loop) add(fd int, remote string) *Conn {
	c := &Conn{l: l, fd: fd, remote: remote, fresh: true, ti: -1, li: len(l.conns)}
	c.headBy = l.clock() + int64(l.cfg.HeaderTimeout)
	l.conns = append(l.conns, c)
	for fd >= len(l.byFd) {
		l.byFd = append(l.byFd, nil)
	}
	l.byFd[fd] = c
	return c
}

// forget removes a closed connection from the loop's tables.
func (l *Loop) forget(c *Conn) {
	last := l.conns[len(l.conns)-1]
	l.conns[c.li], last.li = last, c.li
	l.conns[len(l.conns)-1] = nil
	l.conns = l.conns[:len(l.conns)-1]
	if l.byFd[c.fd] == c {
		l.byFd[c.fd] = nil
	}
	l.timers.set(c, 0)
	l.held.freed = l.held.on // its descriptor is closed next: try the held one
}

// !+handlers

// OnReadable handles a readiness report for reading (or an error or
// hang-up) on c, and returns what c wants next.
func (l *Loop) OnReadable(c *Conn) Want {
	if c.closed {
		return Close
	}
	// Whether or not the connection can take bytes now, the socket may
	// hold some: an edge-triggered API will not say so again.
	c.unread = true
	if !c.wantsRead() {
		c.probe()
	}
	c.advance()
	return c.update()
}

// OnWritable handles a readiness report for writing on c, and returns
// what c wants next.
func (l *Loop) OnWritable(c *Conn) Want {
	if c.closed {
		return Close
	}
	c.advance()
	return c.update()
}

// !-handlers

// OnWake carries on with every connection a worker posted (response
// bytes to write, room in a body pipe), drains the waker if it was woken,
// begins the shutdown if Stop was called, and tries again to place a
// connection held for want of a descriptor (Config.Fit). A stage calls it after
// every wait, whatever woke it: a loop that was busy when a worker
// finished was not woken for it (see post). It returns the connections
// whose Want may have changed; the slice is valid until the next call of
// OnWake or Expire.
func (l *Loop) OnWake() []*Conn {
	l.mu.Lock()
	batch, woken := l.ready, l.wakePending
	l.ready, l.wakePending, l.waiting = l.spare[:0], false, false
	l.mu.Unlock()
	if woken {
		if err := l.waker.Drain(); err != nil {
			l.logf(true, "%v", err)
		}
	}
	l.changed = l.changed[:0]
	if l.stopReq.Load() && !l.stopping {
		l.beginStop()
	}
	l.place()
	for i, c := range batch {
		batch[i] = nil
		c.posted.Store(false)
		if c.closed {
			continue
		}
		c.advance()
		c.update()
		l.changed = append(l.changed, c)
	}
	l.spare = batch[:0]
	return l.changed
}

// !+post

// post puts c on the loop's ready list, and wakes the loop only if it
// is blocked in its readiness wait and nobody has woken it yet: a loop
// that is busy finds the list at its next OnWake, and a worker that
// finishes while the loop is already woken writes nothing. So a busy
// server pays no system call per response for its wake-ups. Any
// goroutine may call it.
func (l *Loop) post(c *Conn) {
	if !c.posted.CompareAndSwap(false, true) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.ready = append(l.ready, c)
	l.wake()
}

// wake wakes the loop if it is waiting and not yet woken. l.mu is held.
func (l *Loop) wake() {
	if l.waiting && !l.wakePending {
		l.wakePending = true
		if err := l.waker.Wake(); err != nil {
			l.logf(true, "%v", err)
		}
	}
}

// !-post

// Timeout returns how long the readiness wait may block: until the
// earliest deadline of a connection, of the paused accept, or of the
// shutdown; -1 if there is none; 0 if workers have posted work already.
// A stage calls it right before each wait, and OnWake right after.
func (l *Loop) Timeout() time.Duration {
	if l.cfg.Turns != nil {
		l.cfg.Turns.Add(1)
	}
	// From here until OnWake the loop counts as waiting: a worker that
	// posts wakes it. If work is posted already, do not block at all.
	l.mu.Lock()
	busy := len(l.ready) > 0 || l.stopReq.Load() && !l.stopping || l.held.freed
	l.waiting = !busy
	l.mu.Unlock()
	if busy {
		l.nowOK = false
		return 0
	}
	l.nowOK = false
	now := l.clock()
	l.nowOK = false // the wait starts a new turn
	next := l.timers.next()
	for _, t := range []int64{l.pauseTill, l.stopByIf(), l.heldRetryAt()} {
		if t != 0 && (next == 0 || t < next) {
			next = t
		}
	}
	if next == 0 {
		return -1
	}
	return time.Duration(max(next-now, 0))
}

// heldRetryAt returns when to try the held connection again, else 0.
func (l *Loop) heldRetryAt() int64 {
	if l.held.on {
		return l.held.since + int64(heldRetry)
	}
	return 0
}

// stopByIf returns the shutdown deadline while stopping, else 0.
func (l *Loop) stopByIf() int64 {
	if l.stopping {
		return l.stopBy
	}
	return 0
}

// Expire handles every connection whose deadline has passed (408, idle
// close, write timeout, end of a lingering close) and returns them; the
// slice is valid until the next call of OnWake or Expire.
func (l *Loop) Expire() []*Conn {
	now := l.clock()
	l.changed = l.changed[:0]
	for len(l.timers) > 0 && l.timers[0].due <= now {
		c := l.timers[0]
		c.expire(now)
		if !c.closed {
			c.advance()
			c.update()
			if c.ti >= 0 && c.due <= now {
				// No state matched the deadline: never spin on it.
				l.logf(true, "%s: loop: deadline with nothing to do; closing", c.remote)
				c.close()
			}
		}
		l.changed = append(l.changed, c)
	}
	return l.changed
}

// Stop begins a graceful shutdown: the loop stops accepting, closes idle
// connections, lets requests in flight finish (for up to ShutdownTimeout)
// and then Finished reports true. Any goroutine may call it.
func (l *Loop) Stop() {
	l.stopReq.Store(true)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.wake()
	}
}

// StopOn calls Stop when stop is closed (unless the loop is closed
// first).
func (l *Loop) StopOn(stop <-chan struct{}) {
	go func() {
		select {
		case <-stop:
			l.Stop()
		case <-l.quit:
		}
	}()
}

// beginStop closes every idle connection, marks the others to close
// once their last response is out, and closes the listening socket.
func (l *Loop) beginStop() {
	l.stopping = true
	l.stopBy = l.clock() + int64(l.cfg.ShutdownTimeout)
	l.dropHeld() // it counts as idle: its request is unread
	for _, c := range append([]*Conn(nil), l.conns...) {
		if len(c.slots) == 0 && c.body == nil && c.outPending() == 0 {
			c.close()
		} else {
			c.noMore = true
			c.closeAfterLast()
			c.advance()
			c.update()
		}
		l.changed = append(l.changed, c)
	}
	l.closeListener()
}

// closeListener closes the listening socket: new connections are refused
// by the kernel from now on.
func (l *Loop) closeListener() {
	if !l.listening {
		return
	}
	l.listening = false
	if err := unix.Close(l.lfd); err != nil {
		l.logf(true, "loop: close listening socket: %v", err)
	}
}

// Finished reports whether a shutdown is complete: every connection
// closed, or the shutdown timeout passed.
func (l *Loop) Finished() bool {
	return l.stopping && (len(l.conns) == 0 || l.clock() >= l.stopBy)
}

// Close closes every connection (requests still running are abandoned),
// the listening socket, the waker and, if the loop made it, the worker
// pool.
func (l *Loop) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	close(l.quit)
	for len(l.conns) > 0 {
		l.conns[len(l.conns)-1].close()
	}
	l.closeListener()
	l.dropHeld()
	if l.owns {
		l.pool.Close()
	}
	return l.waker.Close()
}

// clock returns loop time: nanoseconds since the loop began, read once
// per turn of the readiness loop.
func (l *Loop) clock() int64 {
	if !l.nowOK {
		l.now = int64(time.Since(l.epoch))
		l.nowOK = true
	}
	return l.now
}

// reserveBody charges n bytes of request body to the loop's budget, or
// reports false if that would exceed it.
func (l *Loop) reserveBody(n int64) bool {
	if l.bodyMem.Add(n) > l.cfg.BodyMemory {
		l.bodyMem.Add(-n)
		return false
	}
	return true
}

// releaseBody gives n bytes back to the budget.
func (l *Loop) releaseBody(n int64) { l.bodyMem.Add(-n) }

// logf logs a line when on is true.
func (l *Loop) logf(on bool, format string, args ...any) {
	if on {
		l.log.Printf(format, args...)
	}
}
