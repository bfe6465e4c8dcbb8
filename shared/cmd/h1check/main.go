// Command h1check runs this repository's HTTP/1.1 conformance suite
// (lbws/shared/conformance) against any running server: ours, nginx,
// gunicorn, net/http. Every case is a raw byte exchange over TCP, checked
// against RFC 9110 and RFC 9112.
//
// Usage:
//
//	go run ./shared/cmd/h1check [flags] HOST:PORT
//
// It prints one line per case, PASS, FAIL with what was sent, what came
// back and what was expected, or SKIP with the reason, and as its last line
// "N passed, N failed" (", N skipped" follows when any were skipped). The
// exit status is 0 when every case passed, 1 when any failed, 2 on a usage
// error (no address, a bad address, a bad regexp).
//
// The cases are written against the repository's demo app (apps.Mux): GET
// /hello answers "Hello World", POST /echo echoes the body, /environ dumps
// the gateway's environ. h1check first probes the server with a GET of
// -path (default /hello; it must answer 200), a POST /echo and a GET
// /environ. The plain GETs of the cases then go to -path and expect the
// body the probe got; a case that fails after sending a request to
// /echo or /environ, when the server does not serve it, is skipped with
// that reason, so the score of any server is about HTTP, not about the
// demo app's endpoints. The probe's GET is also timed: a case that makes
// many requests one after another (100 connections in turn, say) gets
// twice that time per request on top of -timeout, so a server in front
// of a slow app, such as the article's 200 ms Hello, is not failed for
// its app's sleep.
//
// Flags:
//
//	-path PATH          the path of a page the server serves (default
//	                    /hello); the plain GETs go there
//	-run REGEXP         run only the cases whose names match
//	-skip REGEXP        skip the cases whose names match
//	-list               print every case name and its expectation, then exit
//	-v                  show the bytes sent and received for every case
//	-timeout D          time limit per case (default 10s)
//	-keepalive=false    the server closes after every response: skip the
//	                    keep-alive and pipelining cases
//	-pipelining=false   skip the pipelining cases only
//	-concurrent=false   the server serves one client at a time: skip the
//	                    concurrency cases and run the cases one by one
//	-header-timeout D   the server's header read timeout; enables the
//	                    slow-client timeout cases (0, the default, skips them)
//	-max-request-line N, -max-header-bytes N, -max-fields N, -max-body N
//	                    the server's limits, if not the shared parser's
//	                    defaults (8 KiB, 64 KiB, 100, 8 MiB): the limit
//	                    cases send just more than these
//
// Case names are group/name, with groups requestline, headers, length,
// chunked, smuggling, unread, keepalive, pipelining, robustness and
// concurrency, so -run smuggling/ runs one group.
//
// The iterative server of stage 02 (one connection at a time, one request
// per connection, a header timeout):
//
//	$ go run ./02-simple-wsgi -addr 127.0.0.1:18933 -delay 0 -header-timeout 2s &
//	$ go run ./shared/cmd/h1check -keepalive=false -concurrent=false -header-timeout 2s 127.0.0.1:18933
//	PASS requestline/get-hello
//	...
//	132 passed, 0 failed, 24 skipped
//
// Other servers, with only a hello page (measured on this repository's
// machine, nginx 1.22.1, gunicorn 20.1.0 with Flask 3.1.3, Go 1.26; the
// peers' configurations are bench's: bench/nginx.go, bench/peers):
//
//	$ go run ./shared/cmd/h1check -max-body 1048576 127.0.0.1:18932    # nginx, "return 200" at /hello
//	h1check: the server lacks /echo: the cases that need it are skipped
//	...
//	FAIL requestline/fragment: got status 200, expected status 400
//	...
//	87 passed, 11 failed, 58 skipped
//	$ go run ./shared/cmd/h1check 127.0.0.1:18931                      # net/http, one http.HandleFunc
//	...
//	79 passed, 13 failed, 64 skipped
//	$ go run ./shared/cmd/h1check -keepalive=false 127.0.0.1:18934     # gunicorn -k sync, Flask hello
//	...
//	58 passed, 19 failed, 79 skipped
//
// Go's net/http serving apps.Mux through nethttp.ToHandler runs in the
// conformance package's own test, with its deviations listed there.
//
// One case, showing the bytes:
//
//	$ go run ./shared/cmd/h1check -run requestline/get-hello -v 127.0.0.1:18932
//	PASS requestline/get-hello
//	    sent: "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
//	    recv: "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Fri, 27 Nov 2026 04:47:42 GMT\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: keep-alive\r\n\r\nHello World"
//	1 passed, 0 failed
//
// Only connect it to servers you run: some cases open 200 connections at
// once, send 4 MiB bodies, or flood a server with 1 MiB of header.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"

	"lbws/shared/conformance"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// config is what the command line asks for.
type config struct {
	addr string              // server address
	opts conformance.Options // what the server supports
	run  *regexp.Regexp      // only cases matching; nil: all
	skip *regexp.Regexp      // not cases matching; nil: none
	list bool                // print the cases instead of running them
}

// errUsage marks a command-line mistake: exit status 2.
var errUsage = errors.New("usage")

// run is main without the exit, so it can be tested: it returns the exit
// status (0 all passed, 1 a case failed, 2 usage error).
func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseArgs(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "h1check: %v\n", err)
		}
		return 2
	}
	if cfg.list {
		for _, c := range conformance.Cases() {
			if cfg.selected(c.Name) {
				fmt.Fprintf(stdout, "%s\t%s\n", c.Name, c.Why)
			}
		}
		return 0
	}
	probe(cfg, stderr)
	passed, failed, skipped := conformance.RunCases(cfg.addr, cfg.opts, cfg.selected, stdout)
	summary := fmt.Sprintf("%d passed, %d failed", passed, failed)
	if skipped > 0 {
		summary += fmt.Sprintf(", %d skipped", skipped)
	}
	fmt.Fprintln(stdout, summary)
	if failed > 0 {
		return 1
	}
	return 0
}

// probe finds out what the server serves (conformance.Probe) and says
// so on stderr. If the probe fails the cases run anyway, and fail.
func probe(cfg *config, stderr io.Writer) {
	if err := conformance.Probe(cfg.addr, &cfg.opts); err != nil {
		fmt.Fprintf(stderr, "h1check: %v\n", err)
		return
	}
	for _, p := range cfg.opts.Lacks {
		fmt.Fprintf(stderr, "h1check: the server lacks %s: the cases that need it are skipped\n", p)
	}
}

// selected reports whether the -run and -skip patterns select name.
func (c *config) selected(name string) bool {
	if c.run != nil && !c.run.MatchString(name) {
		return false
	}
	return c.skip == nil || !c.skip.MatchString(name)
}

// parseArgs reads the flags and the address.
func parseArgs(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("h1check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: h1check [flags] HOST:PORT\n\nRuns the HTTP/1.1 conformance cases against the server at HOST:PORT.\n\n")
		fs.PrintDefaults()
	}
	var (
		cfg                config
		runPat, skipPat    string
		maxLine, maxHeader int
		maxFields          int
		maxBody            int64
	)
	fs.StringVar(&cfg.opts.HelloPath, "path", "/hello", "the `path` of a page the server serves with 200; the plain GETs go there")
	fs.StringVar(&runPat, "run", "", "run only the cases whose names match this `regexp`")
	fs.StringVar(&skipPat, "skip", "", "skip the cases whose names match this `regexp`")
	fs.BoolVar(&cfg.list, "list", false, "list the cases (name and expectation) and exit")
	fs.BoolVar(&cfg.opts.Verbose, "v", false, "show the bytes sent and received for every case")
	fs.DurationVar(&cfg.opts.Timeout, "timeout", conformance.DefaultTimeout, "time limit per case")
	fs.BoolVar(&cfg.opts.KeepAlive, "keepalive", true, "the server keeps connections open; false skips the cases that need it")
	fs.BoolVar(&cfg.opts.Pipelining, "pipelining", true, "the server answers pipelined requests; false skips those cases")
	fs.BoolVar(&cfg.opts.Concurrent, "concurrent", true, "the server serves clients concurrently; false skips those cases and runs cases one at a time")
	fs.DurationVar(&cfg.opts.HeaderTimeout, "header-timeout", 0, "the server's header read timeout; 0 skips the timeout cases")
	fs.IntVar(&maxLine, "max-request-line", 0, "the server's request-line limit in bytes (0: the shared parser's default)")
	fs.IntVar(&maxHeader, "max-header-bytes", 0, "the server's head size limit in bytes (0: default)")
	fs.IntVar(&maxFields, "max-fields", 0, "the server's limit on header fields (0: default)")
	fs.Int64Var(&maxBody, "max-body", 0, "the server's body size limit in bytes (0: default)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if !cfg.opts.KeepAlive {
		cfg.opts.Pipelining = false
	}
	cfg.opts.Limits.MaxRequestLine, cfg.opts.Limits.MaxHeaderBytes = maxLine, maxHeader
	cfg.opts.Limits.MaxFields, cfg.opts.Limits.MaxBody = maxFields, maxBody
	var err error
	if cfg.run, err = compile("-run", runPat); err != nil {
		return nil, err
	}
	if cfg.skip, err = compile("-skip", skipPat); err != nil {
		return nil, err
	}
	if cfg.list {
		return &cfg, nil
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return nil, fmt.Errorf("%w: want exactly one HOST:PORT, got %d arguments", errUsage, fs.NArg())
	}
	cfg.addr = fs.Arg(0)
	if err := checkAddr(cfg.addr); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(cfg.opts.HelloPath, "/") {
		return nil, fmt.Errorf("%w: -path %q must begin with /", errUsage, cfg.opts.HelloPath)
	}
	if cfg.opts.Timeout <= 0 {
		return nil, fmt.Errorf("%w: -timeout must be positive", errUsage)
	}
	return &cfg, nil
}

// compile compiles a flag's regexp; "" means none.
func compile(flagName, pat string) (*regexp.Regexp, error) {
	if pat == "" {
		return nil, nil
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("%w: bad %s pattern: %v", errUsage, flagName, err)
	}
	return re, nil
}

// checkAddr accepts HOST:PORT with a numeric port.
func checkAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%w: address %q: %v", errUsage, addr, err)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 || host == "" {
		return fmt.Errorf("%w: address %q: want HOST:PORT with a port from 1 to 65535", errUsage, addr)
	}
	return nil
}
