// Command exercise is chapter 03's exercise: the process-per-connection
// server of docs/03-fork.md, written by you. It compiles as given and
// serves nothing yet: starting a child for each connection (this
// program again, with the connection as file descriptor 3), serving
// descriptor 3 in the child, and reaping the children that exit (SIGCHLD,
// wait4) are yours to write, at the TODO(you) markers in children.go and
// child.go. hints.md has hints for each, from a nudge to the stage's
// own code; ../ (the stage) is a finished solution, with more (a bound
// on the children, -prefork, a pipe that tells children their parent is
// gone).
//
// Run it and grade it from the repository root:
//
//	go run ./03-fork/exercise          # listens on 127.0.0.1:8888
//	curl -i http://127.0.0.1:8888/hello
//	go run ./shared/cmd/grade 03       # builds, starts and checks it
//
// It takes the flags of 02 and -idle-timeout (see -h). What is given:
// the flags, the listening socket, the first line of output (the grader
// reads the address from it), the accept loop, the request loop a child
// runs on its connection (lbws/shared/stage/blocking, with keep-alive:
// the child owns its connection, so waiting for the next request blocks
// nobody else), and the shutdown: at SIGINT or SIGTERM the parent stops
// accepting and sends SIGTERM to every child it has not reaped, each
// child finishes the request in progress and exits, and the parent waits
// for them (for up to -shutdown) before it exits. (The stage's children
// ignore SIGTERM: its parent closes a pipe they watch instead; see "Your
// turn" in docs/03-fork.md.)
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"

	"lbws/shared/apps"
	"lbws/shared/gateway"
	"lbws/shared/sock"
	"lbws/shared/stage"
	"lbws/shared/stage/blocking"
)

// name prefixes the log lines.
const name = "03-fork exercise"

// The environment variables the parent sets for a child: childEnv says
// "you are a child, serve fd 3" (main checks it first), peerEnv is the
// client's address, for the log and REMOTE_ADDR.
const (
	childEnv = "LBWS_03_EXERCISE_CHILD"
	peerEnv  = "LBWS_03_EXERCISE_PEER"
)

// connFd is the descriptor a child finds its connection on:
// exec.Cmd.ExtraFiles[0] becomes descriptor 3 in the child (0, 1 and 2
// are standard input, output and error).
const connFd = 3

func main() {
	var f stage.Flags
	f.Register(flag.CommandLine)
	f.RegisterHTTP(flag.CommandLine)
	f.RegisterIdle(flag.CommandLine)
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if os.Getenv(childEnv) != "" {
		// A child: the same program, the same flags, another job.
		logger := log.New(os.Stderr, name+"["+strconv.Itoa(os.Getpid())+"]: ", 0)
		err := stage.Run(logger, "finishing the request in progress", f.Shutdown,
			func(stop <-chan struct{}) error { return serveChild(stop, f, logger) })
		if err != nil {
			logger.Fatal(err)
		}
		return
	}
	logger := log.New(os.Stderr, name+": ", 0)
	lfd, err := sock.Listen(f.Addr)
	if err != nil {
		logger.Fatal(err)
	}
	local, err := sock.LocalAddr(lfd)
	if err != nil {
		logger.Fatal(err)
	}
	err = stage.Run(logger, "stopping accept, letting every child finish its request, then exiting", f.Shutdown+f.Shutdown/2,
		func(stop <-chan struct{}) error {
			fmt.Printf("%s: serving http://%s/, a process per connection (pid %d, Ctrl-C stops)\n", name, local, os.Getpid())
			fmt.Printf("try:  curl -i http://%s/hello\n", local)
			fmt.Printf("      ps -o pid,ppid,stat,args --ppid %d\n", os.Getpid())
			return serve(stop, lfd, f, logger)
		})
	if err != nil {
		logger.Fatal(err)
	}
}

// newBlocking returns the request loop a child runs on its connection,
// the one on descriptor fd, with the settings of the flags f.
func newBlocking(fd int, f stage.Flags, logger *log.Logger) (*blocking.Server, error) {
	local, err := sock.LocalAddr(fd)
	if err != nil {
		return nil, fmt.Errorf("descriptor %d from the parent: %w", fd, err)
	}
	host, port, err := sock.SplitHostPort(local)
	if err != nil {
		return nil, fmt.Errorf("local address %q: %w", local, err)
	}
	return &blocking.Server{
		// Each request runs in a process of its own.
		Gateway:       gateway.Server{App: apps.Mux(f.Delay), Name: host, Port: port, Multiprocess: true, Log: logger},
		KeepAlive:     true,
		HeaderTimeout: f.HeaderTimeout,
		BodyTimeout:   f.BodyTimeout,
		BodyBuffer:    f.BodyBuffer,
		IdleTimeout:   f.IdleTimeout,
		WriteTimeout:  f.WriteTimeout,
		Verbose:       f.Verbose,
		Log:           logger,
	}, nil
}
