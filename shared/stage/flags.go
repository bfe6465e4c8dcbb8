package stage

import (
	"flag"
	"time"
)

// Flags holds the command-line flags the stages share, with the same
// names and defaults in every stage. A stage registers the groups it
// uses (Register always; RegisterHTTP for the HTTP stages; RegisterIdle
// for those that keep connections open between requests or bytes) and
// adds its own flags next to them.
type Flags struct {
	Addr         string        // -addr: where to listen
	Verbose      bool          // -v: log one line per request (or connection)
	WriteTimeout time.Duration // -write-timeout: each write to a client
	Shutdown     time.Duration // -shutdown: how long the first SIGINT/SIGTERM waits for work in progress

	Delay         time.Duration // -delay: how long /hello sleeps
	HeaderTimeout time.Duration // -header-timeout: a complete request head
	BodyTimeout   time.Duration // -body-timeout: a complete request body
	BodyBuffer    int           // -body-buffer: bytes of a request body read and checked before the app runs

	IdleTimeout time.Duration // -idle-timeout: a connection with nothing in progress
}

// Register adds -addr, -v, -write-timeout and -shutdown to fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Addr, "addr", "127.0.0.1:8888", "listen on `host:port` (port 0 lets the kernel pick)")
	fs.BoolVar(&f.Verbose, "v", false, "log one line per request: client, method, path, status, bytes, time")
	fs.DurationVar(&f.WriteTimeout, "write-timeout", 10*time.Second, "each write to a client must finish within this time")
	fs.DurationVar(&f.Shutdown, "shutdown", 5*time.Second, "at SIGINT or SIGTERM, wait this long for work in progress, then exit (a second signal exits at once)")
}

// DefaultBodyBuffer is -body-buffer's default: most request bodies (a
// form, a JSON document) fit, and a server holding one per connection
// that is sending a body stays within tens of MiB even with a thousand
// of them.
const DefaultBodyBuffer = 64 << 10

// RegisterHTTP adds -delay, -header-timeout, -body-timeout and
// -body-buffer to fs.
func (f *Flags) RegisterHTTP(fs *flag.FlagSet) {
	fs.DurationVar(&f.Delay, "delay", 200*time.Millisecond, "how long /hello sleeps (the article's time.sleep(0.2))")
	fs.DurationVar(&f.HeaderTimeout, "header-timeout", 5*time.Second, "a request head must arrive within this time (else 408)")
	fs.DurationVar(&f.BodyTimeout, "body-timeout", 10*time.Second, "a request body must arrive within this time of its head")
	fs.IntVar(&f.BodyBuffer, "body-buffer", DefaultBodyBuffer, "read up to this many `bytes` of a request body before the app runs (a broken body is answered 400 without it); a larger body streams to the app after them")
}

// RegisterIdle adds -idle-timeout to fs.
func (f *Flags) RegisterIdle(fs *flag.FlagSet) {
	fs.DurationVar(&f.IdleTimeout, "idle-timeout", 30*time.Second, "close a connection that sends nothing for this long")
}
