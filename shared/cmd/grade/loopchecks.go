package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"
)

// The bounds of the loop checks.
const (
	// lateBody is what the late reader sends to POST /echo: 8 MiB, more
	// than the socket buffers of both ends hold, in a pattern that shows
	// where bytes went missing.
	lateBody = 8 << 20
	// spinWindow is how long loop/no-spin measures the server's CPU
	// time in each of its two cases, and spinDelay the app's delay
	// (-delay) it starts the server with, so that an app is running
	// for the whole of the second window.
	spinWindow = time.Second
	spinDelay  = "1s"
	// idleTimeout is the -idle-timeout the idle check starts the server
	// with, and idleBound how long it waits for the close.
	idleTimeout = "1s"
	idleBound   = 5 * time.Second
	// headerTimeout is the -header-timeout the header-timeout check (and
	// the FD_SETSIZE check, whose silent connections it frees) start the
	// server with.
	headerTimeout = "1s"
	// fdSetConns is how many silent connections the FD_SETSIZE check
	// holds: more than select's 1024 descriptors.
	fdSetConns = 1100
	// acceptBurst is how many connections the accept burst queues up
	// while the server is stopped (SIGSTOP): more than a batch of 64
	// per listening socket with two loops.
	acceptBurst = 200
	// epollET is EPOLLET in the events of /proc/PID/fdinfo's tfd lines.
	epollET = 1 << 31
)

// loopChecks are the checks that two trial learners' wrong servers
// passed before: a response written late to a client that reads late, a
// request followed by a half-close, a loop that spins, the idle and
// header timeouts, the lingering close, FD_SETSIZE at 04, and the
// registration of an edge-triggered 06.
func loopChecks() []check {
	return []check{
		{
			name: "http/connection-close", from: "02", to: "02",
			why: "a server that does not keep connections open for more requests MUST say \"Connection: close\" in every response (RFC 9112 section 9.6), or a client may send its next request on a connection the server is closing",
			repro: func(h, p string) string {
				return fmt.Sprintf("curl -si http://%s:%s/hello | grep -i '^connection:'   # Connection: close", h, p)
			},
			run: checkSaysClose,
		},
		{
			name: "http/half-close", from: "02",
			why: "a client may send its request and then shut down its sending side (shutdown(SHUT_WR), nc -N): the end of file comes after a whole request, which must still be answered; the server may close after the response (RFC 9112 section 9.6)",
			repro: func(h, p string) string {
				return fmt.Sprintf("printf 'GET /hello HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n' | nc -N %s %s", h, p)
			},
			run: checkHalfClose,
		},
		{
			name: "http/lingering-close", from: "02",
			why: "a server that closes with bytes of the client still unread (a body the app ignored) makes the kernel send a reset, which can destroy the response before the client reads it: it shuts down its sending side and reads what is left first (RFC 9112 section 9.6)",
			repro: func(h, p string) string {
				return fmt.Sprintf("(printf 'POST /hello HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\nContent-Length: 131072\\r\\n\\r\\n'; head -c 131072 /dev/zero) | nc %s %s | head -1   # 405, then a clean end, no reset", h, p)
			},
			run: checkLinger,
		},
		{
			name: "http/header-timeout", from: "02", process: true, serverFlags: []string{"-header-timeout", headerTimeout},
			why: "a client that sends half a request head and nothing more (slowloris) must not hold its connection forever: after -header-timeout the server answers 408 Request Timeout and closes (RFC 9110 section 15.5.9)",
			repro: func(h, p string) string {
				return fmt.Sprintf("(printf 'GET /hello HTTP/1.1\\r\\nHo'; sleep 5) | nc %s %s   # 408 after a second", h, p)
			},
			run: checkHeaderTimeout,
		},
		{
			name: "idle/timeout", from: "03", process: true, serverFlags: []string{"-idle-timeout", idleTimeout},
			why: "a keep-alive connection that sends nothing after its response holds a descriptor (and in 03 a process): after -idle-timeout the server closes it (RFC 9112 section 9.5)",
			repro: func(h, p string) string {
				return fmt.Sprintf("(printf 'GET /nope HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n'; sleep 10) | nc %s %s; echo closed   # within a second of the 404", h, p)
			},
			run: checkIdleTimeout,
		},
		{
			name: "slow/late-reader", from: "02",
			why: "a client that reads its response late must get every byte of it: a non-blocking write(2) takes what fits and returns that count, so the loop keeps the rest and writes it when the socket is writable again (here 8 MiB echoed to a client that reads only once the server's socket is full)",
			repro: func(h, p string) string {
				return fmt.Sprintf("python3 -c 'import socket,threading,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_RCVBUF,4096); s.connect((\"%s\",%s)); b=b\"0123456789abcdef\"*524288\n"+
					"threading.Thread(target=s.sendall, args=(b\"POST /echo HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\nContent-Length: 8388608\\r\\n\\r\\n\"+b,)).start(); time.sleep(3)   # reads late\n"+
					"r=b\"\"\nwhile (d:=s.recv(1<<16)): r+=d\n"+
					"print(\"all 8 MiB came back\" if r.endswith(b\"\\r\\n\\r\\n\"+b) else \"%%d bytes: not the body sent\" %% len(r))'", h, p)
			},
			run: checkLateReader,
		},
		{
			name: "loop/no-spin", from: "04", process: true, proc: true, serverFlags: []string{"-delay", spinDelay},
			why: "a loop waits in select, poll or epoll_wait until a socket is ready; one that asks about a socket that is always ready (writable when there is nothing to write, a hang-up nobody settles) returns at once, turn after turn, and burns a CPU while it should sleep",
			repro: func(h, p string) string {
				return fmt.Sprintf("(printf 'GET /nope HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n'; sleep 3) | nc %s %s &   # one idle keep-alive connection\n"+
					"sleep 1; top -b -n 1 -p PID | tail -2                  # PID: the server's process id; %%CPU near 0\n"+
					"python3 -c 'import socket,struct,time; s=socket.create_connection((\"%s\",%s)); s.send(b\"GET /hello HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n\"); time.sleep(0.1); s.send(b\"unread bytes\"); s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(\"ii\",1,0)); s.close()'\n"+
					"top -b -n 1 -p PID | tail -2                           # while the app runs (-delay %s): %%CPU near 0", h, p, h, p, spinDelay)
			},
			run: checkNoSpin,
		},
		{
			name: "fdset/1100-connections", from: "04", to: "04", serverFlags: []string{"-header-timeout", headerTimeout},
			why: "an fd_set holds descriptors below FD_SETSIZE (1024) only: past it select cannot watch a connection (x/sys's FdSet.Set panics), so the server holds it aside and stops accepting until a descriptor is freed, and the next client waits in the listen queue instead of killing the server",
			repro: func(h, p string) string {
				return fmt.Sprintf("go run ./shared/cmd/hold -addr %s:%s -n %d -path '' -d 10s &   # silent connections\n"+
					"sleep 1; curl -i --max-time 10 http://%s:%s/hello   # 200 once the silent ones time out (-header-timeout %s)", h, p, fdSetConns, h, p, headerTimeout)
			},
			run: checkFdSetSize,
		},
		{
			name: "edge/accept-burst", from: "06", to: "06", process: true, proc: true,
			why: fmt.Sprintf("edge-triggered, the listening socket is reported once however many connections wait (here %d, queued while the server is stopped): a loop that accepts a batch (the stage's 64) and waits for the next event leaves the rest in the listen queue until another client comes, so it accepts until EAGAIN", acceptBurst),
			repro: func(h, p string) string {
				return fmt.Sprintf("kill -STOP PID   # PID: the server's process id; the connections queue up meanwhile\n"+
					"for i in $(seq %d); do printf 'GET /nope HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' | nc -N %s %s >/tmp/burst.$i & done\n"+
					"sleep 1; kill -CONT PID; wait; cat /tmp/burst.* | grep -c '^HTTP/1.1 404'   # %d", acceptBurst, h, p, acceptBurst)
			},
			run: checkAcceptBurst,
		},
		{
			name: "edge/registered-edge", from: "06", to: "06", process: true, proc: true,
			why: "with -edge every connection is registered edge-triggered (EPOLLET): a level-triggered registration still serves correctly, so only the interest list shows that the edge-triggered part is not done",
			repro: func(h, p string) string {
				return fmt.Sprintf("(printf 'GET /nope HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n'; sleep 3) | nc %s %s &\n"+
					"sleep 1; grep -H tfd /proc/PID/fdinfo/*   # PID: the server's process id; a connection's events have 80000000 (EPOLLET)", h, p)
			},
			run: checkRegisteredEdge,
		},
	}
}

// getHelloClose is GET /hello with Connection: close: the server reads
// nothing after it.
const getHelloClose = "GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"

// checkSaysClose expects 02's response to GET /hello to say
// Connection: close (and the server to close, as expectResponse does for
// 02).
func checkSaysClose(e *env) *failure {
	v, f := ask(e, getHello, 200, []byte("Hello World"))
	if f != nil {
		return f
	}
	r, _ := parseResponse(v.recv, true)
	if strings.EqualFold(r.header["connection"], "close") {
		return nil
	}
	return &failure{kind: kindMismatch, expected: "a response with the header \"Connection: close\"",
		got:  fmt.Sprintf("%s, without Connection: close", summary(v.recv[:r.size])),
		hint: "this stage answers one request per connection: its responses say so with \"Connection: close\" (RFC 9112 section 9.6); with the gateway, ExchangeOptions{Close: true}."}
}

// checkHalfClose sends GET /hello, half-closes, and expects the
// response.
func checkHalfClose(e *env) *failure {
	v, err := e.dial()
	if err != nil {
		return dialFailure(err)
	}
	if err := v.send([]byte(getHello)); err != nil {
		return failed(err, "to send the request", errText(err))
	}
	if err := v.closeWrite(); err != nil {
		return failed(err, "to half-close (shutdown(SHUT_WR))", errText(err))
	}
	f := expectResponse(e, v, 200, []byte("Hello World"))
	if f == nil {
		return nil
	}
	f.expected = "an answer after the client's half-close: " + f.expected
	switch {
	case f.kind == kindEOF && len(v.recv) == 0:
		f.hint = "the server closed without answering: end of file (read returns 0) after a whole request is not an error; the connection then wants to write its response: answer it, then close." + map[bool]string{true: " In a loop, the connection must then be watched for writing (the write set, POLLOUT, EPOLL_CTL_MOD to EPOLLOUT)."}[loopStage(e.stage)]
	case f.kind == kindTimeout && loopStage(e.stage):
		f.hint = "no answer after the half-close: once read returns 0 the connection wants to write its response; is it then watched for writing (the write set, POLLOUT, EPOLL_CTL_MOD to EPOLLOUT), and does drive write it?"
	}
	return f
}

// checkLinger posts 128 KiB to /hello, which does not read a body, with
// Connection: close, and expects the 405 whole, then end of file, not a
// reset.
func checkLinger(e *env) *failure {
	v, err := e.dial()
	if err != nil {
		return dialFailure(err)
	}
	body := strings.Repeat("u", 128<<10)
	req := fmt.Sprintf("POST /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	want := "405 Method Not Allowed (POST to /hello), then end of file"
	sent := make(chan error, 1)
	go func() { sent <- v.send([]byte(req)) }()
	err = v.readToEOF(ioTimeout)
	<-sent
	r, perr := parseResponse(v.recv, v.end == endEOF)
	switch {
	case perr != nil:
		return &failure{kind: kindParse, expected: want, got: "a response that does not parse: " + perr.msg, notes: perr.caret()}
	case r.complete && r.status != 405:
		return &failure{kind: kindMismatch, expected: want, got: summary(v.recv), hint: fmt.Sprintf("expected status code 405, got %d.", r.status)}
	case err == nil && r.complete:
		return nil
	}
	f := failed(err, want, gotText(v, err))
	if f.kind == kindReset {
		f.hint = "the connection was reset: the server closed with the request's body unread in its socket, and the kernel answers such a close with a reset, which may destroy the response. Close gently: shut down the sending side (shutdown(SHUT_WR)), read and discard what the client still sends for a moment, then close (linger)."
	}
	return f
}

// checkHeaderTimeout sends half a head and expects 408, then the close,
// from a server started with -header-timeout 1s.
func checkHeaderTimeout(e *env) *failure {
	v, err := e.dial()
	if err != nil {
		return dialFailure(err)
	}
	if err := v.send([]byte("GET /hello HTTP/1.1\r\nHo")); err != nil {
		return failed(err, "to send half a request head", errText(err))
	}
	want := fmt.Sprintf("408 Request Timeout within %v (the server runs with -header-timeout %s), then end of file", idleBound, headerTimeout)
	err = v.readToEOF(idleBound)
	r, perr := parseResponse(v.recv, v.end == endEOF)
	switch {
	case perr != nil:
		return &failure{kind: kindParse, expected: want, got: "a response that does not parse: " + perr.msg, notes: perr.caret()}
	case r.complete && r.status == 408 && err == nil:
		return nil
	case r.complete && r.status != 408:
		return &failure{kind: kindMismatch, expected: want, got: summary(v.recv), hint: fmt.Sprintf("expected status code 408, got %d.", r.status)}
	}
	f := failed(err, want, gotText(v, err))
	switch f.kind {
	case kindTimeout:
		f.hint = "the half head held its connection: bound the time from accept to a complete head (a read deadline of -header-timeout in 02 and 03, the connection's deadline as the wait's timeout in 04 to 06), then answer 408 and close."
	case kindEOF:
		f.hint = "the server closed without a word: when the head does not come in time, answer 408 Request Timeout before closing, so the client knows why."
	}
	return f
}

// checkIdleTimeout gets one response on a keep-alive connection and
// expects the server, started with -idle-timeout 1s, to close it within
// idleBound.
func checkIdleTimeout(e *env) *failure {
	v, f := ask(e, getNope, 404, nil)
	if f != nil {
		return f
	}
	err := v.readToEOF(idleBound)
	if err == nil {
		return nil
	}
	f = failed(err, fmt.Sprintf("end of file within %v of the response: the server runs with -idle-timeout %s", idleBound, idleTimeout), gotText(v, err))
	if f.kind == kindTimeout {
		f.got = fmt.Sprintf("the response, then the connection stayed open for %v", idleBound)
		f.hint = "an idle keep-alive connection was never closed: "
		if loopStage(e.stage) {
			f.hint += "the loop must wait no longer than the next deadline (wait.Timeout as select's, poll's or epoll_wait's timeout) and drive every connection wait.End() returns, whose timer has fired; a loop that ignores them never closes an idle connection."
		} else {
			f.hint += "the child serves its connection with the idle timeout (the config's IdleTimeout, a read deadline between requests) and closes it when it passes."
		}
	}
	return f
}

// pattern is n bytes of "0123456789abcdef" repeated.
func pattern(n int) []byte {
	return bytes.Repeat([]byte("0123456789abcdef"), n/16)
}

// checkLateReader sends POST /echo with 8 MiB (Connection: close) on a
// connection with a small receive buffer, waits until the server's end
// holds bytes the client's window will not take and the server is idle,
// then reads the whole response and compares every byte.
func checkLateReader(e *env) *failure {
	a, err := e.dialSmallReceive()
	if err != nil {
		return dialFailure(err)
	}
	body := pattern(lateBody)
	head := fmt.Sprintf("POST /echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: %d\r\n\r\n", lateBody)
	if err := a.send([]byte(head)); err != nil {
		return failed(err, "to send the request head", errText(err))
	}
	sent := make(chan error, 1)
	go func() {
		// It blocks until the client reads (the server stops reading
		// while its response is stuck); the long deadline covers the
		// pause.
		a.nc.SetWriteDeadline(time.Now().Add(30 * time.Second))
		n, err := a.nc.Write(body)
		if n > 0 {
			a.writes = append(a.writes, body[:n])
		}
		if err != nil {
			a.werr = err
		}
		sent <- err
	}()
	full := waitFull(a, ioTimeout)
	if e.proc != nil {
		e.proc.settle(2 * time.Second)
	}
	want := fmt.Sprintf("200 with the %d bytes sent as its body, then end of file", lateBody)
	// Read everything, each read bounded: the server writes as the
	// client makes room.
	buf := make([]byte, 256<<10)
	var rerr error
	for {
		a.nc.SetReadDeadline(time.Now().Add(ioTimeout))
		n, err := a.nc.Read(buf)
		a.recv = append(a.recv, buf[:n]...)
		if err != nil {
			rerr = err
			if err == io.EOF {
				a.end = endEOF
			} else if kindOf(err) != kindTimeout {
				a.end = endOf(err)
			}
			break
		}
	}
	a.nc.SetWriteDeadline(time.Now())
	<-sent
	hint := "the response came back short or changed: write(2) on a non-blocking socket takes what fits and returns that count, n, which may be less than you gave it: mark only n bytes sent (c.Sent(n)), keep the rest, and write it when the socket is writable again (ask for Write: the write set, POLLOUT, EPOLLOUT)."
	r, perr := parseResponse(a.recv, a.end == endEOF)
	switch {
	case perr != nil:
		return &failure{kind: kindParse, expected: want, got: "a response that does not parse: " + perr.msg, notes: perr.caret(), hint: hint}
	case !r.complete:
		f := failed(rerr, want, fmt.Sprintf("%d bytes of the response, incomplete, then %s", len(a.recv), strings.TrimPrefix(gotText(a, rerr), fmt.Sprintf("%d bytes, then ", len(a.recv)))))
		if !full {
			f.notes = append(f.notes, fmt.Sprintf("(conn 1's socket never filled in %v: the server did not echo its body)", ioTimeout))
		}
		if f.kind == kindTimeout || f.kind == kindEOF {
			f.hint = hint
			if f.kind == kindTimeout && loopStage(e.stage) {
				f.hint = "the rest of the response never came once the client read: " + hint
			}
		}
		return f
	case r.status != 200:
		return &failure{kind: kindMismatch, expected: want, got: summary(a.recv[:r.size]), hint: fmt.Sprintf("expected status code 200, got %d.", r.status)}
	case !bytes.Equal(r.body, body):
		return &failure{kind: kindMismatch, expected: want, got: "a body of " + mismatchText(body, r.body), hint: hint}
	}
	return nil
}

// checkNoSpin measures the server's CPU time (a server started with
// -delay 1s) over spinWindow twice: while one keep-alive connection is
// idle, and while an app runs for a client that has reset its
// connection. Each must stay under half the wall time: a loop that waits
// uses next to nothing.
func checkNoSpin(e *env) *failure {
	// (a) One idle keep-alive connection, after a response.
	v, f := ask(e, getNope, 404, nil)
	if f != nil {
		return f
	}
	if f := spinFailure(e, "while one keep-alive connection is idle", "is a connection in the write set (or watched for POLLOUT, EPOLLOUT) when it has nothing to write? A socket with room in its send buffer is always writable, so the wait returns at once, turn after turn: ask for Write only while the connection has output (its Want)."); f != nil {
		return f
	}
	v.close()
	// (b) A client that resets while its app runs (-delay 1s), with
	// bytes in the server's socket that it has no reason to read yet:
	// the connection asks for nothing while its app runs, and poll and
	// epoll report the reset (and the bytes) whatever was asked.
	w, err := e.dial()
	if err != nil {
		return dialFailure(err)
	}
	if err := w.send([]byte(getHelloClose)); err != nil {
		return failed(err, "to send the request", errText(err))
	}
	w.waitRead(ioTimeout)
	if err := w.send([]byte("bytes the server has no reason to read")); err != nil {
		return failed(err, "to send more bytes", errText(err))
	}
	w.reset()
	return spinFailure(e, fmt.Sprintf("while the app runs (-delay %s) for a client that has reset its connection", spinDelay),
		"a reset connection is reported at every wait (a hang-up or an error: poll and epoll report them whatever was asked) until someone settles it; while its app runs the connection asks for nothing, so probe it (SO_ERROR, a peek) when it is reported and close it, or the wait returns at once, turn after turn, until the app is done.")
}

// spinFailure measures the server's CPU time over spinWindow and fails
// if it is half the wall time or more.
func spinFailure(e *env, while, hint string) *failure {
	m := markCPU(e.proc)
	time.Sleep(spinWindow)
	cpu, waited, wall, ok := m.since(e.proc)
	if !ok {
		if e.proc.exited() {
			return nil // reported as the server's exit
		}
		return &failure{kind: kindOther, expected: "to read the server's CPU time (/proc/PID/stat)", got: "it could not be read"}
	}
	e.passNotes = append(e.passNotes, fmt.Sprintf("%s: %s in %.2f s", while, cpuText(cpu, waited, 2), wall.Seconds()))
	if !spinning(cpu, waited, wall) {
		return nil
	}
	e.convs = nil
	return &failure{kind: kindOther,
		expected: fmt.Sprintf("the server waiting %s: wanting a CPU less than half the time (it should use next to nothing)", while),
		got:      fmt.Sprintf("your server spent %s in %.2f s: a loop that spins", cpuText(cpu, waited, 2), wall.Seconds()),
		hint:     hint}
}

// checkFdSetSize holds fdSetConns silent connections, more than select
// can watch, and expects GET /hello on one more answered once the
// server (started with -header-timeout 1s) has closed silent ones, with
// the server still running.
func checkFdSetSize(e *env) *failure {
	if need := uint64(fdSetConns + 200); e.fdLimit > 0 && e.fdLimit < need {
		return &failure{kind: kindOther,
			expected: fmt.Sprintf("a descriptor limit (ulimit -n) of at least %d, to hold %d connections", need, fdSetConns),
			got:      fmt.Sprintf("the limit is %d, and the grader could raise it no further (its hard limit)", e.fdLimit),
			hint:     fmt.Sprintf("raise the hard limit, then run the grader again: ulimit -Hn %d; the server the grader starts inherits it.", 4*fdSetConns)}
	}
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for len(held) < fdSetConns {
		c, err := net.DialTimeout("tcp", e.addr, ioTimeout)
		if err != nil {
			return &failure{kind: kindOf(err),
				expected: fmt.Sprintf("%d silent connections held (the listen queue takes those the server does not accept yet)", fdSetConns),
				got:      fmt.Sprintf("%d held, then connect: %s", len(held), errText(err)),
				hint:     fdSetHint}
		}
		held = append(held, c)
	}
	v, err := e.dial()
	if err != nil {
		f := dialFailure(err)
		f.hint = fdSetHint
		return f
	}
	if err := v.send([]byte(getHello)); err != nil {
		f := failed(err, "to send the request", errText(err))
		f.hint = fdSetHint
		return f
	}
	// Answered once silent connections reach the header timeout and
	// free descriptors: give it the read's bound twice.
	err = v.readUntil(2*ioTimeout, func(b []byte) bool {
		r, perr := parseResponse(b, false)
		return perr != nil || r.complete
	})
	r, perr := parseResponse(v.recv, v.end == endEOF)
	want := fmt.Sprintf("GET /hello answered 200 while %d silent connections are held (once some reach -header-timeout %s)", fdSetConns, headerTimeout)
	switch {
	case perr != nil:
		return &failure{kind: kindParse, expected: want, got: "a response that does not parse: " + perr.msg, notes: perr.caret()}
	case r.complete && r.status == 200:
		return nil
	case r.complete:
		return &failure{kind: kindMismatch, expected: want, got: summary(v.recv), hint: fdSetHint}
	}
	f := failed(err, want, gotText(v, err))
	f.hint = fdSetHint
	return f
}

// fdSetHint is the FD_SETSIZE check's hint.
const fdSetHint = "past 1024 descriptors select cannot watch a connection: FdSet.Set panics at descriptor 1024 (FD_SETSIZE). Check each accepted descriptor with fit (fdset.go): one at FD_SETSIZE is held aside and accepting stops, so the kernel's listen queue holds the next clients until a descriptor is freed."

// checkRegisteredEdge, with -edge, holds a keep-alive connection after
// its response and expects its registration in the server's epoll
// interest list (/proc/PID/fdinfo) to have EPOLLET. Without -edge it
// passes: level-triggered is what 06 asks first.
func checkRegisteredEdge(e *env) *failure {
	if !hasEdge(e.serverArgs) {
		e.passNotes = append(e.passNotes, "the server runs level-triggered (no -edge): nothing to check")
		return nil
	}
	v, f := ask(e, getNope, 404, nil)
	if f != nil {
		return f
	}
	want := "the connection registered with EPOLLET (1<<31) in the server's epoll interest list (-edge)"
	client, server := tcpKey(v.nc.LocalAddr()), tcpKey(v.nc.RemoteAddr())
	if client == "" || server == "" {
		return nil // not IPv4: /proc/net/tcp cannot tell
	}
	var fd int
	var err error
	for deadline := time.Now().Add(ioTimeout); ; time.Sleep(10 * time.Millisecond) {
		fd, err = e.proc.socketFd(server, client)
		if err != nil {
			return &failure{kind: kindOther, expected: want, got: "the server's descriptor of the connection: " + err.Error()}
		}
		if fd >= 0 || time.Now().After(deadline) {
			break
		}
	}
	if fd < 0 {
		return &failure{kind: kindOther, expected: want, got: "no descriptor of the server holds the connection"}
	}
	evs, err := e.proc.epollEvents()
	if err != nil {
		return &failure{kind: kindOther, expected: want, got: err.Error()}
	}
	ev, ok := evs[fd]
	switch {
	case !ok:
		return &failure{kind: kindMismatch, expected: want,
			got:  fmt.Sprintf("descriptor %d, the connection, is in no epoll instance of the server", fd),
			hint: "an idle keep-alive connection waits for its next request: it stays registered (EPOLL_CTL_ADD at accept, EPOLLIN while it wants to read)."}
	case ev&epollET == 0:
		return &failure{kind: kindMismatch, expected: want,
			got:  fmt.Sprintf("descriptor %d registered with events %#x: level-triggered", fd, ev),
			hint: "with -edge, add EPOLLET to the events of every connection's EPOLL_CTL_ADD and EPOLL_CTL_MOD (s.et in the stage): a level-triggered loop is correct, so nothing else shows that the edge-triggered part is missing."}
	}
	e.passNotes = append(e.passNotes, fmt.Sprintf("descriptor %d registered with events %#x", fd, ev))
	return nil
}

// checkAcceptBurst stops the server (SIGSTOP), queues acceptBurst
// connections, each with GET /nope sent, lets it go on (SIGCONT) and
// expects every one answered: the listening socket's readiness is
// reported once for all of them.
func checkAcceptBurst(e *env) *failure {
	if err := e.signal(syscall.SIGSTOP); err != nil {
		return &failure{kind: kindOther, expected: "to stop the server for a moment (SIGSTOP)", got: err.Error()}
	}
	stopped := true
	defer func() {
		if stopped {
			e.signal(syscall.SIGCONT)
		}
	}()
	// kill returns before the stop takes effect: a server still running
	// would accept the first connections one event at a time.
	if !e.proc.waitStopped(ioTimeout) {
		return &failure{kind: kindOther, expected: "the server stopped (state T) after SIGSTOP", got: fmt.Sprintf("it was not, %v after", ioTimeout)}
	}
	req := []byte("GET /nope HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	vs := make([]*conv, 0, acceptBurst)
	for range acceptBurst {
		v, err := e.dial()
		if err != nil {
			return dialFailure(err)
		}
		if err := v.send(req); err != nil {
			return failed(err, "to send the request", errText(err))
		}
		vs = append(vs, v)
	}
	if err := e.signal(syscall.SIGCONT); err != nil {
		return &failure{kind: kindOther, expected: "to let the server go on (SIGCONT)", got: err.Error()}
	}
	stopped = false
	want := fmt.Sprintf("each of the %d connections that waited in the listen queue answered 404", acceptBurst)
	answered := 0
	var first *failure
	deadline := time.Now().Add(2 * ioTimeout)
	for _, v := range vs {
		err := v.readUntil(max(time.Until(deadline), time.Millisecond), func(b []byte) bool {
			r, perr := parseResponse(b, false)
			return perr != nil || r.complete
		})
		r, perr := parseResponse(v.recv, v.end == endEOF)
		if perr == nil && r.complete && r.status == 404 {
			answered++
			continue
		}
		if first == nil {
			first = failed(err, want, fmt.Sprintf("conn %d: %s", v.id, gotText(v, err)))
			if perr != nil {
				first = &failure{kind: kindParse, expected: want, got: "a response that does not parse: " + perr.msg, notes: perr.caret()}
			} else if r.complete {
				first = &failure{kind: kindMismatch, expected: want, got: fmt.Sprintf("conn %d: %s", v.id, summary(v.recv))}
			}
		}
	}
	if first == nil {
		return nil
	}
	// Show the first connection left unanswered, not all of them.
	for _, v := range vs {
		if len(v.recv) == 0 {
			e.convs = []*conv{v}
			break
		}
	}
	first.got = fmt.Sprintf("%d of %d answered; %s", answered, acceptBurst, first.got)
	if first.kind == kindTimeout {
		first.hint = "connections were left in the listen queue: edge-triggered (EPOLLET), the listening socket is reported once when connections arrive, however many; accept until accept4 says EAGAIN, or the rest wait for a new client's edge."
	}
	return first
}
