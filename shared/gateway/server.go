package gateway

import (
	"fmt"
	"io"
	"log"

	"lbws/shared/http1"
)

// Server runs an App for parsed requests. It is the piece every stage
// shares: a blocking stage calls Serve with the connection as w, an event
// loop with a buffer it drains later. Serve does no I/O besides writing to
// w and reading the body it is given, so it works under any concurrency
// model. A Server may serve many requests at once.
type Server struct {
	App          App         // the application
	Name         string      // SERVER_NAME
	Port         string      // SERVER_PORT
	Multithread  bool        // wsgi.multithread
	Multiprocess bool        // wsgi.multiprocess
	Log          *log.Logger // where app faults and wsgi.errors go; nil means log.Default()
}

// Result describes a response Serve sent.
type Result struct {
	Status    int   // status code sent
	Bytes     int64 // body bytes sent
	KeepAlive bool  // the connection may carry another request
}

// serveBound is how many bytes Serve asks the exchange for at a time: a
// small response is one write(2), a large one goes out in pieces of this
// size.
const serveBound = 32 << 10

// Serve runs the App for one parsed request and writes the whole response
// to w: a thin blocking driver of an Exchange. body is the request body
// (it must end at the message end); it is the app's wsgi.input, and Serve
// reads nothing else from it. What the app pushes through write goes to w
// before write returns.
//
// Serve checks what the app does. A fault before any byte was sent (a bad
// status or header, start_response misuse, a panic in the app or its Body)
// is answered with 500, logged as one line, and the connection stays
// usable. A fault after the response began, or a body that does not match
// the Content-Length the app set, cannot be answered honestly: it is
// logged and Serve returns an error with KeepAlive false, and the caller
// must close the connection. An error writing to w is returned but not
// logged (the client went away); the Body is closed in every case.
//
// If reading the request body fails (an *http1.Error for a malformed or
// oversized body, a read deadline, io.ErrUnexpectedEOF for a client that
// closed before the end of its body) and the app gives up, the answer is
// the body's own status (400, 413, 408) instead of 500, without a log line;
// whatever the app answers, the connection then closes, since where the
// next request starts is unknown.
func (s *Server) Serve(w io.Writer, req *http1.Request, body io.Reader, remoteAddr string) (Result, error) {
	return s.ServeWith(w, req, body, remoteAddr, ExchangeOptions{})
}

// ServeWith is Serve with the driver's options: opt.Close closes the
// connection after this response. opt.Sink, if nil, is w.
func (s *Server) ServeWith(w io.Writer, req *http1.Request, body io.Reader, remoteAddr string, opt ExchangeOptions) (Result, error) {
	x := s.start(req, body, remoteAddr, opt, w)
	defer x.Release()
	for {
		out, done, err := x.Next(x.wbuf[:0], serveBound)
		x.wbuf = out[:0]
		if len(out) > 0 {
			if _, werr := w.Write(out); werr != nil {
				x.setAbort(fmt.Errorf("gateway: write response: %w", werr))
				return x.Result(), x.abort
			}
		}
		if done {
			return x.Result(), err
		}
	}
}

// start is Start with Serve's writer, which takes write's bytes when
// opt.Sink is nil.
func (s *Server) start(req *http1.Request, body io.Reader, remoteAddr string, opt ExchangeOptions, w io.Writer) *Exchange {
	x := exchangePool.Get().(*Exchange)
	if opt.Sink == nil {
		x.w = w
	}
	return x.begin(s, req, body, remoteAddr, opt)
}

// runApp calls the App, turning a panic into a fault.
func (x *Exchange) runApp(env *Environ) (b Body) {
	defer x.recoverInto("app")
	return x.s.App(env, x.startFunc())
}

// startFunc returns the StartResponse for this request.
func (x *Exchange) startFunc() StartResponse {
	gen := x.gen
	return func(status string, headers []Header, excInfo error) (WriteFunc, error) {
		if x.gen != gen {
			return nil, ErrStale
		}
		// PEP 3333: the headers count as sent once a non-empty chunk
		// was yielded, even if the server held it back.
		sent := x.enc.HeaderWritten() || x.shown
		if err := x.head.start(status, headers, excInfo, sent); err != nil {
			x.setFault(err)
			return nil, err
		}
		if excInfo != nil && x.fault == nil {
			// The app reports its own failure and replaces the
			// response; log it, since the client will not see why.
			x.s.logf("gateway: %s: app error: %v", x.where(), excInfo)
		}
		return x.writeFunc(gen), nil
	}
}

// writeFunc returns PEP 3333's write() for this request. Under a Sink
// (or Serve's writer) p is encoded and handed over before write returns;
// otherwise it is copied into the exchange for the next calls of Next.
func (x *Exchange) writeFunc(gen uint64) WriteFunc {
	return func(p []byte) error {
		switch {
		case x.gen != gen:
			return ErrStale
		case x.abort != nil:
			return x.abort
		case x.fault != nil:
			return x.fault
		case len(p) == 0:
			return nil
		case !x.sinking():
			return x.emit(p, false)
		}
		return x.writeToSink(p)
	}
}

// writeToSink encodes p (after the head and any held chunk, if they have
// not gone out) into the sink buffer and hands it to the Sink. Nothing is
// pending when the app runs (Next pulls the Body only then), so the
// order of the bytes is kept.
func (x *Exchange) writeToSink(p []byte) error {
	dst, limit := x.q.dst, x.q.limit
	x.q.dst, x.q.limit = x.sink[:0], int(^uint(0)>>1)
	err := x.emit(p, false)
	out := x.q.dst
	x.sink = out[:0]
	x.q.dst, x.q.limit = dst, limit
	if len(out) > 0 {
		var serr error
		if x.w != nil {
			_, serr = x.w.Write(out)
		} else {
			serr = x.opt.Sink(out)
		}
		if serr != nil {
			return x.setAbort(fmt.Errorf("gateway: write response: %w", serr))
		}
	}
	return err
}

// next calls Body.Next, turning a panic into a fault.
func (x *Exchange) next() (chunk []byte, err error) {
	defer x.recoverInto("body Next")
	chunk, err = x.body.Next()
	if x.fault != nil {
		return nil, nil
	}
	return chunk, err
}

// closeBody calls Body.Close once, turning a panic into a fault. An
// error from Close is only logged: the response is not affected.
func (x *Exchange) closeBody() {
	b := x.body
	if b == nil {
		return
	}
	x.body = nil
	defer x.recoverInto("body Close")
	if err := b.Close(); err != nil {
		x.s.logf("gateway: %s: body Close: %v", x.where(), err)
	}
}

// recoverInto turns a panic into a fault. It must be deferred directly.
func (x *Exchange) recoverInto(what string) {
	if v := recover(); v != nil {
		x.setFault(fmt.Errorf("gateway: panic in %s: %v", what, v))
	}
}

// setFault records the first fault.
func (x *Exchange) setFault(err error) {
	if x.fault == nil {
		x.fault = err
	}
}

// logf writes one line to the server's log.
func (s *Server) logf(format string, args ...any) {
	l := s.Log
	if l == nil {
		l = log.Default()
	}
	l.Printf(format, args...)
}
