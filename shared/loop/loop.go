package loop

import (
	"fmt"
	"log"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"lbws/shared/gateway"
	"lbws/shared/sock"
)

// Loop is one event loop's state without its I/O: its connections, its
// timers, the ready list its workers post to, and the worker pool it
// uses. A stage drives it from its readiness loop (see the package
// comment); every method except Stop and StopOn must be called from that
// one goroutine.
type Loop struct {
	cfg    Config          // with defaults applied
	gw     *gateway.Server // runs the app for each request
	pool   *Pool           // the workers; nil when the app runs inline
	inline bool            // Workers == 0: the app runs in the loop
	owns   bool            // the loop made pool and closes it
	log    *log.Logger     // where lines go
	waker  Waker           // workers wake the loop through it

	conns     []*Conn // the open connections, in no order
	byFd      []*Conn // the open connections by descriptor number
	timers    timers  // connections by the deadline of their phase
	keepAlive bool    // connections may serve another request (SetKeepAlive)

	epoch time.Time // loop time is nanoseconds since epoch (monotonic)
	now   int64     // loop time cached for this turn
	nowOK bool      // now is fresh for this turn

	mu          sync.Mutex // guards the fields below (workers post)
	ready       []*Conn    // connections posted by workers since the last End
	wakePending bool       // the waker has been woken and not drained
	waiting     bool       // between Begin and End: maybe blocked in the wait
	closed      bool       // Close was called: nothing to wake

	spare    []*Conn       // the previous ready slice, reused
	stopReq  atomic.Bool   // Stop was called
	stopping bool          // shutting down: not accepting, finishing requests
	stopBy   int64         // loop time when the shutdown ends regardless
	quit     chan struct{} // closed by Close, ends StopOn's goroutine
	bodyMem  atomic.Int64  // request-body bytes buffered now
	changed  []*Conn       // returned by End

	busyLog   burst // 503 lines, logged once a second at most
	submitted bool  // a request went to the pool since the last Begin

	// onPhase, if set, is called at every change of a connection's
	// phase (the loop's tests).
	onPhase func(c *Conn, from, to Phase)
}

// New returns a loop serving cfg.App for connections accepted on a
// listening socket bound to addr (host:port, for SERVER_NAME and
// SERVER_PORT), woken through w. The loop owns w from then on (Close
// closes it).
func New(addr string, w Waker, cfg Config) (*Loop, error) {
	host, port, err := sock.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("loop: listening address %q: %w", addr, err)
	}
	return newLoop(w, cfg.withDefaults(), host, port), nil
}

// newLoop makes the loop; host and port are SERVER_NAME and SERVER_PORT.
func newLoop(w Waker, cfg Config, host, port string) *Loop {
	l := &Loop{
		cfg:       cfg,
		log:       logger(cfg.Log),
		waker:     w,
		keepAlive: true,
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

// WakeFd returns the descriptor to watch for wake-ups from workers.
func (l *Loop) WakeFd() int { return l.waker.Fd() }

// Conns returns the open connections, for a stage that builds its
// interest set every turn (select, poll). The slice is the loop's own:
// copy what you need before Closed or End changes it.
func (l *Loop) Conns() []*Conn { return l.conns }

// Conn returns the open connection on descriptor fd, or nil.
func (l *Loop) Conn(fd int) *Conn {
	if fd < 0 || fd >= len(l.byFd) {
		return nil
	}
	return l.byFd[fd]
}

// !+open

// Open makes a connection the stage has accepted on descriptor fd one of
// the loop's. It is in Phase Head and wants Read: its request head must
// be complete within Config.HeaderTimeout from now.
func (l *Loop) Open(fd int, remote string) *Conn {
	l.nowOK = false // the header deadline counts from now, not from the turn's start
	c := &Conn{l: l, fd: fd, remote: remote, fresh: true, ti: -1, li: len(l.conns)}
	c.headBy = l.clock() + int64(l.cfg.HeaderTimeout)
	l.conns = append(l.conns, c)
	for fd >= len(l.byFd) {
		l.byFd = append(l.byFd, nil)
	}
	l.byFd[fd] = c
	c.update()
	return c
}

// !-open

// SetKeepAlive(false) makes every request from now on the last of its
// connection (its response says "Connection: close"), until
// SetKeepAlive(true). A stage that runs short of descriptors uses it to
// have them freed (04-select at FD_SETSIZE).
func (l *Loop) SetKeepAlive(on bool) { l.keepAlive = on }

// forget removes a closed connection from the loop's tables.
func (l *Loop) forget(c *Conn) {
	last := l.conns[len(l.conns)-1]
	l.conns[c.li], last.li = last, c.li
	l.conns[len(l.conns)-1] = nil
	l.conns = l.conns[:len(l.conns)-1]
	if l.byFd[c.fd] == c {
		l.byFd[c.fd] = nil
	}
}

// !+turn

// Wait is one turn's wait for readiness: Begin starts it, with the
// timeout to wait for, and End ends it, whatever the wait returned.
// Between the two, a worker that finishes wakes the loop through its
// Waker; outside, the loop is busy and finds the work at the next End.
type Wait struct {
	l *Loop
	// Timeout is how long the wait may block: until the earliest
	// deadline of a connection or of the shutdown; -1 if there is none;
	// 0 if workers have posted work already.
	Timeout time.Duration
}

// Begin starts a turn's wait. Call End on what it returns when the
// readiness call returns.
func (l *Loop) Begin() Wait {
	if l.cfg.Turns != nil {
		l.cfg.Turns.Add(1)
	}
	l.nowOK = false // a new turn of loop time
	if l.submitted {
		// A worker handed a request this turn is runnable on this
		// thread's run queue. Let it run now: once the stage blocks in
		// its readiness call, a system call, the worker would wait until
		// the runtime's monitor gives this thread's processor to another
		// thread, 20 us or more per request. Yielding first, it runs at
		// once, and a fast app has often posted its response before the
		// wait begins (then the wait does not block at all).
		l.submitted = false
		runtime.Gosched()
	}
	l.mu.Lock()
	busy := len(l.ready) > 0 || l.stopReq.Load() && !l.stopping
	l.waiting = !busy
	l.mu.Unlock()
	if busy {
		return Wait{l: l, Timeout: 0}
	}
	next := l.timers.next()
	if l.stopping && (next == 0 || l.stopBy < next) {
		next = l.stopBy
	}
	if next == 0 {
		return Wait{l: l, Timeout: -1}
	}
	return Wait{l: l, Timeout: time.Duration(max(next-l.clock(), 0))}
}

// End ends the wait: it drains the waker if a worker woke it, begins
// the shutdown if Stop was called, carries on with every connection a
// worker posted (response bytes to write, room in a body pipe), and
// handles every deadline that has passed (408, idle close, write
// timeout, end of a lingering close). It returns the connections that
// changed: the stage does what each wants, as after a readiness report.
// The slice is valid until the next End.
func (w Wait) End() []*Conn {
	l := w.l
	l.nowOK = false
	l.mu.Lock()
	batch, woken := l.ready, l.wakePending
	l.ready, l.wakePending, l.waiting = l.spare[:0], false, false
	l.mu.Unlock()
	if woken {
		if err := l.waker.Drain(); err != nil {
			l.log.Print(err)
		}
	}
	l.changed = l.changed[:0]
	if l.stopReq.Load() && !l.stopping {
		l.beginStop()
	}
	for i, c := range batch {
		batch[i] = nil
		c.posted.Store(false)
		if c.closing {
			continue
		}
		c.settle()
		l.changed = append(l.changed, c)
	}
	l.spare = batch[:0]
	l.expire()
	return l.changed
}

// !-turn

// expire handles every connection whose deadline has passed.
func (l *Loop) expire() {
	now := l.clock()
	for len(l.timers) > 0 && l.timers[0].due <= now {
		c := l.timers[0]
		c.expire()
		l.changed = append(l.changed, c)
	}
}

// !+post

// post puts c on the loop's ready list, and wakes the loop only if it
// is blocked in its readiness wait and nobody has woken it yet: a loop
// that is busy finds the list at its next End, and a worker that
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
			l.log.Print(err)
		}
	}
}

// !-post

// Stop begins a graceful shutdown: the loop closes idle connections, lets
// requests in flight finish (for up to ShutdownTimeout) and then
// Finished reports true; Stopping tells the stage to stop accepting.
// Any goroutine may call it.
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

// Stopping reports whether the shutdown has begun (at the End after
// Stop): the stage closes its listening socket and accepts no more.
func (l *Loop) Stopping() bool { return l.stopping }

// beginStop closes every idle connection and marks the others to close
// once their last response is out.
func (l *Loop) beginStop() {
	l.stopping = true
	l.stopBy = l.clock() + int64(l.cfg.ShutdownTimeout)
	for _, c := range l.conns {
		if len(c.slots) == 0 && c.body == nil && c.outPending() == 0 {
			c.close()
		} else {
			c.noMore = true
			c.closeAfterLast()
		}
		c.settle()
		l.changed = append(l.changed, c)
	}
}

// Finished reports whether a shutdown is complete: every connection
// closed, or the shutdown timeout passed.
func (l *Loop) Finished() bool {
	return l.stopping && (len(l.conns) == 0 || l.clock() >= l.stopBy)
}

// Close releases every connection (requests still running are
// abandoned; the stage closes their descriptors, before or after), the
// waker and, if the loop made it, the worker pool.
func (l *Loop) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	close(l.quit)
	for _, c := range l.conns {
		c.close()
	}
	l.conns, l.byFd = nil, nil
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

// verbosef logs a line with Verbose only.
func (l *Loop) verbosef(format string, args ...any) {
	if l.cfg.Verbose {
		l.log.Printf(format, args...)
	}
}
