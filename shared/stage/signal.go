// Package stage holds what the tutorial's server stages share outside
// their concurrency model: the flags every stage has, and the life cycle
// around a serve loop (start, the first signal, the shutdown deadline,
// the second signal), which is the same whether the stage serves one
// connection at a time, forks, or polls.
//
// A stage's main wires it up like this:
//
//	var f stage.Flags
//	f.Register(flag.CommandLine)
//	f.RegisterHTTP(flag.CommandLine)
//	flag.Parse()
//	...
//	err := stage.Run(logger, "finishing the request in progress", f.Shutdown,
//		func(stop <-chan struct{}) error { return serve(stop, lfd, cfg) })
//	if err != nil {
//		log.Fatal(err)
//	}
//
// The serve loop watches stop and returns once it is closed and its work
// is done. Package stage/blocking serves a connection with blocking reads
// and writes (stages 02 and 03); package stagetest starts serve loops and
// whole stage processes in tests.
package stage

import (
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Run runs serve until it returns and returns its error. The first
// SIGINT or SIGTERM closes serve's stop channel and logs one line,
// "<signal>: <then>", where then says what the server does next. From
// then on serve has grace to return: if it has not returned by then, or
// if a second SIGINT or SIGTERM arrives, Run returns an error at once
// without waiting for it (main then exits, which ends whatever serve was
// still doing). grace <= 0 means no deadline.
func Run(logger *log.Logger, then string, grace time.Duration, serve func(stop <-chan struct{}) error) error {
	sigc := make(chan os.Signal, 2)
	signal.Notify(sigc, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigc)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- serve(stop) }()

	var sig os.Signal
	select {
	case err := <-done:
		return err
	case sig = <-sigc:
	}
	logger.Printf("%v: %s (a second signal exits at once)", sig, then)
	close(stop)
	var deadline <-chan time.Time
	if grace > 0 {
		t := time.NewTimer(grace)
		defer t.Stop()
		deadline = t.C
	}
	select {
	case err := <-done:
		return err
	case sig := <-sigc:
		return fmt.Errorf("%v again: exiting without waiting for the work in progress", sig)
	case <-deadline:
		return fmt.Errorf("shutdown: work still in progress %v after the signal; exiting", grace)
	}
}

// init starts the Go runtime's timers when a stage starts, before it
// opens anything. The runtime creates its poller (epoll or kqueue, which
// take descriptors) the first time a timer is used; a server that first
// needs one when it is out of descriptors (the shutdown deadline after a
// signal, an app's time.Sleep) would die with "netpollinit failed".
func init() {
	time.Sleep(time.Nanosecond)
}
