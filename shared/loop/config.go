package loop

import (
	"log"
	"sync/atomic"
	"time"

	"lbws/shared/gateway"
	"lbws/shared/http1"
	"lbws/shared/stage"
)

// Defaults of Config. Each says why it has its size.
const (
	// DefaultWorkers bounds the worker goroutines. The article's load is
	// 1000 connections, each waiting 200 ms in the app: 1000 workers keep
	// all of them busy (Little's law: 1000 / 0.2 s = 5000 requests/s). The
	// c10k measurement sends one request on each of 10,000 connections;
	// 10,000 lets them all run without a 503. Workers start on demand and
	// exit when idle, so the bound costs nothing until it is used; at the
	// bound, each goroutine's stack is a few KiB (tens of MiB in all).
	DefaultWorkers = 10000

	// DefaultQueue is how many requests may wait for a busy worker before
	// the loop answers 503: a short queue smooths a burst; a long one only
	// hides overload behind latency.
	DefaultQueue = 1000

	// DefaultWorkerIdle is how long an idle worker waits for the next
	// request before it exits.
	DefaultWorkerIdle = 10 * time.Second

	// DefaultMaxPipeline bounds the requests of one connection that are
	// parsed but not yet answered (RFC 9112 9.3.2 pipelining). Beyond it
	// the loop stops reading that connection until responses go out.
	DefaultMaxPipeline = 16

	// DefaultOutputBuffer bounds the response bytes a connection holds
	// that the socket has not taken: above it the loop stops pulling from
	// the app and stops reading requests (backpressure). 64 KiB is about
	// what a Linux socket send buffer takes in one go.
	DefaultOutputBuffer = 64 << 10

	// DefaultBodyBuffer is the most of a request body the loop reads and
	// checks before the app runs (the stages' -body-buffer), and the
	// buffer through which a larger body then streams to its worker. The
	// loop reads the socket only while it has room.
	DefaultBodyBuffer = stage.DefaultBodyBuffer

	// DefaultBodyMemory bounds, per loop, all request-body bytes buffered
	// at once: streaming buffers and inline bodies. A request that would
	// need more is answered 503 with Retry-After.
	DefaultBodyMemory = 64 << 20

	// DefaultHeaderTimeout, DefaultBodyTimeout, DefaultWriteTimeout and
	// DefaultIdleTimeout are the stages' flag defaults (as in 02), and
	// DefaultShutdownTimeout the time in-flight requests get at SIGTERM.
	DefaultHeaderTimeout   = 5 * time.Second
	DefaultBodyTimeout     = 10 * time.Second
	DefaultWriteTimeout    = 10 * time.Second
	DefaultIdleTimeout     = 30 * time.Second
	DefaultShutdownTimeout = 5 * time.Second
)

// lingerTimeout and lingerBytes bound a lingering close: after the last
// response the loop shuts down its sending side and reads until the
// client closes, so unread request bytes do not turn the close into a
// reset that destroys the response (RFC 9112 9.6), as in 02.
const (
	lingerTimeout = 250 * time.Millisecond
	lingerBytes   = 256 << 10
)

// Config is what a loop needs to know. Zero fields take the defaults
// above, except Workers: zero there means "run the app inline".
type Config struct {
	// App is the application every request is served by.
	App gateway.App
	// Limits bounds request heads and bodies; zero fields: the defaults.
	Limits http1.Limits

	// Workers is the most goroutines that run the app at once. 0 runs the
	// app inline, inside the loop, as the article's select server does.
	Workers int
	// Queue is how many requests may wait for a worker; DefaultQueue if 0.
	Queue int
	// Pool, when set, is a worker pool shared by several loops (06's
	// -loops); Workers and Queue are then ignored (but Workers must not
	// be 0). The loop does not close a shared pool.
	Pool *Pool

	// HeaderTimeout bounds the time from a connection's accept, or from
	// the first byte of a later request, to its complete head (408).
	HeaderTimeout time.Duration
	// BodyTimeout bounds the time from a head to the end of its body.
	BodyTimeout time.Duration
	// WriteTimeout bounds the time a response waits without the client
	// taking any byte of it; then the connection is closed.
	WriteTimeout time.Duration
	// IdleTimeout bounds the time a keep-alive connection waits for its
	// next request; then it is closed without a word.
	IdleTimeout time.Duration
	// ShutdownTimeout is how long in-flight requests may take after the
	// stop signal before the remaining connections are closed.
	ShutdownTimeout time.Duration

	// MaxPipeline, OutputBuffer, BodyBuffer and BodyMemory are the memory
	// bounds described at their defaults.
	MaxPipeline  int
	OutputBuffer int
	BodyBuffer   int
	BodyMemory   int64
	// MaxInlineBody bounds a request body the loop buffers whole before it
	// runs an app inline (Workers == 0); larger is 413. Zero, or more than
	// Limits.MaxBody, means Limits.MaxBody.
	MaxInlineBody int64

	// Verbose logs one line per request: client, method, target, status,
	// body bytes, time.
	Verbose bool
	// Log receives the loop's lines; nil discards them.
	Log *log.Logger
	// Turns, if set, counts the loop's readiness waits (calls of
	// Begin), for tests and measurements that check a loop does not
	// spin. Loops may share one counter.
	Turns *atomic.Int64
}

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	setDur := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	setDur(&c.HeaderTimeout, DefaultHeaderTimeout)
	setDur(&c.BodyTimeout, DefaultBodyTimeout)
	setDur(&c.WriteTimeout, DefaultWriteTimeout)
	setDur(&c.IdleTimeout, DefaultIdleTimeout)
	setDur(&c.ShutdownTimeout, DefaultShutdownTimeout)
	if c.Queue <= 0 {
		c.Queue = DefaultQueue
	}
	if c.MaxPipeline <= 0 {
		c.MaxPipeline = DefaultMaxPipeline
	}
	if c.OutputBuffer <= 0 {
		c.OutputBuffer = DefaultOutputBuffer
	}
	if c.BodyBuffer <= 0 {
		c.BodyBuffer = DefaultBodyBuffer
	}
	if c.BodyMemory <= 0 {
		c.BodyMemory = DefaultBodyMemory
	}
	c.Limits = c.Limits.WithDefaults()
	if c.MaxInlineBody <= 0 || c.MaxInlineBody > c.Limits.MaxBody {
		c.MaxInlineBody = c.Limits.MaxBody
	}
	return c
}
