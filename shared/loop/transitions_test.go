package loop

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"lbws/shared/gateway"
)

// phaseWalk is one scenario of TestTransitions: a client's doing on one
// connection, with the app inline or on workers.
type phaseWalk struct {
	name        string
	workersOnly bool          // the app must not run inline (it blocks, or must start before its body is whole)
	cfg         func(*Config) // changes to the harness's Config
	walk        func(t *testing.T, h *harness, u *unsafeApp)
}

// get is a keep-alive GET of path.
func get(path string) string { return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n" }

// phaseWalks make every move of Transitions between them.
var phaseWalks = []phaseWalk{
	{name: "keep-alive", walk: func(t *testing.T, h *harness, u *unsafeApp) {
		// Head -> Writing (inline) or App -> Writing -> Idle; then a
		// whole request on an idle connection (Idle -> Writing, or
		// App if the worker is slower than the loop), a head and part of its body (Idle -> Body), the rest, a
		// head in two parts (Idle -> Head), and the end of file
		// (Idle -> Closing).
		c, s := h.dial()
		s.in = []byte(get("/a"))
		h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 1 && c.Phase() == Idle })
		s.in = []byte(get("/b"))
		h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 2 && c.Phase() == Idle })
		s.in = []byte("POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab")
		h.run(5*time.Second, func() bool { return len(s.in) == 0 && c.Phase() == Body })
		s.in = []byte("cde")
		h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 3 && c.Phase() == Idle })
		s.in = []byte("GET /d HTTP/1.1\r\nHo")
		h.run(5*time.Second, func() bool { return len(s.in) == 0 && c.Phase() == Head })
		s.in = []byte("st: x\r\n\r\n")
		h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 4 && c.Phase() == Idle })
		s.eof = true
		h.run(5*time.Second, func() bool { return h.closed(c) })
	}},
	{name: "pipelined", workersOnly: true, walk: func(t *testing.T, h *harness, u *unsafeApp) {
		// A head begins while the app runs (App -> Head), the response
		// goes out before it is complete (Writing -> Head), a response
		// goes out while the next app runs (Writing -> App), a head
		// and part of a body arrive while an app runs (App -> Body),
		// and the response before it goes out while the body arrives
		// (Writing -> Body).
		c, s := h.dial()
		s.in = []byte(get("/slow"))
		h.run(5*time.Second, func() bool { return len(s.in) == 0 && c.Phase() == App })
		s.in = []byte("GET /a HTTP/1.1\r\nHo")
		h.run(5*time.Second, func() bool { return len(s.in) == 0 && c.Phase() == Head })
		close(u.gate("/slow"))
		h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 1 && c.Phase() == Head })
		s.in = []byte("st: x\r\n\r\n" + get("/slow2"))
		h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 2 && c.Phase() == App })
		s.in = []byte("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab")
		h.run(5*time.Second, func() bool { return len(s.in) == 0 && c.Phase() == Body })
		close(u.gate("/slow2"))
		h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 3 && c.Phase() == Body })
		s.in = []byte("cde")
		h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 4 && c.Phase() == Idle })
	}},
	{name: "apps-run-on", workersOnly: true, walk: func(t *testing.T, h *harness, u *unsafeApp) {
		// Apps that answer only once their gates open, so the loop
		// sees them run: a whole request on an idle connection
		// (Idle -> App), a body whose end starts its app (Body -> App),
		// and one whose end comes with the first bytes of the next head
		// (Body -> Head).
		c, s := h.dial()
		s.in = []byte(get("/a"))
		h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 1 && c.Phase() == Idle })
		s.in = []byte(get("/slow"))
		h.run(5*time.Second, func() bool { return len(s.in) == 0 && c.Phase() == App })
		close(u.gate("/slow"))
		h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 2 && c.Phase() == Idle })
		s.in = []byte("POST /slow2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab")
		h.run(5*time.Second, func() bool { return len(s.in) == 0 && c.Phase() == Body })
		s.in = []byte("cde")
		h.run(5*time.Second, func() bool { return len(s.in) == 0 && c.Phase() == App })
		close(u.gate("/slow2"))
		h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 3 && c.Phase() == Idle })
		s.in = []byte("POST /slow3 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab")
		h.run(5*time.Second, func() bool { return len(s.in) == 0 && c.Phase() == Body })
		s.in = []byte("cdeGET /a HTTP/1.1\r\nHo")
		h.run(5*time.Second, func() bool { return len(s.in) == 0 && c.Phase() == Head && len(c.slots) == 1 })
		close(u.gate("/slow3"))
		s.in = []byte("st: x\r\n\r\n")
		h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 5 && c.Phase() == Idle })
	}},
	{name: "body-unread", workersOnly: true, cfg: func(cfg *Config) { cfg.BodyBuffer = 7 }, walk: func(t *testing.T, h *harness, u *unsafeApp) {
		// An app that starts once the body buffer is full answers
		// without reading the body; the rest of it arrives after the
		// response is out, and is discarded (Body -> Idle).
		close(u.gate("/slow"))
		c, s := h.dial()
		s.in = []byte("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n0123456789")
		h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 1 && len(c.slots) == 0 && c.Phase() == Body })
		s.in = []byte("0123456789")
		h.run(5*time.Second, func() bool { return len(s.in) == 0 && c.Phase() == Idle })
	}},
	{name: "response-ends-late", workersOnly: true, walk: func(t *testing.T, h *harness, u *unsafeApp) {
		// Every byte of the response is out before its app ends, and
		// its end brings none: App -> Idle.
		c, s := h.dial()
		s.in = []byte(get("/push"))
		h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 1 && c.Phase() == App })
		close(u.gate("/push"))
		h.run(5*time.Second, func() bool { return c.Phase() == Idle })
	}},
	{name: "last-response-ends-late", workersOnly: true, walk: func(t *testing.T, h *harness, u *unsafeApp) {
		// The same with Connection: close: App -> Lingering.
		c, s := h.dial()
		s.in = []byte("GET /push HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 1 && c.Phase() == App })
		close(u.gate("/push"))
		h.run(5*time.Second, func() bool { return c.Phase() == Lingering && s.shut })
	}},
	{name: "ends-under-head", workersOnly: true, walk: func(t *testing.T, h *harness, u *unsafeApp) {
		// A response already out ends the connection while a
		// pipelined head arrives: Head -> Lingering.
		c, s := h.dial()
		s.in = []byte(get("/push-short"))
		h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 1 && c.Phase() == App })
		s.in = []byte("GET /a HTTP/1.1\r\nHo")
		h.run(5*time.Second, func() bool { return len(s.in) == 0 && c.Phase() == Head })
		close(u.gate("/push-short"))
		h.run(5*time.Second, func() bool { return c.Phase() == Lingering && s.shut })
	}},
	{name: "ends-under-body", workersOnly: true, walk: func(t *testing.T, h *harness, u *unsafeApp) {
		// The same while a pipelined body arrives: Body -> Lingering.
		c, s := h.dial()
		s.in = []byte(get("/push-short"))
		h.run(5*time.Second, func() bool { return countResponses(s.out.Bytes()) == 1 && c.Phase() == App })
		s.in = []byte("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab")
		h.run(5*time.Second, func() bool { return len(s.in) == 0 && c.Phase() == Body })
		close(u.gate("/push-short"))
		h.run(5*time.Second, func() bool { return c.Phase() == Lingering && s.shut })
	}},
	{name: "last-response", walk: func(t *testing.T, h *harness, u *unsafeApp) {
		// Connection: close: Writing -> Lingering, then the client
		// closes: Lingering -> Closing -> Closed.
		c, s := h.dial()
		s.in = []byte("GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		h.run(5*time.Second, func() bool { return c.Phase() == Lingering && s.shut })
		s.eof = true
		h.run(5*time.Second, func() bool { return h.closed(c) })
	}},
	{name: "last-response-client-closed", workersOnly: true, walk: func(t *testing.T, h *harness, u *unsafeApp) {
		// The client sent its last request and closed its side while
		// the app ran: Writing -> Closing once the response is out.
		c, s := h.dial()
		s.in = []byte(get("/slow"))
		h.run(5*time.Second, func() bool { return len(s.in) == 0 && c.Phase() == App })
		s.eof = true
		h.run(5*time.Second, func() bool { return c.eof })
		close(u.gate("/slow"))
		h.run(5*time.Second, func() bool { return h.closed(c) })
		if countResponses(s.out.Bytes()) != 1 {
			t.Errorf("wrote %q; want the response", s.out.String())
		}
	}},
	{name: "write-timeout", cfg: func(cfg *Config) { cfg.WriteTimeout = 20 * time.Millisecond }, walk: func(t *testing.T, h *harness, u *unsafeApp) {
		// The client takes no byte of the response in time:
		// Writing -> Closing.
		h.refill = 0
		c, s := h.dial()
		s.in = []byte(get("/a"))
		h.run(5*time.Second, func() bool { return h.closed(c) })
	}},
	{name: "malformed-head", walk: func(t *testing.T, h *harness, u *unsafeApp) {
		// Head -> Writing (400).
		c, s := h.dial()
		s.in = []byte("GET /a HTTP/1.1\r\nHost x\r\n\r\n")
		h.run(5*time.Second, func() bool { return c.Phase() == Lingering })
	}},
	{name: "nothing-sent", cfg: func(cfg *Config) { cfg.HeaderTimeout = 20 * time.Millisecond }, walk: func(t *testing.T, h *harness, u *unsafeApp) {
		// Head -> Closing: connected and sent nothing in time.
		c, _ := h.dial()
		h.run(5*time.Second, func() bool { return h.closed(c) })
	}},
	{name: "idle-timeout", cfg: func(cfg *Config) { cfg.IdleTimeout = 20 * time.Millisecond }, walk: func(t *testing.T, h *harness, u *unsafeApp) {
		// Idle -> Closing.
		c, s := h.dial()
		s.in = []byte(get("/a"))
		h.run(5*time.Second, func() bool { return h.closed(c) })
	}},
	{name: "body-too-late", cfg: func(cfg *Config) { cfg.BodyTimeout = 20 * time.Millisecond }, walk: func(t *testing.T, h *harness, u *unsafeApp) {
		// Body -> Writing (408).
		c, s := h.dial()
		s.in = []byte("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab")
		h.run(5*time.Second, func() bool { return c.Phase() == Lingering })
	}},
	{name: "client-left-mid-body", walk: func(t *testing.T, h *harness, u *unsafeApp) {
		// Body -> Closing.
		c, s := h.dial()
		s.in = []byte("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab")
		h.run(5*time.Second, func() bool { return len(s.in) == 0 && c.Phase() == Body })
		s.eof = true
		h.run(5*time.Second, func() bool { return h.closed(c) })
	}},
	{name: "reset-in-app", workersOnly: true, walk: func(t *testing.T, h *harness, u *unsafeApp) {
		// App -> Closing.
		c, s := h.dial()
		s.in = []byte(get("/slow"))
		h.run(5*time.Second, func() bool { return len(s.in) == 0 && c.Phase() == App })
		s.reset = true
		h.run(5*time.Second, func() bool { return h.closed(c) })
	}},
}

// Every move in Transitions happens, in scenarios that cover the life of
// a connection with the app inline and on workers, and no other does
// (the harness fails a test at any move the table does not list).
func TestTransitions(t *testing.T) {
	seen := map[Transition]bool{}
	walks, ran := 0, 0
	for _, w := range phaseWalks {
		for _, workers := range []int{0, 2} {
			if w.workersOnly && workers == 0 {
				continue
			}
			walks++
			t.Run(fmt.Sprintf("%s/workers-%d", w.name, workers), func(t *testing.T) {
				ran++
				var u unsafeApp
				// /slow... answers once its gate opens; /push writes
				// its whole response through write, then ends once its
				// gate opens; /push-short the same, one byte short of
				// its Content-Length, which ends the connection; the
				// rest is unsafeApp's.
				app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
					switch {
					case strings.HasPrefix(env.PathInfo, "/slow"):
						return u.gates.app(env, start)
					case env.PathInfo == "/push", env.PathInfo == "/push-short":
						n := "2"
						if env.PathInfo == "/push-short" {
							n = "3"
						}
						write, err := start("200 OK", []gateway.Header{{Name: "Content-Length", Value: n}}, nil)
						if err == nil {
							write([]byte("ok"))
						}
						<-u.gate(env.PathInfo)
						return nil
					}
					return u.app(env, start)
				}
				cfg := Config{App: app, Workers: workers}
				if w.cfg != nil {
					w.cfg(&cfg)
				}
				h := newHarness(t, cfg)
				listed := h.l.onPhase
				h.l.onPhase = func(c *Conn, from, to Phase) {
					listed(c, from, to)
					seen[Transition{From: from, To: to}] = true
				}
				defer func() {
					for _, p := range []string{"/slow", "/slow2", "/slow3", "/push", "/push-short"} {
						select {
						case <-u.gate(p):
						default:
							close(u.gate(p))
						}
					}
				}()
				w.walk(t, h, &u)
			})
		}
	}
	if ran < walks {
		return // -run picked some walks: they cannot make every move
	}
	for _, tr := range Transitions {
		if !seen[Transition{From: tr.From, To: tr.To}] {
			t.Errorf("no scenario moved %v -> %v (%s)", tr.From, tr.To, tr.Why)
		}
	}
}
