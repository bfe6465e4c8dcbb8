// Package loop is what stages 04-select, 05-poll and 06-epoll share: one
// HTTP/1.1 connection as a sans-I/O state machine (Conn), the loop's
// bookkeeping around it (Loop: its connections, their deadlines, the
// ready list its workers post to), the worker pool, and the self-pipe
// waker. It never reads, writes, accepts or closes a socket and calls no
// readiness API: those are each stage's lesson, in the stage's own
// files. Its tests are plain function calls. Python's h11 draws the same
// line.
//
// # The contract with a stage
//
// The stage owns the listening socket, the readiness API, the read
// buffer and every system call. Each turn it waits between Begin and
// End, so the order cannot be got wrong:
//
//	wait := l.Begin()             // the timeout: the earliest deadline
//	n, err := unix.Poll(fds, msec(wait.Timeout))
//	for _, c := range wait.End() { ... }   // workers' results, deadlines passed
//	... then what the readiness call reported
//
// For a new connection it calls l.Open(fd, remote). Then it asks each
// connection what it wants (c.Want) and does it, reporting what the
// kernel did:
//
//	Read       read(2) into its buffer, then c.Received(p), c.ReceivedEOF() or c.Failed("read", err)
//	Write      write(2) of c.Output(), then c.Sent(n) or c.Failed("write", err)
//	HalfClose  shutdown(2) SHUT_WR, then c.HalfClosed(err)
//	Close      close(2), then c.Closed()
//
// Two promises for a completion-based stage (07's io_uring), whose
// operations are in flight when the connection changes its mind: bytes
// may be passed to Received while Want lacks Read (a receive already
// submitted), and the connection keeps them; and the unsent bytes of
// Output do not change until Sent reports them (more may be appended).
// Such a stage hands over the completions its wait returned before it
// calls End: the kernel has already taken those bytes out of the socket,
// and End's shutdown would otherwise close as idle a connection whose
// request has arrived (a readiness stage's bytes wait in the socket, so
// its reads can follow End).
//
// The zero Want means the connection waits for its app: watch nothing.
// Read and Write are also its interest for the readiness API: select
// and poll rebuild their sets from every connection's Want each turn;
// epoll changes a registration (EPOLL_CTL_MOD) only when the Want
// differs from the registered one (Conn.Watched). A connection's Phase
// (Head, Body, App, Writing, Idle, Lingering, Closing, Closed) names
// where it is; Transitions lists every move, and each phase has at most
// one deadline.
//
// # What a connection costs
//
// An idle keep-alive connection holds no goroutine and no buffer: its
// Conn (192 bytes), a timer heap entry and the kernel's socket. Every
// read lands in the stage's 64 KiB read buffer and is parsed there
// (Received); only an incomplete head is copied out, into a pooled
// buffer that goes back to its pool once the head is complete. Parsers and output
// buffers are pooled the same way and held only while in use.
//
// # Requests and responses
//
// Requests are parsed as bytes arrive (http1.Parser, which resumes where
// it stopped). Each complete head gets a slot at the tail of the
// connection's response queue; responses are written from the head of
// the queue only, so pipelined requests are answered in order even when
// their apps finish out of order (RFC 9112 9.3.2). Only safe requests
// (GET, HEAD, OPTIONS, TRACE) run in parallel: one with an unsafe method
// starts once every response before it is complete, and the requests
// after it once its response is; behind a response that closes the
// connection it never runs. The app runs through the gateway's resumable
// exchange (gateway.Server.Start, Exchange.Next):
//
//   - With workers (the default) a bounded Pool runs it. The worker starts
//     the exchange, pulls the response in chunks and hands them to the
//     slot, then wakes the loop through the stage's Waker (a self-pipe in
//     04 and 05, an eventfd in 06). Wake-ups are batched: workers that
//     finish while the loop is busy add to its ready list and write
//     nothing. Workers never touch a socket. When every worker is busy and
//     the queue (Config.Queue) is full, the request is answered 503 with
//     Retry-After at once.
//   - With Workers 0 the loop calls the app itself, inline, as the
//     article's select server does: while the app sleeps, nothing else
//     happens, and a 200 ms app caps the server at 5 requests a second.
//
// # Backpressure, both ways
//
// Output: the loop pulls from an exchange (inline) or takes a worker's
// chunks only while the connection holds fewer than Config.OutputBuffer
// unwritten bytes; a worker that has produced that much waits, which
// stops its app. While the output is over the bound, or the queue holds
// Config.MaxPipeline requests, the loop does not read the connection, so
// a client that sends but never reads cannot grow the server's memory:
// at most one read buffer of unparsed requests, MaxPipeline slots of
// at most OutputBuffer plus one chunk each, and the output buffer. A
// response the client takes nothing of for Config.WriteTimeout closes the
// connection.
//
// Input: a request body reaches the app in one of two ways, and costs
// bounded memory per connection and in total:
//
//   - With workers it goes through a bodyPipe of Config.BodyBuffer bytes
//     (64 KiB; less for a Content-Length body that fits): the loop
//     decodes body bytes from the socket into the pipe only while it has
//     room, and stops reading the socket when it is full; the app's read
//     that makes room wakes the loop. The worker starts only once the
//     whole body is in the pipe, or the pipe is full: a body that fits is
//     complete and checked before the app runs (broken framing, a body
//     too late, is the loop's 400 or 408, and the app never sees the
//     request), and a client that trickles its body holds a connection,
//     never a worker. A larger body streams: the app may start answering
//     before it is complete (Echo does).
//   - Inline, the loop buffers the whole body before it calls the app,
//     which then reads it from memory: the app never waits for the
//     network, but the body is held whole, so it is bounded by
//     Config.MaxInlineBody (the parser's body limit by default).
//
// A body whose declared length is over the limit is answered 413 at once,
// without waiting for it (RFC 9110 10.1.1); a chunked body that grows
// over it gets 413 when it does. All buffered body bytes of one loop,
// pipes (charged their size) and inline bodies together, are bounded by
// Config.BodyMemory (64 MiB); a request that would need more is answered
// 503 with Retry-After. With several loops (06 -loops N) the total is N times
// that. "Expect: 100-continue" is answered at once: the loop reads every
// body, whether or not the app does (a body the app leaves unread is
// read and dropped before the next request).
//
// # Timeouts
//
// One timer structure per loop, a heap of connections by their next
// deadline, and no timer or goroutine per connection. Its earliest
// deadline is the readiness wait's timeout. A new connection must send a
// complete head within Config.HeaderTimeout of its accept, a later
// request within HeaderTimeout of its first byte (else 408, logged); a
// body must arrive within Config.BodyTimeout of its head (408); a
// keep-alive connection may wait Config.IdleTimeout for its next request
// (then it is closed without a word); a response must make progress
// within Config.WriteTimeout.
//
// # Errors and shutdown
//
// One bad peer never ends the loop: an error on a connection closes that
// connection and is logged once (a reset, or a client that leaves in the
// middle of its body, only with Verbose). Only the failure of the
// listening socket or of the readiness API ends a stage's serve. A
// connection ends gently: after its last response it asks the stage to
// shut down its sending side (HalfClose) and to read until the client
// closes (for up to 250 ms), so unread request bytes cannot turn the
// close into a reset that destroys the response (RFC 9112 9.6). Stop (or
// StopOn) begins a graceful shutdown at the next End: Stopping tells the
// stage to close its listening socket, idle connections close, requests
// in flight finish and their connections close after their responses,
// which say "Connection: close" if their heads are not out yet; Finished
// reports when all are done or Config.ShutdownTimeout has passed. An end
// of file reported twice with nothing new (a hang-up that poll or epoll
// reports for a connection waiting for its app, which the stage's probe
// passes on) closes the connection: left as it was, a level-triggered
// API would report it again at every wait.
package loop
