// Command 04-select is the article's non-blocking server rebuilt on
// select(2): one goroutine, one readiness loop, many connections. It
// watches the listening socket, a wake-up pipe and every connection with
// select, and reads, writes, accepts and closes without ever blocking.
// Every system call of the model is in this directory, in the order it
// runs: server.go (serve, the turn around select, the fd_sets), accept.go
// (accept4 until EAGAIN, the pause when out of descriptors), fdset.go
// (FD_SETSIZE and the held connection), conn.go (drive, read, write,
// close). What the bytes mean is the shared HTTP connection, a sans-I/O
// state machine (lbws/shared/loop): the loop passes it what it read,
// writes what it gives, and asks it what it wants next.
//
// Run it from the repository root and try it:
//
//	go run ./04-select                      # listens on 127.0.0.1:8888
//	curl -i http://127.0.0.1:8888/hello     # 200 "Hello World" after 200 ms
//	curl -i --data-binary @go.work http://127.0.0.1:8888/echo
//	./04-select/wrk.sh                      # the article's load test
//	go run ./04-select -workers 0           # the app inline, as the article does
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
// What it teaches: readiness. select tells the loop which descriptors can
// be read or written without blocking, so one goroutine can serve
// thousands of connections, each costing a few hundred bytes while it is
// idle. It does not make the app faster: the article's select server
// calls the app inside the loop, so while /hello sleeps 200 ms nothing
// else happens, and it answers at most 5 requests a second, like 02.
// -workers 0 shows that. By default the app runs on a bounded pool of
// worker goroutines instead, which hand their responses back to the loop
// and wake it through a pipe; then 1000 connections get 5000 requests a
// second (Little's law: 1000 / 0.2 s).
//
// select's own limits show too: every call passes the whole set of
// descriptors and the kernel scans it (O(n) per call), and an fd_set
// holds only descriptors below FD_SETSIZE, 1024. When every descriptor
// below it is taken (wrk -c 1100), the server stops accepting and the
// kernel's listen queue holds the new connections until one closes; it
// logs that once a second at most. 05-poll lifts that limit.
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
	cfg := loop.FlagConfig("04-select", &f, *workers)

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
	fmt.Fprintf(out, "usage: 04-select [flags]\n\n")
	fmt.Fprintf(out, "The article's non-blocking server on select(2): one readiness loop for\n"+
		"every connection, the app on a pool of workers (or inline with -workers 0).\n\n")
	flag.PrintDefaults()
}

// printTry tells the reader what to run against the server just started.
func printTry(addr string, delay time.Duration, workers int) {
	model := fmt.Sprintf("one select loop, the app on up to %d workers", workers)
	if workers == 0 {
		model = "one select loop, the app inline in the loop"
	}
	stage.PrintTry("04-select", addr, model, delay)
}
