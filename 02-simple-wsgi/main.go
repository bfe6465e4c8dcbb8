// Command 02-simple-wsgi is the article's "simple WSGI server" rebuilt
// honestly: an iterative HTTP/1.1 server that accepts one connection,
// reads one whole request with the shared parser, runs the application
// through the shared gateway (Go's WSGI), sends the response with
// "Connection: close", closes, and only then accepts the next connection.
//
// Run it from the repository root and try it:
//
//	go run ./02-simple-wsgi                 # listens on 127.0.0.1:8888
//	curl -i http://127.0.0.1:8888/hello     # 200 "Hello World" after 200 ms
//	curl -i --data-binary @go.work http://127.0.0.1:8888/echo
//	curl -i http://127.0.0.1:8888/environ   # what the gateway passed the app
//	./02-simple-wsgi/wrk.sh                 # the article's load test
//
// Flags:
//
//	-addr host:port        where to listen (default 127.0.0.1:8888)
//	-delay d               how long /hello sleeps (default 200ms, the article's time.sleep(0.2))
//	-v                     log one line per request: client, method, path, status, bytes, time
//	-header-timeout d      a request head must arrive within d of the connection (default 5s)
//	-body-timeout d        its body must arrive within d of the head (default 10s)
//	-write-timeout d       each write of the response must finish within d (default 10s)
//	-shutdown d            at SIGINT or SIGTERM, wait up to d for the request in progress (default 5s)
//	-h                     this help
//
// What it teaches: the shape of every server in this tutorial (listen,
// accept, read a request, call the app, write the response) and the cost
// of doing it one connection at a time. While /hello sleeps 200 ms every
// other client waits in the kernel's listen queue, so the server answers
// at most 1 / 0.2 s = 5 requests per second however many clients there
// are (Little's law: throughput = concurrency / latency, and the
// concurrency of this server is 1). wrk.sh shows it.
//
// Where the article's server is sloppy, this one is careful:
//
//   - It reads until the request is whole, with the shared incremental
//     parser, instead of one recv(1024): a request split across packets
//     or longer than 1 KiB is read in full, a body too.
//   - A malformed request is answered with its status (400, 413, 414,
//     431, 501, 505) and the connection is closed.
//   - One silent client cannot hold the server: the head must arrive
//     within -header-timeout (else 408, logged once), the body within
//     -body-timeout, and a client that does not read its response fails
//     the write after -write-timeout.
//   - Every response says "Connection: close" and the server closes
//     after it: an iterative server that kept a connection open for a
//     second request would make every other client wait for that one.
//   - The app runs behind the gateway's checks: a panic is a 500 and a
//     log line, and the next client is served.
//
// SIGINT or SIGTERM stops accepting, lets the request in progress finish,
// and exits with status 0. If the request is not done within -shutdown, or
// a second signal arrives, the server exits at once with status 1.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"lbws/shared/apps"
	"lbws/shared/sock"
	"lbws/shared/stage"
)

func main() {
	var f stage.Flags
	f.Register(flag.CommandLine)
	f.RegisterHTTP(flag.CommandLine)
	flag.Usage = usage
	flag.Parse()
	if flag.NArg() > 0 {
		usage()
		os.Exit(2)
	}
	cfg := config{
		App:           apps.Mux(f.Delay),
		HeaderTimeout: f.HeaderTimeout,
		BodyTimeout:   f.BodyTimeout,
		BodyBuffer:    f.BodyBuffer,
		WriteTimeout:  f.WriteTimeout,
		Verbose:       f.Verbose,
		Log:           log.New(os.Stderr, "02-simple-wsgi: ", log.Ltime|log.Lmicroseconds),
	}

	lfd, err := sock.Listen(f.Addr)
	if err != nil {
		log.Fatal(err)
	}
	local, err := sock.LocalAddr(lfd)
	if err != nil {
		log.Fatal(err)
	}
	err = stage.Run(cfg.Log, "finishing the request in progress, then exiting", f.Shutdown,
		func(stop <-chan struct{}) error {
			// Printed once the signals are caught: a test (or script)
			// that signals the server as soon as it sees this line gets
			// a clean shutdown.
			printTry(local, f.Delay)
			return serve(stop, lfd, cfg)
		})
	if err != nil {
		log.Fatal(err)
	}
}

// usage prints what the stage teaches and its flags.
func usage() {
	out := flag.CommandLine.Output()
	fmt.Fprintf(out, "usage: 02-simple-wsgi [flags]\n\n")
	fmt.Fprintf(out, "The article's simple WSGI server in Go: an iterative HTTP/1.1 server that\n"+
		"serves one connection at a time, one request per connection, through the\n"+
		"shared gateway. With a 200 ms app it can answer at most 5 requests a second.\n\n")
	flag.PrintDefaults()
}

// printTry tells the reader what to run against the server just started.
func printTry(addr string, delay time.Duration) {
	stage.PrintTry("02-simple-wsgi", addr, "one connection at a time", delay)
}
