// Command 05-poll is 04-select with poll(2) in place of select(2): the
// same files (server.go, accept.go, conn.go), the same shared connection
// state machine (lbws/shared/loop), the same flags. Only the readiness
// API changed: `diff 04-select/server.go 05-poll/server.go` and `diff
// 04-select/conn.go 05-poll/conn.go` show all of it, and 04's fdset.go
// (FD_SETSIZE) has no counterpart here.
//
// Run it from the repository root and try it:
//
//	go run ./05-poll                        # listens on 127.0.0.1:8888
//	curl -i http://127.0.0.1:8888/hello     # 200 "Hello World" after 200 ms
//	curl -i --data-binary @go.work http://127.0.0.1:8888/echo
//	./05-poll/wrk.sh                        # the article's load test
//	go run ./05-poll -workers 0             # the app inline, as the article does
//
// Flags:
//
//	-addr host:port        where to listen (default 127.0.0.1:8888)
//	-delay d               how long /hello sleeps (default 200ms, the article's time.sleep(0.2))
//	-v                     log one line per request: client, method, path, status, bytes, time
//	-workers n             goroutines that run the app (default 10000); 0 runs it inside the loop
//	-header-timeout d      a request head must arrive within d (default 5s, else 408)
//	-body-timeout d        its body within d of the head (default 10s, else 408)
//	-write-timeout d       a client must take some of its response within d (default 10s)
//	-idle-timeout d        a keep-alive connection may wait d for its next request (default 30s)
//	-shutdown d            at SIGINT or SIGTERM, wait d for the requests in flight (default 5s)
//	-h                     this help
//
// What it teaches: poll takes an array of (descriptor, events) pairs
// instead of three bitmaps, so it has no FD_SETSIZE: a connection on
// descriptor 5000 is watched like one on 5. What it keeps from select is
// the cost: poll remembers nothing between calls, so every turn passes
// the whole array to the kernel, which checks every descriptor, and the
// loop scans every revents afterwards. With 10,000 connections of which
// one is active, each wake-up still costs 10,000 checks. 06-epoll keeps
// the interest in the kernel instead.
//
// As in 04, the app runs on a bounded pool of worker goroutines that
// wake the loop through a pipe (-workers 0 runs it inline: 5 requests a
// second with a 200 ms app).
//
// SIGINT or SIGTERM stops accepting, closes idle connections, lets the
// requests in flight finish (for up to -shutdown), and exits with status
// 0; a second signal exits at once.
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
	cfg := loop.FlagConfig("05-poll", &f, *workers)

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
	fmt.Fprintf(out, "usage: 05-poll [flags]\n\n")
	fmt.Fprintf(out, "The non-blocking server on poll(2): one readiness loop for every\n"+
		"connection, no FD_SETSIZE limit, the app on a pool of workers (or inline\n"+
		"with -workers 0).\n\n")
	flag.PrintDefaults()
}

// printTry tells the reader what to run against the server just started.
func printTry(addr string, delay time.Duration, workers int) {
	model := fmt.Sprintf("one poll loop, the app on up to %d workers", workers)
	if workers == 0 {
		model = "one poll loop, the app inline in the loop"
	}
	stage.PrintTry("05-poll", addr, model, delay)
}
