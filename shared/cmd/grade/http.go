package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// earlyWindow is how long a split-request check watches for an answer
// that comes before the request is complete, once the server has read
// the first part (and, when the grader started it, has gone idle: see
// process.settle). A server that answers the first part does so within
// microseconds of reading it; a correct server sends nothing, so the
// window only costs time.
const earlyWindow = 300 * time.Millisecond

// The requests the HTTP checks send. Host is fixed so the report does not
// depend on the port.
const (
	getHello = "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"
	getNope  = "GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n"
	badLine  = "HELLO\r\n\r\n"
)

// httpChecks are stage 02's checks, which every later stage passes too:
// an HTTP/1.1 server serving the demo app (apps.Mux: /hello, /echo).
func httpChecks() []check {
	return []check{
		{
			name: "http/hello", from: "02",
			why: "the article's app: GET /hello answers 200 \"Hello World\"; a server that answers one request per connection (stage 02) says so (Connection: close) and closes, or the client waits for more",
			repro: func(h, p string) string {
				return fmt.Sprintf("curl -i http://%s:%s/hello", h, p)
			},
			run: func(e *env) *failure {
				_, f := ask(e, getHello, 200, []byte("Hello World"))
				return f
			},
		},
		{
			name: "http/split-request", from: "02",
			why: "TCP delivers a byte stream, not messages: a request may arrive in pieces, and the server must read until the head is complete (an empty line) before it answers",
			repro: func(h, p string) string {
				return fmt.Sprintf("(printf 'GET /hel'; sleep 1; printf 'lo HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n') | nc -N %s %s", h, p)
			},
			run: func(e *env) *failure {
				return splitRequest(e, "GET /hel", "lo HTTP/1.1\r\nHost: localhost\r\n\r\n", 200, []byte("Hello World"))
			},
		},
		{
			name: "http/echo-body", from: "02",
			why: "a request body is as long as its Content-Length says (RFC 9112 section 6.2), however it arrives: the server reads all of it before the app answers, here POST /echo, which sends it back",
			repro: func(h, p string) string {
				return fmt.Sprintf("(printf 'POST /echo HTTP/1.1\\r\\nHost: localhost\\r\\nContent-Length: 2048\\r\\n\\r\\n'; head -c 1024 /dev/zero | tr '\\0' b;\n"+
					" sleep 1; head -c 1024 /dev/zero | tr '\\0' b) | nc -N %s %s", h, p)
			},
			run: func(e *env) *failure {
				body := bytes.Repeat([]byte("b"), 2048)
				head := "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2048\r\n\r\n"
				return splitRequest(e, head+string(body[:1024]), string(body[1024:]), 200, body)
			},
		},
		{
			name: "http/bad-request", from: "02",
			why: "a malformed request line gets 400 Bad Request (RFC 9112 section 3) and the connection closes; the server itself goes on serving the next client",
			repro: func(h, p string) string {
				return fmt.Sprintf("printf 'HELLO\\r\\n\\r\\n' | nc -N %s %s\ncurl -i http://%s:%s/hello", h, p, h, p)
			},
			run: func(e *env) *failure {
				v, err := e.dial()
				if err != nil {
					return dialFailure(err)
				}
				if err := v.send([]byte(badLine)); err != nil {
					return failed(err, "to send the request", errText(err))
				}
				if f := expectResponse(e, v, 400, nil); f != nil {
					return f
				}
				v.close()
				w, err := e.dial()
				if err != nil {
					return dialFailure(err)
				}
				if err := w.send([]byte(getHello)); err != nil {
					return failed(err, "to send the request", errText(err))
				}
				f := expectResponse(e, w, 200, []byte("Hello World"))
				if f != nil {
					f.expected = "the next client served: " + f.expected
				}
				return f
			},
		},
		{
			name: "http/no-fd-leak", from: "02", process: true, proc: true,
			why: "each connection is a descriptor, and a process has a limited number (ulimit -n): one not closed on some path (a 404, a 400, a client that leaves) runs the server out of them (the count includes the server's children, which 03 starts)",
			repro: func(h, p string) string {
				return fmt.Sprintf("for p in PID $(pgrep -P PID); do ls /proc/$p/fd; done | wc -l   # PID: the server's process id; its children's descriptors too\n"+
					"for i in $(seq 125); do curl -s http://%s:%s/nope >/dev/null; nc -z %s %s; printf 'HELLO\\r\\n\\r\\n' | nc -N -w 1 %s %s >/dev/null;\n"+
					"  printf 'GET /hello HTTP/1.1\\r\\nHo' | nc -N -w 1 %s %s; done   # 500 connections\n"+
					"sleep 1; for p in PID $(pgrep -P PID); do ls /proc/$p/fd; done | wc -l", h, p, h, p, h, p, h, p)
			},
			run: func(e *env) *failure {
				return checkFdLeak(e, 500, func(i int) *failure {
					v, err := e.dial()
					if err != nil {
						return dialFailure(err)
					}
					switch i % 4 {
					case 0:
						if err := v.send([]byte(getNope)); err != nil {
							return failed(err, "to send the request", errText(err))
						}
						return expectResponse(e, v, 404, nil)
					case 1:
						v.close()
					case 2:
						if err := v.send([]byte(badLine)); err != nil {
							return failed(err, "to send the request", errText(err))
						}
						return expectResponse(e, v, 400, nil)
					case 3:
						v.send([]byte("GET /hello HTTP/1.1\r\nHo"))
						v.waitRead(ioTimeout)
						v.reset()
					}
					return nil
				})
			},
		},
		{
			name: "http/sigterm-in-flight", from: "02", process: true, endsProcess: true,
			why: "a server being stopped (a deploy, a restart) finishes the request it has begun before it exits, and leaves no child process behind: SIGTERM stops accepting, not answering",
			repro: func(h, p string) string {
				return fmt.Sprintf("(printf 'GET /nope HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n'; sleep 5) | nc %s %s &   # a connection kept open (in 03, an idle child)\n"+
					"sleep 0.5; curl -i http://%s:%s/hello & sleep 0.1; kill -TERM PID; wait   # PID: the server's process id", h, p, h, p)
			},
			run: func(e *env) *failure {
				v, err := e.dial()
				if err != nil {
					return dialFailure(err)
				}
				if err := v.send([]byte(getHello)); err != nil {
					return failed(err, "to send the request", errText(err))
				}
				v.waitRead(ioTimeout)
				if err := e.signal(syscall.SIGTERM); err != nil {
					return &failure{kind: kindOther, expected: "to send SIGTERM to the server", got: err.Error()}
				}
				if f := expectResponse(e, v, 200, []byte("Hello World")); f != nil {
					if f.kind == kindReset || f.kind == kindEOF {
						f.hint = sigtermHint(e.stage, "cut")
					}
					return f
				}
				if !e.proc.waitExit(ioTimeout) {
					return &failure{kind: kindTimeout, expected: "the server exits (status 0) once the request in flight is answered",
						got:  fmt.Sprintf("it still runs %v after SIGTERM", ioTimeout),
						hint: sigtermHint(e.stage, "running")}
				}
				if st := e.proc.exitStatus(); st != "exit status 0" {
					return &failure{kind: kindExited, expected: "exit status 0 after SIGTERM: a requested stop is not an error",
						got: st, hint: sigtermHint(e.stage, "status")}
				}
				left := e.proc.liveChildren()
				for deadline := time.Now().Add(closeAfter); len(left) > 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
					left = e.proc.liveChildren()
				}
				if len(left) > 0 {
					return &failure{kind: kindOrphans, expected: "no process of the server left once it has exited",
						got: fmt.Sprintf("%d of its children still running %v after it exited", len(left), closeAfter)}
				}
				return nil
			},
		},
	}
}

// splitRequest sends first, waits until the server has read it, checks
// that nothing has come back yet, sends rest and expects the response.
func splitRequest(e *env, first, rest string, status int, body []byte) *failure {
	v, err := e.dial()
	if err != nil {
		return dialFailure(err)
	}
	if err := v.send([]byte(first)); err != nil {
		return failed(err, "to send the request", errText(err))
	}
	v.waitRead(ioTimeout)
	if e.proc != nil {
		e.proc.settle(2 * time.Second)
	}
	err = v.readUntil(earlyWindow, func(b []byte) bool { return len(b) > 0 })
	if len(v.recv) > 0 || kindOf(err) == kindEOF || kindOf(err) == kindReset {
		v.readToEOF(closeAfter)
		got := "an answer: " + summary(v.recv)
		if len(v.recv) == 0 {
			got = "the connection closed: " + gotText(v, err)
		}
		return &failure{kind: kindMismatch,
			expected: fmt.Sprintf("nothing yet: only %d of the request's %d bytes were sent", len(first), len(first)+len(rest)),
			got:      got + ", before the request was complete",
			hint:     "one read(2) returns what has arrived so far, which may be part of a request: read until the parser has a whole request (the head ends with an empty line; then Content-Length bytes of body) before you answer."}
	}
	if err := v.send([]byte(rest)); err != nil {
		return failed(err, "to send the rest of the request", errText(err))
	}
	return expectResponse(e, v, status, body)
}

// expectResponse reads a response on v and checks its status and, if
// body is not nil, its body. Then, if the stage answers one request per
// connection (02) or the status is 400 (the framing of what follows a
// malformed request is unknown: RFC 9112 section 6.3), it expects the
// server to close; from 03 on a server may keep the connection open for
// another request.
func expectResponse(e *env, v *conv, status int, body []byte) *failure {
	mustClose := e.oneRequest || status == 400
	want := fmt.Sprintf("%d %s", status, statusText(status))
	if body != nil {
		want = fmt.Sprintf("%d with body %s", status, quote(body))
	}
	if mustClose {
		want += ", then the server closes"
	}
	start := time.Now()
	err := v.readUntil(ioTimeout, func(b []byte) bool {
		r, perr := parseResponse(b, false)
		return perr != nil || r.complete
	})
	waited := time.Since(start)
	r, perr := parseResponse(v.recv, v.end != "")
	switch {
	case perr != nil:
		return &failure{kind: kindParse, expected: want, got: "a response that does not parse: " + perr.msg, notes: perr.caret()}
	case err != nil && (r == nil || !r.complete):
		f := failed(err, want, gotText(v, err))
		if len(v.recv) == 0 && f.kind == kindEOF {
			f.hint = "the server closed without a word: does it read the request, and write the response before it closes?"
		}
		if len(v.recv) == 0 && (f.kind == kindEOF || f.kind == kindReset) && waited >= headerTimeoutNear && loopStage(e.stage) {
			// The stages' header timeout (5 s) ended a connection the
			// loop never read: the report is the timeout's, not a
			// close's.
			why := strings.TrimPrefix(stageHint(e.stage, kindTimeout), "nothing came back in time: ")
			f.hint = fmt.Sprintf("nothing came back, and after %.0f s the server closed the connection: its header timeout, so it never read the request. %s%s", waited.Seconds(), strings.ToUpper(why[:1]), why[1:])
		}
		if f.kind == kindTimeout && len(v.recv) == 0 {
			f.hint = "no answer came: does your server block in read, waiting for more than the client sends? A request ends with an empty line (\\r\\n\\r\\n), and a body after it is Content-Length bytes long."
			if loopStage(e.stage) {
				f.hint = stageHint(e.stage, kindTimeout)
			}
		}
		if f.kind == kindTimeout && len(v.recv) > 0 {
			f.got = fmt.Sprintf("%s, incomplete, then nothing more for %v", summary(v.recv), ioTimeout)
			f.hint = "the response stopped short of its end: does it say how long its body is (Content-Length), and are all its bytes written (partial writes)?"
		}
		return f
	case r.status != status:
		f := &failure{kind: kindMismatch, expected: want, got: summary(v.recv)}
		switch {
		case r.status == 404 && status == 200:
			f.hint = fmt.Sprintf("expected status code %d, got %d: does your server pass the request's path (%s) to the app as PATH_INFO?", status, r.status, "the part of the target before any '?'")
		default:
			f.hint = fmt.Sprintf("expected status code %d, got %d.", status, r.status)
		}
		return f
	case body != nil && !bytes.Equal(r.body, body):
		return &failure{kind: kindMismatch, expected: want, got: summary(v.recv),
			hint: "the body differs: " + mismatchText(body, r.body) + "."}
	}
	if !mustClose {
		return nil
	}
	if err := v.readToEOF(closeAfter); err != nil {
		if kindOf(err) == kindTimeout {
			extra := ""
			if !strings.EqualFold(r.header["connection"], "close") {
				extra = " Its response should say so with \"Connection: close\" (RFC 9112 section 9.6)."
			}
			return &failure{kind: kindTimeout, expected: want,
				got:  fmt.Sprintf("%s, then the connection stayed open for %v", summary(v.recv[:r.size]), closeAfter),
				hint: "this stage answers one request per connection (a 400 too): after the response, close the connection, or the client (and every client after it) waits." + extra}
		}
		if kindOf(err) != kindEOF {
			return failed(err, want, summary(v.recv)+", then "+errText(err))
		}
	}
	if len(v.recv) > r.size {
		return &failure{kind: kindMismatch, expected: want,
			got:  fmt.Sprintf("%s, then %d more bytes: %s", summary(v.recv[:r.size]), len(v.recv)-r.size, quote(v.recv[r.size:])),
			hint: "bytes after the end of the response: its Content-Length must count the body exactly."}
	}
	return nil
}

// ask dials the server, sends req and expects the response status and
// body (nil: any), as expectResponse checks them. It returns the
// connection, open, for checks that go on with it.
func ask(e *env, req string, status int, body []byte) (*conv, *failure) {
	v, err := e.dial()
	if err != nil {
		return nil, dialFailure(err)
	}
	if err := v.send([]byte(req)); err != nil {
		return v, failed(err, "to send the request", errText(err))
	}
	return v, expectResponse(e, v, status, body)
}

// headerTimeoutNear is how long a connection waits for its answer
// before a close with nothing sent is taken for the server's header
// timeout (5 s in the stages), which ended a connection it never read.
const headerTimeoutNear = 4 * time.Second

// summary shows a response's status line and body, for "got:".
func summary(b []byte) string {
	r, err := parseResponse(b, true)
	if err != nil || !r.complete {
		return quote(b)
	}
	line, _, _ := bytes.Cut(b, []byte("\r\n"))
	return fmt.Sprintf("%s with body %s", quote(line), quote(r.body))
}

// response is a parsed HTTP/1.1 response.
type response struct {
	status   int
	header   map[string]string // lower-case names; the last of repeated fields
	body     []byte            // decoded
	complete bool              // the whole message has arrived
	size     int               // bytes of the message, when complete
}

// parseError is a response that does not parse, with where.
type parseError struct {
	line []byte // the offending line
	off  int    // the offending byte in it
	msg  string
}

// caret shows the line, quoted, with a caret under the offending byte.
func (e *parseError) caret() []string {
	q := strconv.Quote(string(e.line))
	col := len(strconv.Quote(string(e.line[:e.off]))) - 1
	return []string{"  " + q, "  " + strings.Repeat(" ", col) + "^"}
}

// parseResponse parses b as one HTTP/1.1 response. atEOF: the server has
// closed, which ends a body without Content-Length (RFC 9112 section
// 6.3). A response still arriving comes back with complete false.
func parseResponse(b []byte, atEOF bool) (*response, *parseError) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		if i := bytes.IndexByte(b, '\n'); i >= 0 && (i == 0 || b[i-1] != '\r') {
			return nil, &parseError{line: b[:i+1], off: i, msg: "a line ends with \\n alone; HTTP/1.1 lines end with \\r\\n"}
		}
		return &response{}, nil
	}
	lines := bytes.Split(b[:end], []byte("\r\n"))
	r := &response{header: map[string]string{}}
	sl := lines[0]
	if !bytes.HasPrefix(sl, []byte("HTTP/1.")) || len(sl) < 12 || sl[8] != ' ' {
		off := 0
		for off < len(sl) && off < 9 && off < len("HTTP/1.1 ") && (sl[off] == "HTTP/1.1 "[off] || off == 7) {
			off++
		}
		return nil, &parseError{line: sl, off: off, msg: "the status line must begin \"HTTP/1.1 \" and a 3-digit code"}
	}
	code, err := strconv.Atoi(string(sl[9:12]))
	if err != nil || (len(sl) > 12 && sl[12] != ' ') {
		off := 9
		for off < 12 && sl[off] >= '0' && sl[off] <= '9' {
			off++
		}
		return nil, &parseError{line: sl, off: off, msg: "the status code must be 3 digits"}
	}
	r.status = code
	for _, l := range lines[1:] {
		i := bytes.IndexByte(l, ':')
		if i <= 0 {
			return nil, &parseError{line: l, off: max(i, 0), msg: "a header line must be \"Name: value\""}
		}
		r.header[strings.ToLower(string(l[:i]))] = strings.TrimSpace(string(l[i+1:]))
	}
	rest := b[end+4:]
	switch {
	case code/100 == 1 || code == 204 || code == 304:
		r.complete, r.size = true, end+4
	case strings.EqualFold(r.header["transfer-encoding"], "chunked"):
		body, n, ok, perr := dechunk(rest)
		if perr != nil {
			return nil, perr
		}
		r.body, r.complete, r.size = body, ok, end+4+n
	case r.header["content-length"] != "":
		n, err := strconv.Atoi(r.header["content-length"])
		if err != nil || n < 0 {
			return nil, &parseError{line: []byte("Content-Length: " + r.header["content-length"]), off: len("Content-Length: "), msg: "Content-Length must be a number"}
		}
		if len(rest) >= n {
			r.body, r.complete, r.size = rest[:n], true, end+4+n
		}
	default:
		// No length: the body ends when the server closes.
		r.body, r.complete, r.size = rest, atEOF, len(b)
	}
	return r, nil
}

// dechunk decodes a chunked body (RFC 9112 section 7.1): the body, the
// bytes it took, and whether it is complete.
func dechunk(b []byte) ([]byte, int, bool, *parseError) {
	var body []byte
	pos := 0
	for {
		i := bytes.Index(b[pos:], []byte("\r\n"))
		if i < 0 {
			return body, pos, false, nil
		}
		line := b[pos : pos+i]
		hex, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(hex)), 16, 64)
		if err != nil || n < 0 {
			return nil, 0, false, &parseError{line: line, off: 0, msg: "a chunk begins with its size in hex"}
		}
		pos += i + 2
		if n == 0 {
			j := bytes.Index(b[pos:], []byte("\r\n"))
			for j > 0 { // trailer fields
				pos += j + 2
				j = bytes.Index(b[pos:], []byte("\r\n"))
			}
			if j < 0 {
				return body, pos, false, nil
			}
			return body, pos + 2, true, nil
		}
		if int64(len(b)-pos) < n+2 {
			return body, pos, false, nil
		}
		body = append(body, b[pos:pos+int(n)]...)
		pos += int(n) + 2
	}
}

// statusText names the statuses the checks expect.
func statusText(code int) string {
	switch code {
	case 200:
		return "OK"
	case 400:
		return "Bad Request"
	case 404:
		return "Not Found"
	}
	return ""
}
