// Command exercise is chapter 05's exercise: the poll(2) server of
// docs/05-poll.md, written by you. It compiles as given, starts, prints
// its address and then stops at the first TODO(you) it reaches, saying
// which one: the turn around poll, the pollfds built from each
// connection's Want, accepting until EAGAIN, and the conversation with
// each connection (drive, read, write, probe, close) are yours to write,
// at the TODO(you) markers in server.go, accept.go, accept4_linux.go (on
// macOS accept4_other.go) and conn.go. It is chapter 04's exercise with
// poll in place of select; if you wrote 04, most of it carries over.
// hints.md has hints for each TODO, from a nudge to nearly the code.
// ../ (the stage) is a finished solution: compare yours with it once
// the grader passes, not before.
//
// Run it and grade it from the repository root:
//
//	go run ./05-poll/exercise               # listens on 127.0.0.1:8888
//	curl -i http://127.0.0.1:8888/hello
//	go run ./shared/cmd/grade 05            # builds, starts and checks it
//
// It takes the stage's flags (-addr, -delay, -v, -workers,
// -header-timeout, -body-timeout, -write-timeout, -idle-timeout,
// -shutdown; see -h). What is given: the flags, the listening socket
// (chapter 01's calls, in shared/sock), the first line of output (the
// grader reads the address from it), serve and newServer, the shared
// HTTP connection (lbws/shared/loop: it parses, runs the app on the
// workers and says what it wants next; read its doc.go, the contract),
// events (a Want as poll's events) and ready. At SIGINT or SIGTERM the
// loop stops accepting, lets the requests in flight finish, and serve
// returns.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"lbws/shared/loop"
	"lbws/shared/sock"
	"lbws/shared/stage"
)

func main() {
	// No timestamps: the grader quotes the last log lines.
	log.SetFlags(0)
	log.SetPrefix("05-poll exercise: ")
	var f stage.Flags
	f.Register(flag.CommandLine)
	f.RegisterHTTP(flag.CommandLine)
	f.RegisterIdle(flag.CommandLine)
	workers := flag.Int("workers", loop.DefaultWorkers, "most goroutines running the app at once; 0 runs it inline in the loop, as the article does")
	flag.Usage = usage
	flag.Parse()
	if flag.NArg() > 0 {
		usage()
		os.Exit(2)
	}
	cfg := loop.FlagConfig("05-poll exercise", &f, *workers)
	cfg.Log.SetFlags(0)

	lfd, err := sock.Listen(f.Addr)
	if err != nil {
		log.Fatal(err)
	}
	local, err := sock.LocalAddr(lfd)
	if err != nil {
		log.Fatal(err)
	}
	printTry(local, f.Delay, cfg.Workers)
	err = stage.Run(cfg.Log, "closing idle connections, finishing the requests in flight, then exiting", f.Shutdown,
		func(stop <-chan struct{}) error { return serve(stop, lfd, cfg) })
	if err != nil {
		log.Fatal(err)
	}
}

// usage prints what the stage teaches and its flags.
func usage() {
	out := flag.CommandLine.Output()
	fmt.Fprintf(out, "usage: go run ./05-poll/exercise [flags]\n\n")
	fmt.Fprintf(out, "Chapter 05's exercise: the non-blocking server on poll(2), written by\n"+
		"you at the TODO(you) markers (hints in 05-poll/exercise/hints.md).\n\n")
	flag.PrintDefaults()
}

// printTry tells the reader what to run against the server just started.
func printTry(addr string, delay time.Duration, workers int) {
	model := fmt.Sprintf("one poll loop, the app on up to %d workers", workers)
	if workers == 0 {
		model = "one poll loop, the app inline in the loop"
	}
	fmt.Printf("05-poll exercise: serving http://%s/, %s (Ctrl-C stops)\n", addr, model)
	fmt.Printf("try:  curl -i http://%s/hello        (answers after -delay %v)\n", addr, delay)
}
