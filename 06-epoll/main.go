// Command 06-epoll is the readiness loop on epoll(7), the API Linux
// servers are built on (nginx, Go's own runtime, nbio): the same
// skeleton as 04 and 05, with the interest list kept in the kernel, and
// one loop per core. Every system call of the model is in this
// directory, in the order it runs: server.go (serve, the turn around
// epoll_wait, watch and epoll_ctl), accept.go (accept4 until EAGAIN),
// conn.go (drive, read, write, probe, close), waker_linux.go (the
// eventfd workers wake the loop with), loops.go (SO_REUSEPORT loops).
// The HTTP connection itself is the shared sans-I/O state machine
// (lbws/shared/loop): bytes in, bytes out, and what it wants next.
//
// Run it from the repository root and try it:
//
//	go run ./06-epoll                       # listens on 127.0.0.1:8888
//	curl -i http://127.0.0.1:8888/hello     # 200 "Hello World" after 200 ms
//	curl -i --data-binary @go.work http://127.0.0.1:8888/echo
//	./06-epoll/wrk.sh                       # the article's load test
//	go run ./06-epoll -loops 1 -edge        # one edge-triggered loop
//	go run ./06-epoll -workers 0            # the app inline, as the article does
//
// Flags:
//
//	-addr host:port        where to listen (default 127.0.0.1:8888)
//	-delay d               how long /hello sleeps (default 200ms, the article's time.sleep(0.2))
//	-v                     log one line per request: client, method, path, status, bytes, time
//	-workers n             goroutines that run the app (default 10000); 0 runs it inside the loops
//	-loops n               event loops, each with its own SO_REUSEPORT socket (default: one per core)
//	-edge                  edge-triggered epoll (default level-triggered)
//	-header-timeout d      a request head must arrive within d (default 5s, else 408)
//	-body-timeout d        its body within d of the head (default 10s, else 408)
//	-write-timeout d       a client must take some of its response within d (default 10s)
//	-idle-timeout d        a keep-alive connection may wait d for its next request (default 30s)
//	-shutdown d            at SIGINT or SIGTERM, wait d for the requests in flight (default 5s)
//	-h                     this help
//
// What it teaches: select and poll forget everything between calls, so
// every turn hands the kernel the whole set and scans it again, O(n) per
// wake-up however few connections are active. epoll keeps the interest in
// the kernel (epoll_ctl adds, changes and removes a descriptor once), and
// epoll_wait returns only the ready descriptors: O(ready). The loop calls
// epoll_ctl only when a connection's Want changes, never per event, and
// workers wake it through an eventfd, a single descriptor that one read
// drains however many wake-ups it holds.
//
// Level-triggered (the default) reports a descriptor as long as it is
// ready, like poll. Edge-triggered (-edge) reports it once per change,
// which saves the kernel re-checking it, and demands that the loop read,
// write and accept until EAGAIN every time: a connection whose bytes
// were not all read would never be reported again and would stall
// forever. The loop does exactly that with -edge (read and accept), and
// remembers a connection it stopped reading before EAGAIN (its queue
// was full) to read it once there is room.
//
// -loops n runs n loops on n goroutines, each with its own listening
// socket bound with SO_REUSEPORT to the same port: the kernel spreads new
// connections over them, and each loop owns its connections outright.
// The first socket binds without SO_REUSEPORT, so a port that another
// process holds is refused, "address already in use", as in 04.
// They share the worker pool. With -workers 0 each loop runs the app
// inline, so n loops serve n requests at a time.
//
// epoll is Linux-only: on macOS this stage builds, and says at start that
// kqueue(2) is the counterpart there. Run 05-poll on macOS.
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
	"runtime"
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
	workers := flag.Int("workers", loop.DefaultWorkers, "most goroutines running the app at once; 0 runs it inline in the loops, as the article does")
	loops := flag.Int("loops", runtime.NumCPU(), "event loops, each with its own SO_REUSEPORT listening socket")
	edge := flag.Bool("edge", false, "edge-triggered epoll: read, write and accept until EAGAIN")
	flag.Usage = usage
	flag.Parse()
	if flag.NArg() > 0 || *loops < 1 {
		usage()
		os.Exit(2)
	}
	if err := supported(); err != nil {
		log.Fatal(err)
	}
	cfg := loop.FlagConfig("06-epoll", &f, *workers)

	lfds, err := sock.ListenGroup(f.Addr, *loops)
	if err != nil {
		log.Fatal(err)
	}
	local, err := sock.LocalAddr(lfds[0])
	if err != nil {
		log.Fatal(err)
	}
	printTry(local, f.Delay, cfg.Workers, *loops, *edge)
	err = stage.Run(cfg.Log, "closing idle connections, finishing the requests in flight, then exiting", f.Shutdown,
		func(stop <-chan struct{}) error { return serveLoops(stop, lfds, cfg, *edge) })
	if err != nil {
		log.Fatal(err)
	}
}

// usage prints what the stage teaches and its flags.
func usage() {
	out := flag.CommandLine.Output()
	fmt.Fprintf(out, "usage: 06-epoll [flags]\n\n")
	fmt.Fprintf(out, "The non-blocking server on epoll(7), Linux only: one loop per core, each\n"+
		"with its own SO_REUSEPORT socket, the app on a shared pool of workers (or\n"+
		"inline with -workers 0), level- or edge-triggered.\n\n")
	flag.PrintDefaults()
}

// printTry tells the reader what to run against the server just started.
func printTry(addr string, delay time.Duration, workers, loops int, edge bool) {
	trigger := "level-triggered"
	if edge {
		trigger = "edge-triggered"
	}
	app := fmt.Sprintf("the app on up to %d workers", workers)
	if workers == 0 {
		app = "the app inline in the loops"
	}
	stage.PrintTry("06-epoll", addr, fmt.Sprintf("%d %s epoll loop(s), %s", loops, trigger, app), delay)
}
