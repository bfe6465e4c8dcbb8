// Package stage holds what the tutorial's server stages share outside
// their concurrency model: the plumbing around a serve loop that is the
// same whether it serves one connection at a time, forks, or polls.
//
// A stage's main wires it up like this:
//
//	logger := log.New(os.Stderr, "02-simple-wsgi: ", log.Ltime|log.Lmicroseconds)
//	stop := stage.StopOnSignal(logger, "finishing the request in progress, then exiting")
//	if err := serve(stop, lfd, cfg); err != nil {
//		log.Fatal(err)
//	}
//
// The serve loop watches stop and returns once it is closed. Tests start
// and stop serve loops with the helpers in package stagetest.
package stage

import (
	"log"
	"os"
	"os/signal"
	"syscall"
)

// StopOnSignal returns a channel that is closed at the first SIGINT or
// SIGTERM the process receives. When that happens it logs one line,
// "<signal>: <then>", where then says what the server does next (for
// example "closing the listener").
//
// It asks for the signals with signal.Notify, so they no longer kill the
// process; later ones are ignored (signal.Reset gives them back).
func StopOnSignal(logger *log.Logger, then string) <-chan struct{} {
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGINT, syscall.SIGTERM)
	stop := make(chan struct{})
	go func() {
		sig := <-sigc
		logger.Printf("%v: %s", sig, then)
		close(stop)
	}()
	return stop
}
