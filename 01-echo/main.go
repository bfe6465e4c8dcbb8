// Command 01-echo is the first stage of the tutorial: a TCP echo server
// that talks to the kernel with raw system calls, one connection at a
// time. Every byte a client sends comes back to it, until it closes.
//
// Run it from the repository root and talk to it:
//
//	go run ./01-echo                      # listens on 127.0.0.1:8888
//	nc 127.0.0.1 8888                     # type lines; they come back
//	printf 'hello\n' | nc -N 127.0.0.1 8888
//
// Flags:
//
//	-addr host:port    where to listen (default 127.0.0.1:8888; port 0 picks one)
//	-idle-timeout d    close a connection that sends nothing for d (default 30s)
//	-write-timeout d   each write back must finish within d (default 10s)
//	-v                 log one line per connection (errors are always logged)
//	-shutdown d        at SIGINT or SIGTERM, wait up to d (default 5s)
//	-h                 this help
//
// What it teaches: the life of a server socket. socket(2) makes an
// endpoint, setsockopt(2) sets SO_REUSEADDR so a restart can bind the
// port again at once, bind(2) gives it an address, listen(2) turns it
// into a queue of incoming connections, accept4(2) takes one connection
// off the queue as a new descriptor, read(2) and write(2) move the bytes,
// close(2) ends it. Those calls live in shared/sock (listen.go,
// socket_linux.go, conn.go), which every later stage reuses; this
// directory holds the loop that drives them (serve.go).
//
// Where the article's echo is sloppy, this one is careful:
//
//   - write(2) may take only part of a buffer; the rest is written too.
//   - A signal that interrupts a read or write (EINTR) is retried.
//   - A client that half-closes (shutdown(SHUT_WR), or Ctrl-D in nc)
//     still gets every byte back: the server stops only when it reads
//     end of file, after it has written back everything before it.
//   - A client that resets its connection costs one log line; the server
//     goes on with the next client.
//   - One client cannot hold the server forever: a connection that sends
//     nothing for -idle-timeout is closed, and so is one that stops
//     reading what comes back (a write that cannot finish within
//     -write-timeout).
//
// SIGINT or SIGTERM stops accepting, ends the connection in progress,
// closes the listener and exits with status 0.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"lbws/shared/sock"
	"lbws/shared/stage"
)

func main() {
	var f stage.Flags
	f.Register(flag.CommandLine)
	f.RegisterIdle(flag.CommandLine)
	flag.Usage = usage
	flag.Parse()
	if flag.NArg() > 0 {
		usage()
		os.Exit(2)
	}
	cfg := config{
		IdleTimeout:  f.IdleTimeout,
		WriteTimeout: f.WriteTimeout,
		Verbose:      f.Verbose,
		Log:          log.New(os.Stderr, "01-echo: ", log.Ltime|log.Lmicroseconds),
	}

	lfd, err := sock.Listen(f.Addr)
	if err != nil {
		log.Fatal(err)
	}
	local, err := sock.LocalAddr(lfd)
	if err != nil {
		log.Fatal(err)
	}
	err = stage.Run(cfg.Log, "closing the listener", f.Shutdown,
		func(stop <-chan struct{}) error {
			// Printed once the signals are caught: a test (or script)
			// that signals the server as soon as it sees this line gets
			// a clean shutdown.
			printTry(local)
			return serve(stop, lfd, cfg)
		})
	if err != nil {
		log.Fatal(err)
	}
}

// usage prints what the stage teaches and its flags.
func usage() {
	out := flag.CommandLine.Output()
	fmt.Fprintf(out, "usage: 01-echo [flags]\n\n")
	fmt.Fprintf(out, "A TCP echo server built from raw system calls (socket, bind, listen,\n"+
		"accept4, read, write, close), serving one connection at a time: the first\n"+
		"step of \"Let's Build a WSGI Server\" in Go.\n\n")
	flag.PrintDefaults()
}

// printTry tells the reader how to talk to the server just started.
func printTry(addr string) {
	host, port, _ := sock.SplitHostPort(addr) // nc wants them apart, no brackets
	fmt.Printf("01-echo: echoing on %s, one connection at a time (Ctrl-C stops)\n", addr)
	fmt.Printf("try:  nc %s %s                      (type lines; Ctrl-D half-closes)\n", host, port)
	fmt.Printf("      printf 'hello\\n' | nc -N %s %s   (OpenBSD nc; traditional nc: -q1)\n", host, port)
}
