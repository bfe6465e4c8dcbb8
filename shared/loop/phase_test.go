package loop

import (
	"bufio"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"lbws/shared/apps"
	"lbws/shared/gateway"
)

// These tests drive a Conn with plain function calls, as a stage would
// after its reads and writes, and watch its phase: no socket, no
// readiness API. TestTransitions (transitions_test.go) walks every move
// of the table; these check the deadlines and the chapter's diagram.

// edge is one transition, as the table and the diagram name it.
type edge struct{ from, to Phase }

// phaseRun is one connection under test, with every phase change it made.
type phaseRun struct {
	t     *testing.T
	l     *Loop
	c     *Conn
	seen  []edge
	gates *phaseGates
}

// phaseGates holds the app of /slow until released.
type phaseGates struct {
	once    sync.Once
	release chan struct{}
}

// app answers /slow once released, anything else at once.
func (g *phaseGates) app(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	if env.PathInfo == "/slow" {
		<-g.release
	}
	return apps.Hello(0)(env, start)
}

// open starts a loop (workers > 0 runs apps on a pool) and one
// connection on it.
func openPhaseRun(t *testing.T, workers int) *phaseRun {
	t.Helper()
	w, err := NewPipeWaker()
	if err != nil {
		t.Fatal(err)
	}
	g := &phaseGates{release: make(chan struct{})}
	l := newLoop(w, Config{App: g.app, Workers: workers}.withDefaults(), "test", "80")
	r := &phaseRun{t: t, l: l, gates: g}
	l.onPhase = func(c *Conn, from, to Phase) { r.seen = append(r.seen, edge{from, to}) }
	t.Cleanup(func() {
		g.once.Do(func() { close(g.release) })
		l.Close()
	})
	r.c = l.Open(10, "10.0.0.1:1000")
	r.want(Head)
	return r
}

// want fails the test unless the connection is in phase p.
func (r *phaseRun) want(p Phase) {
	r.t.Helper()
	if got := r.c.Phase(); got != p {
		r.t.Fatalf("phase %v; want %v (moves so far: %v)", got, p, r.seen)
	}
}

// recv passes bytes to the connection, as a stage does after a read.
func (r *phaseRun) recv(s string) { r.c.Received([]byte(s)) }

// sendAll takes all of the connection's output, as a stage does after a
// write the socket took whole.
func (r *phaseRun) sendAll() {
	r.t.Helper()
	if r.c.Want()&Write == 0 {
		r.t.Fatalf("want %v; want Write", r.c.Want())
	}
	r.c.Sent(len(r.c.Output()))
}

// release lets /slow's app answer.
func (r *phaseRun) release() { r.gates.once.Do(func() { close(r.gates.release) }) }

// turnUntil runs the loop's turns (Begin, a short wait, End) until the
// connection reaches phase p, as a stage's loop would while workers run.
func (r *phaseRun) turnUntil(p Phase) {
	r.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); r.c.Phase() != p; {
		if time.Now().After(deadline) {
			r.t.Fatalf("phase %v after 5s; want %v", r.c.Phase(), p)
		}
		w := r.l.Begin()
		fds := []unix.PollFd{{Fd: int32(r.l.WakeFd()), Events: unix.POLLIN}}
		unix.Poll(fds, 10)
		w.End()
	}
}

const (
	getHello = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
	getSlow  = "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"
	getClose = "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
	postHead = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n"
)

// TestPhaseDeadlines checks that each phase with a deadline leaves it
// when the deadline passes: Expire through End, with loop time moved on.
func TestPhaseDeadlines(t *testing.T) {
	for _, tt := range []struct {
		name   string
		setup  func(r *phaseRun)
		from   Phase
		to     Phase
		status string // the start of the response, if one is sent
	}{
		{"nothing sent", func(r *phaseRun) {}, Head, Closing, ""},
		{"a slow head", func(r *phaseRun) { r.recv("GET / HT") }, Head, Writing, "HTTP/1.1 408"},
		{"a slow body", func(r *phaseRun) { r.recv(postHead + "he") }, Body, Writing, "HTTP/1.1 408"},
		{"no progress writing", func(r *phaseRun) { r.recv(getHello) }, Writing, Closing, ""},
		{"idle", func(r *phaseRun) { r.recv(getHello); r.sendAll() }, Idle, Closing, ""},
		{"lingering", func(r *phaseRun) { r.recv(getClose); r.sendAll(); r.c.HalfClosed(nil) }, Lingering, Closing, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := openPhaseRun(t, 0)
			tt.setup(r)
			r.want(tt.from)
			if r.c.due == 0 {
				t.Fatalf("phase %v has no deadline", tt.from)
			}
			r.l.epoch = r.l.epoch.Add(-time.Hour) // an hour passes
			r.l.Begin().End()
			r.want(tt.to)
			if got := string(r.c.Output()); !strings.HasPrefix(got, tt.status) {
				t.Errorf("output %.40q; want it to begin %q", got, tt.status)
			}
		})
	}
}

// TestStateDiagramMatchesTable checks that the state diagram in
// docs/04-select.md (its first Mermaid stateDiagram-v2 block) draws
// exactly the moves of Transitions.
func TestStateDiagramMatchesTable(t *testing.T) {
	const doc = "../../docs/04-select.md"
	f, err := os.Open(doc)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	drawn := map[edge]bool{}
	names := map[string]Phase{}
	for p := Head; p <= Closed; p++ {
		names[p.String()] = p
	}
	in, found := false, false
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan() && !found; line++ {
		text := strings.TrimSpace(sc.Text())
		switch {
		case !in && text == "stateDiagram-v2":
			in = true
		case in && text == "```":
			found = true
		case in:
			arrow, _, _ := strings.Cut(text, ":")
			from, to, ok := strings.Cut(arrow, "-->")
			if !ok {
				continue
			}
			from, to = strings.TrimSpace(from), strings.TrimSpace(to)
			if from == "[*]" || to == "[*]" {
				continue
			}
			f, ok1 := names[from]
			g, ok2 := names[to]
			if !ok1 || !ok2 {
				t.Errorf("%s:%d: %q: not two phases", doc, line, text)
				continue
			}
			drawn[edge{f, g}] = true
		}
	}
	if !found {
		t.Fatalf("%s: no stateDiagram-v2 block", doc)
	}
	for _, tr := range Transitions {
		if !drawn[edge{tr.From, tr.To}] {
			t.Errorf("%s: the diagram lacks %v --> %v (%s)", doc, tr.From, tr.To, tr.Why)
		}
		delete(drawn, edge{tr.From, tr.To})
	}
	for e := range drawn {
		t.Errorf("%s: the diagram draws %v --> %v, which is not in Transitions", doc, e.from, e.to)
	}
}
