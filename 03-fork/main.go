// Command 03-fork is the article's multi-process server rebuilt honestly:
// the parent accepts a connection and hands it to a new process of its
// own, which serves every request on that connection while the parent
// goes straight back to accept. With -prefork N it is gunicorn's sync
// model instead: N long-lived worker processes share the listening
// socket and each serves one connection at a time.
//
// Run it from the repository root and try it:
//
//	go run ./03-fork                        # listens on 127.0.0.1:8888
//	curl -i http://127.0.0.1:8888/hello     # 200 "Hello World" after 200 ms
//	curl http://127.0.0.1:8888/pid http://127.0.0.1:8888/pid   # one process, both requests
//	curl http://127.0.0.1:8888/pid; curl http://127.0.0.1:8888/pid  # two processes
//	ps -o pid,ppid,stat,args --ppid $(pgrep -n 03-fork)   # the children now
//	go run ./03-fork -reap=false            # then the ps line above shows zombies (Z)
//	go run ./03-fork -prefork 8             # gunicorn -w 8, sync workers
//	./03-fork/wrk.sh                        # the article's load test
//
// Flags:
//
//	-addr host:port        where to listen (default 127.0.0.1:8888)
//	-delay d               how long /hello sleeps (default 200ms, the article's time.sleep(0.2))
//	-v                     log one line per request (from the child that served it)
//	-header-timeout d      a request head must arrive within d (default 5s)
//	-body-timeout d        its body must arrive within d of the head (default 10s)
//	-write-timeout d       each write of a response must finish within d (default 10s)
//	-idle-timeout d        a child closes a kept-alive connection idle for d (default 30s)
//	-shutdown d            at SIGINT or SIGTERM, wait up to d for children to finish (default 5s)
//	-max-children n        live children at most; more connections get 503 (default 1024; 0: no bound)
//	-reap=false            never wait for finished children: watch the zombies pile up
//	-prefork n             n long-lived workers instead of a process per connection
//	-max-requests n        with -prefork, a worker exits after n requests and is replaced (0: never)
//	-h                     this help
//
// # Why Go re-executes itself instead of forking
//
// The article calls os.fork(): the child is a copy of the parent at that
// instant, already holding the accepted socket, and runs on from the
// fork. A Go program cannot do that. The Go runtime runs on several
// threads (the scheduler, the garbage collector, the network poller),
// and fork copies only the thread that called it: the child would wake
// up with a runtime whose other threads, and the locks they held, are
// gone. So Go offers fork only glued to exec (syscall.ForkExec, which
// os/exec uses): the new process starts a fresh program from main.
//
// This stage therefore starts its own binary again (os.Executable) with
// the accepted connection as file descriptor 3 (exec.Cmd.ExtraFiles) and
// an environment variable saying "you are a child, serve fd 3". The
// parent then closes its own copy of the connection, as the article's
// parent does, and accepts the next one. The child runs main again,
// sees the variable, and serves the connection with the same blocking
// request loop as 02-simple-wsgi (lbws/shared/stage/blocking), but with
// keep-alive: it owns its connection, so waiting on it for the next
// request blocks nobody else. It exits when the client closes or stays
// idle for -idle-timeout. The price of exec is that every child
// initialises a whole Go runtime (and every package this program
// imports) instead of sharing the parent's pages copy-on-write: that is
// the cost of every new connection, and BenchmarkReexec measures it.
// Children run with GOMAXPROCS=1 (unless GOMAXPROCS is set), which makes
// that start a little cheaper.
//
// # Zombies, reaping and signals
//
// A child that exits stays in the process table as a zombie until its
// parent collects its exit status with wait. The parent asks for SIGCHLD
// and, on each one, calls wait4(-1, WNOHANG) in a loop until no finished
// child is left: signals of one kind do not queue, so one SIGCHLD may
// stand for many exits (the article's lesson). -reap=false skips that,
// and ps shows the zombies pile up; they count against -max-children,
// so the server ends up answering 503 to everyone, which is the point.
// A signal that interrupts accept is no reason to stop: accept is
// retried on EINTR (lbws/shared/sock).
//
// -max-children bounds the live children. At the bound the parent
// answers 503 itself at once instead of starting yet another process.
// The default, 1024, lets the article's 1000 connections through. The
// parent holds no descriptor per child (it closes its copy of every
// connection), so the limit that matters is the number of processes
// (RLIMIT_NPROC): at start -max-children is lowered to fit under it.
//
// SIGINT or SIGTERM stops accepting and tells every child to finish:
// the parent closes its end of a pipe whose other end every child holds,
// and a child that reads end of file there finishes the request in
// progress (an idle one closes at once) and exits. A pipe rather than
// SIGTERM, because a child still starting up would die of a signal its
// runtime does not yet hand to the program. The parent reaps them all
// and exits with status 0; children still running after -shutdown are
// killed and the exit status is 1; a second signal exits at once. Each
// child has a process group of its own, so Ctrl-C in the terminal, which
// signals the terminal's foreground group, reaches only the parent.
//
// No child outlives its parent, even one killed with SIGKILL, which
// cannot be caught: the same pipe reads end of file once the parent is
// gone, however it died, and on Linux each child also asks the kernel
// for SIGHUP when its parent dies (PR_SET_PDEATHSIG). Both tell the same
// news and count as one stop: the child finishes its request and exits.
// A pre-forked worker catches SIGHUP; a per-connection child ignores it,
// SIGTERM and SIGINT (os/signal would cost every connection a thread) and
// relies on the pipe. Children start with 1 ms of timer slack
// (slack_linux.go), which spares a short-lived Go process most of its
// runtime's early wake-ups.
//
// # -prefork: gunicorn's sync workers
//
// With -prefork N the parent starts N workers up front and passes each
// the listening socket instead of a connection. Every worker loops on
// accept; the kernel gives each connection to one of them. A worker
// serves one request per connection and closes it ("Connection: close",
// as gunicorn's sync worker does), so N workers serve at most N requests
// at a time: with the 200 ms app, N / 0.2 s requests a second, 40 for
// N = 8, however many clients wait. -max-requests recycles a worker
// after that many requests; a worker that exits or dies is replaced.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"lbws/shared/sock"
	"lbws/shared/stage"
)

// name prefixes the stage's log lines and messages.
const name = "03-fork"

func main() {
	if role := os.Getenv(roleEnv); role != "" {
		if err := child(role, os.Args[1:]); err != nil {
			log.Fatal(err)
		}
		return
	}
	var f flags
	f.register(flag.CommandLine)
	flag.Usage = usage
	flag.Parse()
	if flag.NArg() > 0 {
		usage()
		os.Exit(2)
	}
	cfg := f.config()
	cfg.Log = log.New(os.Stderr, name+": ", log.Ltime|log.Lmicroseconds)
	if err := run(f.Addr, cfg); err != nil {
		log.Fatal(err)
	}
}

// run listens on addr and serves until a signal stops it.
func run(addr string, cfg config) error {
	if cfg.Prefork == 0 {
		cfg.MaxChildren = fitProcessLimit(cfg.MaxChildren, cfg.Log)
	}
	lfd, err := sock.Listen(addr)
	if err != nil {
		return err
	}
	local, err := sock.LocalAddr(lfd)
	if err != nil {
		return err
	}
	then := "stopping accept, letting every child finish its request, then exiting"
	// serve bounds its own wait at cfg.Shutdown and then kills the
	// children it still has; Run's deadline, a little later, is the
	// backstop should that hang.
	return stage.Run(cfg.Log, then, cfg.Shutdown+time.Second,
		func(stop <-chan struct{}) error {
			// Printed once the signals are caught: a test (or script)
			// that signals the server as soon as it sees this line gets
			// a clean shutdown.
			printTry(local, cfg)
			return serve(stop, lfd, cfg)
		})
}

// usage prints what the stage teaches and its flags.
func usage() {
	out := flag.CommandLine.Output()
	fmt.Fprintf(out, "usage: 03-fork [flags]\n\n")
	fmt.Fprintf(out, "The article's multi-process server in Go: the parent accepts and hands each\n"+
		"connection to a new process of its own binary, which serves it with keep-alive.\n"+
		"-prefork N runs N long-lived workers that share the listening socket instead\n"+
		"(gunicorn's sync model: at most N requests at a time).\n\n")
	flag.PrintDefaults()
}

// printTry tells the reader what to run against the server just started.
func printTry(addr string, cfg config) {
	host, port, _ := sock.SplitHostPort(addr)
	url := "http://" + addr
	model := "a process per connection"
	if cfg.Prefork > 0 {
		model = fmt.Sprintf("%d prefork workers, one connection each at a time", cfg.Prefork)
	}
	fmt.Printf("%s: serving apps.Mux on %s, %s (pid %d, Ctrl-C stops)\n", name, url, model, os.Getpid())
	fmt.Printf("try:  curl -i %s/hello        (answers after -delay %v)\n", url, cfg.Delay)
	fmt.Printf("      curl %s/pid %s/pid; curl %s/pid   (which process served each)\n", url, url, url)
	fmt.Printf("      ps -o pid,ppid,stat,args --ppid %d\n", os.Getpid())
	fmt.Printf("load: HOST=%s PORT=%s ./03-fork/wrk.sh   (wrk -t8 -c1000 -d60s %s/hello)\n", host, port, url)
}
