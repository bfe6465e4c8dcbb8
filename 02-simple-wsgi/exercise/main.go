// Command exercise is chapter 02's exercise: the iterative HTTP server of
// docs/02-simple-wsgi.md, written by you. It compiles as given and
// serves nothing yet: the accept loop and the exchange on each
// connection (read one request, run the app through the gateway, answer,
// close) are yours to write, in serve.go, at the TODO(you) markers.
// hints.md has hints for each, from a nudge to the stage's own code; ../
// (the stage) is a finished solution.
//
// Run it and grade it from the repository root:
//
//	go run ./02-simple-wsgi/exercise          # listens on 127.0.0.1:8888
//	curl -i http://127.0.0.1:8888/hello
//	go run ./shared/cmd/grade 02              # builds, starts and checks it
//
// It takes the stage's flags (-addr, -delay, -header-timeout,
// -body-timeout, -write-timeout, -shutdown, -v; see -h). The three
// timeouts reach your exchange as s.cfg.HeaderTimeout, BodyTimeout and
// WriteTimeout: the head and the body must arrive in time (else 408),
// and the response must be written in time. -body-buffer is accepted
// and ignored: the exercise reads the whole body before the app runs.
// What is given: the flags, the listening socket (chapter 01's calls, in
// shared/sock), the first line of output (the grader reads the address
// from it), the application (apps.Mux: /hello, /echo, /environ), and the
// shutdown: at SIGINT or SIGTERM the listener is closed, which ends your
// accept loop with sock.ErrClosed once the connection in progress is
// done.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"lbws/shared/apps"
	"lbws/shared/sock"
	"lbws/shared/stage"
)

func main() {
	var f stage.Flags
	f.Register(flag.CommandLine)
	f.RegisterHTTP(flag.CommandLine)
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	cfg := config{
		App:           apps.Mux(f.Delay),
		HeaderTimeout: f.HeaderTimeout,
		BodyTimeout:   f.BodyTimeout,
		WriteTimeout:  f.WriteTimeout,
		Verbose:       f.Verbose,
		Log:           log.New(os.Stderr, "02-simple-wsgi exercise: ", 0),
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
			fmt.Printf("02-simple-wsgi exercise: serving http://%s/, one connection at a time (Ctrl-C stops)\n", local)
			fmt.Printf("try:  curl -i http://%s/hello\n", local)
			return serve(stop, lfd, cfg)
		})
	if err != nil {
		cfg.Log.Fatal(err)
	}
}
