// Package conformance is the HTTP/1.1 test suite every stage of this
// repository runs, and that cmd/h1check runs against any server.
//
// A case is a raw byte exchange over a real TCP connection: it sends bytes
// (whole, split, one at a time, slowly), reads the answer with its own small
// response parser, and compares it with what RFC 9110 and RFC 9112 require.
// No net/http client is involved, so the suite sees exactly what a server
// puts on the wire: a missing Connection: close, a body after a HEAD
// response, a connection left open after a 400.
//
// The server under test serves apps.Mux(0):
//
//	GET/HEAD /hello   200 "Hello World" (Content-Length 11)
//	POST/PUT /echo    200, the request body back
//	/environ          200, the gateway's environ as KEY=value lines
//	other paths       404; wrong methods 405
//
// A stage's test starts its server on 127.0.0.1:0 and runs the suite:
//
//	func TestConformance(t *testing.T) {
//		conformance.NoLeaks(t) // first, so its check runs after the server stops
//		addr := startServer(t) // stops the server in t.Cleanup
//		conformance.Run(t, addr, conformance.Options{
//			KeepAlive: true, Pipelining: true, Concurrent: true,
//			HeaderTimeout: time.Second, // the server's own setting
//		})
//	}
//
// Options says what the server supports; a case that needs something else
// (a persistent connection, pipelining, serving two clients at once) is
// skipped with the reason. Cases are grouped (requestline/, headers/,
// length/, chunked/, smuggling/, unread/, keepalive/, pipelining/,
// robustness/, concurrency/) and each group runs as a subtest, so
//
//	go test lbws/02-simple-wsgi -run 'Conformance/smuggling/'
//
// runs one group. Where a server is known to answer a case differently,
// Options.KnownDeviations maps the case name to the reason: the case is
// skipped with that reason and its failure text, and it fails if it
// unexpectedly passes, so the list never goes stale.
//
// Options.Limits gives the server's parser limits (zero fields: the shared
// parser's defaults); the limit cases send just more than them and
// expect 414, 431 or 413.
//
// The whole suite takes 10 to 20 seconds, most of it deliberate waiting
// (a slow client, a stalled reader, a header timeout); with Concurrent set
// the cases of a group run in parallel.
//
// Cases are plain data (see Cases), so the same suite runs without a
// *testing.T through RunCases; that is what cmd/h1check does. To add a
// case, append a Case to its group's cases_*.go file: Name, Why (what the
// server must do and the RFC section that says so), Needs, and a Run that
// dials with T.Dial, writes with Conn.Send or Conn.SendSlowly, reads with
// Conn.ReadFinal, and reports a mismatch with Conn.Errorf, which appends
// the bytes sent and received.
package conformance

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"lbws/shared/http1"
)

// Feature is something a server may or may not support. A case that needs a
// feature the Options do not enable is skipped.
type Feature uint8

// The features a case can need.
const (
	// KeepAlive: the connection persists after a response (RFC 9112 9.3).
	KeepAlive Feature = 1 << iota
	// Pipelining: requests sent before earlier responses arrive are
	// answered in order (RFC 9112 9.3.2).
	Pipelining
	// Concurrency: other connections are served while one is busy.
	Concurrency
	// HeaderTimeout: a client that does not finish its head is answered
	// 408 or disconnected (RFC 9112 9.5).
	HeaderTimeout
)

// DefaultTimeout bounds one case when Options.Timeout is zero. A correct
// server answers every case in milliseconds; the slowest cases wait a few
// seconds on purpose.
const DefaultTimeout = 10 * time.Second

// Options describe the server under test and how to run the suite.
type Options struct {
	// KeepAlive: the server keeps HTTP/1.1 connections open (RFC 9112 9.3).
	KeepAlive bool
	// Pipelining: the server answers pipelined requests in order. It
	// implies KeepAlive.
	Pipelining bool
	// Concurrent: the server serves other connections while one is busy
	// or slow. Cases then also run in parallel, which keeps the suite fast.
	Concurrent bool
	// HeaderTimeout is the server's limit for receiving a request head.
	// Zero: the timeout cases are skipped.
	HeaderTimeout time.Duration
	// Timeout bounds one case; zero means DefaultTimeout.
	Timeout time.Duration
	// Limits are the server's parser limits; zero fields take
	// http1.DefaultLimits(). The limit cases send just more than them.
	Limits http1.Limits
	// KnownDeviations maps a case name to the reason this server is
	// expected to fail it. Such a case is reported as skipped with the
	// reason; if it passes, it fails, so the list stays true.
	KnownDeviations map[string]string
	// Verbose prints the bytes sent and received for every case.
	Verbose bool
	// Lacks lists the demo app's paths the server does not serve
	// ("/echo", "/environ"; see Probe). A case that fails after sending
	// a request for one is skipped with that reason: it tested the app,
	// not HTTP.
	Lacks []string
	// HelloPath is where the server answers the plain GET that the cases
	// send to /hello; "" means /hello. Requests for /hello go there.
	HelloPath string
	// HelloBody is the body the server answers at HelloPath; a 200 the
	// cases expect to say "Hello World" must say this instead. "" means
	// "Hello World".
	HelloBody string
	// HelloVaries: the page at HelloPath answered two different bodies
	// to the same GET (an environ dump shows the client's port), so the
	// cases check its status and framing, not its bytes.
	HelloVaries bool
	// PageLatency is how long the server took to answer one GET of
	// HelloPath, as Probe measured it (zero: not measured). A case that
	// makes many requests one after another (Case.Sequential) gets that
	// much more time per request, so an app that sleeps, such as the
	// article's 200 ms Hello, does not make a correct server fail.
	PageLatency time.Duration
	// Promise408: the server answers a client too slow to send its head
	// with 408 (RFC 9110 15.5.9) rather than closing without a word; the
	// timeout cases then demand the 408.
	Promise408 bool
}

// withDefaults fills the zero fields of o.
func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Pipelining {
		o.KeepAlive = true
	}
	o.Limits = o.Limits.WithDefaults()
	return o
}

// missing says why a case needing f cannot run under o, or "" if it can.
func (o Options) missing(f Feature) string {
	var why []string
	if f&KeepAlive != 0 && !o.KeepAlive {
		why = append(why, "keep-alive")
	}
	if f&Pipelining != 0 && !o.Pipelining {
		why = append(why, "pipelining")
	}
	if f&Concurrency != 0 && !o.Concurrent {
		why = append(why, "concurrency")
	}
	if f&HeaderTimeout != 0 && o.HeaderTimeout <= 0 {
		why = append(why, "a header timeout")
	}
	if len(why) == 0 {
		return ""
	}
	return "server does not support " + strings.Join(why, ", ")
}

// Case is one exchange with the server.
type Case struct {
	// Name is "group/name", e.g. "smuggling/cl-and-te".
	Name string
	// Why states what the server must do and cites the RFC section.
	Why string
	// Needs lists the features the case depends on.
	Needs Feature
	// Sequential is the number of requests the case makes one after
	// another, each waiting for the one before; its time limit grows by
	// twice Options.PageLatency for each.
	Sequential int
	// Run performs the exchange and returns nil, or an error that shows
	// what was sent, what came back and what was expected.
	Run func(t *T) error
}

// limit is the time c may take under opts: opts.Timeout, plus twice the
// server's page latency for each request c makes in sequence.
func (c Case) limit(opts Options) time.Duration {
	return opts.Timeout + time.Duration(c.Sequential)*2*opts.PageLatency
}

// Group is the part of the name before the slash.
func (c Case) Group() string {
	g, _, _ := strings.Cut(c.Name, "/")
	return g
}

// Cases returns every case in a fixed order, grouped.
func Cases() []Case {
	var all []Case
	for _, g := range [][]Case{
		requestLineCases(), targetCases(), headerCases(), lengthCases(), lengthListCases(), chunkedCases(),
		smugglingCases(), unreadCases(), keepAliveCases(), pipeliningCases(),
		robustnessCases(), concurrencyCases(), edgeCases(), appCases(),
	} {
		all = append(all, g...)
	}
	return all
}

// Outcome is the verdict on one case.
type Outcome int

// The possible outcomes.
const (
	Pass Outcome = iota // the server did what the case expects
	Fail                // it did not, or it passed a listed known deviation
	Skip                // a needed feature is off, or a known deviation failed
)

// String returns "PASS", "FAIL" or "SKIP", as h1check prints them.
func (o Outcome) String() string {
	switch o {
	case Pass:
		return "PASS"
	case Fail:
		return "FAIL"
	case Skip:
		return "SKIP"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Result is what running one case produced.
type Result struct {
	Case    Case
	Outcome Outcome
	Reason  string        // why it failed or was skipped
	Log     string        // the bytes exchanged, when Options.Verbose
	Elapsed time.Duration // wall time of the exchange
}

// RunCase runs one case against addr and judges it, known deviations
// included.
func RunCase(c Case, addr string, opts Options) Result {
	opts = opts.withDefaults()
	if why := opts.missing(c.Needs); why != "" {
		return Result{Case: c, Outcome: Skip, Reason: why}
	}
	t := newT(addr, opts, c.limit(opts))
	start := time.Now()
	err := runGuarded(c, t)
	t.closeAll()
	r := Result{Case: c, Elapsed: time.Since(start)}
	if opts.Verbose {
		r.Log = t.transcript()
	}
	dev, known := opts.KnownDeviations[c.Name]
	lacked := t.lacked()
	switch {
	case err != nil && lacked != "":
		r.Outcome, r.Reason = Skip, "needs "+lacked+", which the server lacks"
	case err == nil && known:
		r.Outcome, r.Reason = Fail, "passed, but is listed as a known deviation ("+dev+"): remove it from KnownDeviations"
	case err == nil:
		r.Outcome = Pass
	case known:
		r.Outcome, r.Reason = Skip, "known deviation: "+dev+"\n"+err.Error()
	default:
		r.Outcome, r.Reason = Fail, err.Error()
	}
	return r
}

// runGuarded runs c and turns a panic in the case into an error.
func runGuarded(c Case, t *T) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("case panicked: %v", p)
		}
	}()
	return c.Run(t)
}

// Run runs every case against the server at addr as subtests of t, one
// subtest per group and one per case inside it. Cases of a group run in
// parallel when opts.Concurrent is set; groups run one after another.
func Run(t *testing.T, addr string, opts Options) {
	t.Helper()
	for _, group := range groups(Cases()) {
		t.Run(group[0].Group(), func(t *testing.T) {
			for _, c := range group {
				_, name, _ := strings.Cut(c.Name, "/")
				t.Run(name, func(t *testing.T) {
					if opts.Concurrent {
						t.Parallel()
					}
					r := RunCase(c, addr, opts)
					if r.Log != "" {
						t.Log(r.Log)
					}
					switch r.Outcome {
					case Skip:
						t.Skip(r.Reason)
					case Fail:
						t.Errorf("%s\nexpected: %s\n%s", c.Name, c.Why, r.Reason)
					}
				})
			}
		})
	}
}

// RunCases runs the cases whose names pass filter (nil: all) and writes one
// line per case to out, in case order: "PASS name", "FAIL name: why" or
// "SKIP name: reason". It returns the counts. Cases of a group run in
// parallel when opts.Concurrent is set.
func RunCases(addr string, opts Options, filter func(name string) bool, out io.Writer) (passed, failed, skipped int) {
	var selected []Case
	for _, c := range Cases() {
		if filter == nil || filter(c.Name) {
			selected = append(selected, c)
		}
	}
	for _, group := range groups(selected) {
		for _, r := range runGroup(group, addr, opts) {
			switch r.Outcome {
			case Pass:
				passed++
			case Fail:
				failed++
			case Skip:
				skipped++
			}
			if r.Reason == "" {
				fmt.Fprintf(out, "%s %s\n", r.Outcome, r.Case.Name)
			} else {
				fmt.Fprintf(out, "%s %s: %s\n", r.Outcome, r.Case.Name, indent(r.Reason))
			}
			if r.Log != "" && r.Outcome != Fail { // a failure shows its bytes already
				fmt.Fprintf(out, "  %s\n", strings.ReplaceAll(r.Log, "\n", "\n  "))
			}
		}
	}
	return passed, failed, skipped
}

// runGroup runs the cases of one group, in parallel if the server is
// concurrent, and returns the results in case order.
func runGroup(group []Case, addr string, opts Options) []Result {
	results := make([]Result, len(group))
	if !opts.Concurrent {
		for i, c := range group {
			results[i] = RunCase(c, addr, opts)
		}
		return results
	}
	var wg sync.WaitGroup
	for i, c := range group {
		wg.Go(func() { results[i] = RunCase(c, addr, opts) })
	}
	wg.Wait()
	return results
}

// groups splits cases into runs of the same group, keeping their order.
func groups(cases []Case) [][]Case {
	var out [][]Case
	for _, c := range cases {
		if n := len(out); n > 0 && out[n-1][0].Group() == c.Group() {
			out[n-1] = append(out[n-1], c)
			continue
		}
		out = append(out, []Case{c})
	}
	return out
}

// indent makes a multi-line reason readable under its PASS/FAIL line.
func indent(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// checkUnique reports duplicate case names; used by the package tests.
func checkUnique(cases []Case) []string {
	seen := map[string]int{}
	for _, c := range cases {
		seen[c.Name]++
	}
	var dups []string
	for n, k := range seen {
		if k > 1 {
			dups = append(dups, n)
		}
	}
	sort.Strings(dups)
	return dups
}
