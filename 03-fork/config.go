package main

import (
	"flag"
	"log"
	"os"
	"strconv"
	"time"

	"lbws/shared/stage"
)

// config is what serve and the children need to know; main fills it from
// the flags, and a child from the flags its parent passes it.
type config struct {
	Delay         time.Duration // how long /hello sleeps
	HeaderTimeout time.Duration // time to a complete request head; 0: none
	BodyTimeout   time.Duration // time from the head to the end of the body; 0: none
	BodyBuffer    int           // bytes of a body read before the app runs; 0: the default
	WriteTimeout  time.Duration // time for each write of a response; 0: none
	IdleTimeout   time.Duration // a kept-alive connection idle this long is closed; 0: HeaderTimeout
	Shutdown      time.Duration // after SIGTERM, how long children may take to finish; 0: no bound
	Verbose       bool          // log one line per request

	MaxChildren  int  // live children at most; 0: no bound
	LeaveZombies bool // do not reap children on SIGCHLD (-reap=false), only at shutdown
	Prefork      int  // long-lived workers; 0: a process per connection
	MaxRequests  int  // with Prefork, a worker exits after this many requests; 0: never

	Exe    string      // the binary children run; "" means this one (os.Executable)
	Stderr *os.File    // the children's standard error; nil means os.Stderr
	Log    *log.Logger // the parent's log; nil discards it
}

// flags are the stage's command-line flags: those every stage has and
// its own.
type flags struct {
	stage.Flags
	maxChildren int  // -max-children
	reap        bool // -reap
	prefork     int  // -prefork
	maxRequests int  // -max-requests
}

// register adds every flag to fs.
func (f *flags) register(fs *flag.FlagSet) {
	f.Register(fs)
	f.RegisterHTTP(fs)
	f.RegisterIdle(fs)
	fs.IntVar(&f.maxChildren, "max-children", 1024, "live children at most; further connections get 503 (0: no bound)")
	fs.BoolVar(&f.reap, "reap", true, "reap finished children on SIGCHLD (false: leave them as zombies, to see them in ps)")
	fs.IntVar(&f.prefork, "prefork", 0, "start `n` long-lived workers that share the listening socket, one connection each at a time")
	fs.IntVar(&f.maxRequests, "max-requests", 0, "with -prefork, a worker exits after `n` requests and is replaced (0: never)")
}

// config returns the configuration the flags describe.
func (f *flags) config() config {
	return config{
		Delay:         f.Delay,
		HeaderTimeout: f.HeaderTimeout,
		BodyTimeout:   f.BodyTimeout,
		BodyBuffer:    f.BodyBuffer,
		WriteTimeout:  f.WriteTimeout,
		IdleTimeout:   f.IdleTimeout,
		Shutdown:      f.Shutdown,
		Verbose:       f.Verbose,
		MaxChildren:   f.maxChildren,
		LeaveZombies:  !f.reap,
		Prefork:       f.prefork,
		MaxRequests:   f.maxRequests,
	}
}

// childArgs returns the command line that gives a child the settings it
// needs from cfg: the same flags, parsed by the same code.
func childArgs(cfg config) []string {
	return []string{
		"-delay=" + cfg.Delay.String(),
		"-header-timeout=" + cfg.HeaderTimeout.String(),
		"-body-timeout=" + cfg.BodyTimeout.String(),
		"-body-buffer=" + strconv.Itoa(cfg.BodyBuffer),
		"-write-timeout=" + cfg.WriteTimeout.String(),
		"-idle-timeout=" + cfg.IdleTimeout.String(),
		"-shutdown=" + cfg.Shutdown.String(),
		"-max-requests=" + strconv.Itoa(cfg.MaxRequests),
		"-v=" + strconv.FormatBool(cfg.Verbose),
	}
}
