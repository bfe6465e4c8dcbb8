package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"
)

// echoChecks are stage 01's checks: a TCP echo server. They apply to 01
// only; from 02 on the server speaks HTTP.
func echoChecks() []check {
	return []check{
		{
			name: "echo/line", from: "01", to: "01",
			why: "an echo server's whole job: the bytes a client sends come back, and when the client is done the server closes",
			repro: func(h, p string) string {
				return fmt.Sprintf("printf 'hello\\n' | nc -N %s %s", h, p)
			},
			run: func(e *env) *failure {
				v, err := e.dial()
				if err != nil {
					return dialFailure(err)
				}
				return echoRound(v, []byte("hello\n"))
			},
		},
		{
			name: "echo/8mib-in-pieces", from: "01", to: "01",
			why: "read(2) returns whatever has arrived and write(2) may take only part of a buffer: a server must loop over both, or it loses bytes of anything larger than one read",
			repro: func(h, p string) string {
				return fmt.Sprintf("head -c 8388608 /dev/zero | tr '\\0' e > /tmp/8m\n"+
					"# the grader interrupts each write(2) the server blocks in with a signal (SIGURG, which Go ignores), as any signal may; so does this loop (PID: the server's process id)\n"+
					"(while kill -0 PID; do for t in $(grep -l '^%d ' /proc/PID/task/*/syscall); do t=${t%%/syscall}; kill -URG ${t##*/}; done; sleep 0.001; done) 2>/dev/null &\n"+
					"nc -N %s %s < /tmp/8m | cmp - /tmp/8m && echo 'all 8 MiB came back'; kill %%%%", syscall.SYS_WRITE, h, p)
			},
			run: checkBigEcho,
		},
		{
			name: "echo/two-clients", from: "01", to: "01",
			why: "a server serves client after client: once one is done it accepts the next",
			repro: func(h, p string) string {
				return fmt.Sprintf("printf 'first client\\n' | nc -N %s %s\nprintf 'second client\\n' | nc -N %s %s", h, p, h, p)
			},
			run: func(e *env) *failure {
				for _, msg := range []string{"first client\n", "second client\n"} {
					v, err := e.dial()
					if err != nil {
						return dialFailure(err)
					}
					if f := echoRound(v, []byte(msg)); f != nil {
						return f
					}
					v.close()
				}
				return nil
			},
		},
		{
			name: "echo/silent-client", from: "01", to: "01",
			why: "a client may connect and leave without a byte (a port scanner, a health check): read(2) returns 0 at once, and the server must go on with the next client",
			repro: func(h, p string) string {
				return fmt.Sprintf("nc -z %s %s            # connects and closes at once\nprintf 'still there?\\n' | nc -N %s %s", h, p, h, p)
			},
			run: func(e *env) *failure {
				v, err := e.dial()
				if err != nil {
					return dialFailure(err)
				}
				v.close()
				return echoNext(e, "still there?\n")
			},
		},
		{
			name: "echo/reset-client", from: "01", to: "01",
			why: "a client may reset its connection (a crash, a closed laptop): read(2) or write(2) fails with ECONNRESET, and the server must log it and go on",
			repro: func(h, p string) string {
				return fmt.Sprintf("python3 -c 'import socket,struct; s=socket.create_connection((\"%s\",%s)); s.send(b\"bye\\n\"); s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(\"ii\",1,0)); s.close()'\n"+
					"printf 'still there?\\n' | nc -N %s %s", h, p, h, p)
			},
			run: func(e *env) *failure {
				v, err := e.dial()
				if err != nil {
					return dialFailure(err)
				}
				if err := v.send([]byte("bye\n")); err != nil {
					return failed(err, "to send 4 bytes", err.Error())
				}
				v.waitRead(ioTimeout)
				v.reset()
				return echoNext(e, "still there?\n")
			},
		},
		{
			name: "echo/no-fd-leak", from: "01", to: "01", process: true, proc: true,
			why: "each connection is a descriptor, and a process has a limited number (ulimit -n): one not closed on some path runs the server out of them, after which accept fails for everyone",
			repro: func(h, p string) string {
				return fmt.Sprintf("ls /proc/PID/fd | wc -l        # PID: the server's process id\n"+
					"for i in $(seq 67); do printf 'x\\n' | nc -N %s %s >/dev/null; nc -z %s %s; done\n"+
					"ls /proc/PID/fd | wc -l", h, p, h, p)
			},
			run: func(e *env) *failure {
				return checkFdLeak(e, 200, func(i int) *failure {
					v, err := e.dial()
					if err != nil {
						return dialFailure(err)
					}
					switch i % 3 {
					case 0:
						return echoRound(v, []byte("x\n"))
					case 1:
						v.close()
					case 2:
						v.send([]byte("bye\n"))
						v.waitRead(ioTimeout)
						v.reset()
					}
					return nil
				})
			},
		},
	}
}

// echoRound sends msg on v and expects it back; then it half-closes and
// expects the server to close too.
func echoRound(v *conv, msg []byte) *failure {
	want := fmt.Sprintf("the %d bytes sent, back", len(msg))
	if len(msg) < 32 {
		want = quote(msg) + " back"
	}
	if err := v.send(msg); err != nil {
		return failed(err, want, "the write failed: "+errText(err))
	}
	err := v.readUntil(ioTimeout, func(b []byte) bool { return len(b) >= len(msg) })
	if err != nil {
		f := failed(err, want, gotText(v, err))
		if f.kind == kindTimeout {
			f.hint = "nothing (or not everything) came back: does your server write back what it reads, all of it, before it reads again?"
		}
		return f
	}
	if !bytes.Equal(v.recv, msg) {
		return &failure{kind: kindMismatch, expected: want, got: mismatchText(msg, v.recv),
			hint: "the bytes that came back differ from those sent: write back exactly buf[:n], the n bytes the read returned."}
	}
	v.closeWrite()
	err = v.readToEOF(closeAfter)
	switch {
	case err != nil && kindOf(err) == kindTimeout:
		return &failure{kind: kindTimeout,
			expected: "end of file: the client half-closed (shutdown(SHUT_WR)), so the server is done and closes",
			got:      fmt.Sprintf("the echo, then nothing for %v: the connection stayed open", closeAfter),
			hint:     "once the client half-closes, read(2) returns 0: does your echo loop stop there, and does the server then close the connection?"}
	case err != nil && kindOf(err) != kindEOF:
		return failed(err, "end of file after the echo", gotText(v, err))
	case len(v.recv) > len(msg):
		return &failure{kind: kindMismatch, expected: want + ", then end of file", got: mismatchText(msg, v.recv),
			hint: "more came back than was sent: write back only the n bytes the read returned."}
	}
	return nil
}

// echoNext checks that the server still echoes, on a new connection.
func echoNext(e *env, msg string) *failure {
	v, err := e.dial()
	if err != nil {
		return dialFailure(err)
	}
	f := echoRound(v, []byte(msg))
	if f != nil && f.kind != kindMismatch {
		f.expected = "the next client served: " + f.expected
	}
	return f
}

// checkBigEcho sends 8 MiB in writes of 64 KiB and reads nothing until
// the server is blocked in write(2): 8 MiB is more than the kernel's
// buffers hold (the server's send buffer grows to 4 MiB at most,
// net.ipv4.tcp_wmem), so a server that echoes must block. 64 KiB would
// fit in them: the server's writes would never block, and a server that
// ignores write's count would pass. When the grader started the server,
// it interrupts each write it finds blocked with a signal (SIGURG, which
// Go's runtime catches and ignores), and write(2) then returns a partial
// count, as it may whenever a signal arrives. It expects every byte
// back, then end of file.
func checkBigEcho(e *env) *failure {
	const size, piece = 8 << 20, 64 << 10
	msg := []byte(strings.Repeat("0123456789abcdef", size/16))
	v, err := e.dial()
	if err != nil {
		return dialFailure(err)
	}
	want := fmt.Sprintf("all %d bytes back, then end of file", size)
	// The first piece alone: a server that reads once and closes has
	// done so by the time its receive queue is empty, and the next write
	// fails the same way every run.
	if err := v.send(msg[:piece]); err != nil {
		return failed(err, want, "the first write failed: "+errText(err))
	}
	v.waitRead(ioTimeout)
	sent := make(chan error, 1)
	go func() {
		for off := piece; off < size; off += piece {
			if err := v.send(msg[off : off+piece]); err != nil {
				sent <- err
				return
			}
		}
		sent <- v.closeWrite()
	}()
	if e.proc != nil {
		// Wait until a server thread blocks in write(2), waiting for
		// the client's window, before reading anything.
		for deadline := time.Now().Add(ioTimeout); time.Now().Before(deadline) && e.proc.interruptWrite() == 0; time.Sleep(time.Millisecond) {
		}
	}
	buf := make([]byte, 64<<10)
	for {
		v.nc.SetReadDeadline(time.Now().Add(ioTimeout))
		n, err := v.nc.Read(buf)
		v.recv = append(v.recv, buf[:n]...)
		if err != nil {
			if err == io.EOF {
				v.end = endEOF
			} else if kindOf(err) != kindTimeout {
				v.end = endOf(err)
			}
			break
		}
		if e.proc != nil {
			e.proc.interruptWrite()
		}
	}
	if werr := <-sent; werr != nil && kindOf(werr) != kindTimeout {
		f := failed(werr, want, fmt.Sprintf("a write failed after %d of %d bytes (%s); %d bytes had come back",
			len(join(v.writes)), size, errText(werr), len(v.recv)))
		if f.kind == kindReset {
			f.hint = "the server closed the connection with bytes it had not read, which sends a reset: did you close before reading everything the client sent? One read(2) returns what has arrived so far; loop until it returns 0 (end of file)."
		}
		return f
	}
	if v.end != endEOF {
		return failed(errors.New(v.end), want, gotText(v, os.ErrDeadlineExceeded))
	}
	if !bytes.Equal(v.recv, msg) {
		f := &failure{kind: kindMismatch, expected: want, got: mismatchText(msg, v.recv),
			hint: "write(2) returns how many bytes it took, which may be fewer than you gave it (a signal came, the send buffer filled): loop until every byte of the read is written."}
		if len(v.recv) > len(msg) {
			f.hint = "more came back than was sent: write back only the n bytes the read returned, and only once."
		}
		return f
	}
	return nil
}

// checkFdLeak counts the descriptors of the server and its children,
// runs n connections with one, and expects the count back where it was.
func checkFdLeak(e *env, n int, one func(i int) *failure) *failure {
	// A first connection lets the server open what it opens once
	// (Go's runtime opens its poller lazily).
	if f := one(0); f != nil {
		return f
	}
	closeAll := func() {
		for _, v := range e.convs {
			if !v.closed {
				v.close()
			}
		}
	}
	closeAll()
	before, err := steadyFdCount(e.proc)
	if err != nil {
		return &failure{kind: kindOther, expected: "to count the server's descriptors", got: err.Error()}
	}
	for i := 1; i <= n; i++ {
		closeAll()
		e.convs = e.convs[:0]
		if f := one(i); f != nil {
			f.notes = append(f.notes, fmt.Sprintf("(connection %d of %d)", i, n))
			return f
		}
	}
	closeAll()
	e.passNotes = append(e.passNotes, fmt.Sprintf("(%d connections like these, the last shown)", n))
	const slack = 10 // descriptors a runtime may open lazily
	after := 0
	for deadline := time.Now().Add(closeAfter); ; time.Sleep(10 * time.Millisecond) {
		after, err = e.proc.treeFdCount()
		if err != nil {
			return &failure{kind: kindOther, expected: "to count the server's descriptors", got: err.Error()}
		}
		if after <= before+slack || time.Now().After(deadline) {
			break
		}
	}
	if after > before+slack {
		e.convs = nil // the last connection is not the one that leaked
		f := &failure{kind: kindFdLeak,
			expected: fmt.Sprintf("about %d descriptors open after %d connections, as before them", before, n),
			got:      fmt.Sprintf("%d open, %d more, %v after the last connection", after, after-before, closeAfter)}
		if e.stage == "03" {
			f.hint = hints[kindFdLeak] + " The count is the parent's and its children's: the parent keeps no copy of a connection it handed to a child (and releases each os.Process it does not Wait for), and a child exits once its client is done."
		}
		return f
	}
	return nil
}

// dialFailure is the failure of a connection that could not be made.
func dialFailure(err error) *failure {
	return failed(err, "a connection to the server", "connect: "+errText(err))
}

// errText names a socket error without addresses or ports.
func errText(err error) string {
	switch kindOf(err) {
	case kindRefused:
		return "connection refused"
	case kindReset:
		return "connection reset"
	case kindTimeout:
		return "timed out"
	case kindEOF:
		return "end of file"
	}
	return err.Error()
}

// gotText says what came back before err ended the reading.
func gotText(v *conv, err error) string {
	got := "nothing"
	if len(v.recv) > 0 {
		got = fmt.Sprintf("%d bytes", len(v.recv))
	}
	switch kindOf(err) {
	case kindTimeout:
		return fmt.Sprintf("%s, then nothing more for %v", got, ioTimeout)
	case kindEOF:
		return got + ", then end of file"
	case kindReset:
		return got + ", then a reset"
	}
	return fmt.Sprintf("%s, then %s", got, errText(err))
}

// mismatchText says how got differs from want: the first byte that
// differs, or which is shorter.
func mismatchText(want, got []byte) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	switch {
	case i == len(want) && i < len(got):
		return fmt.Sprintf("%d bytes: the %d sent, then %d more", len(got), len(want), len(got)-len(want))
	case i == len(got):
		return fmt.Sprintf("%d of %d bytes, then end of file: %d bytes never came back", len(got), len(want), len(want)-len(got))
	}
	return fmt.Sprintf("%d bytes, differing from those sent at byte %d (%s, want %s)", len(got), i, quote(got[i:i+1]), quote(want[i:i+1]))
}

// steadyFdCount counts the descriptors of the server and its children
// once the count has stopped falling (the same in three samples in a
// row, 10 ms apart, for at most closeAfter): a child serving a
// connection that has just closed (03) is gone by then.
func steadyFdCount(p *process) (int, error) {
	last, same := -1, 0
	for deadline := time.Now().Add(closeAfter); same < 3 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		n, err := p.treeFdCount()
		if err != nil {
			return 0, err
		}
		if n == last {
			same++
		} else {
			last, same = n, 1
		}
	}
	return last, nil
}
