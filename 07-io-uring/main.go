// Command 07-io-uring is the completion model on io_uring(7): instead of
// asking the kernel which sockets are ready and then reading them (04-06),
// the loop asks it to do the reads, writes, accepts and closes, and is
// told when each is done. It is the same shared HTTP connection as 04-06
// (lbws/shared/loop, bytes in, bytes out, and what it wants next) on one
// loop with one ring. Every system call of the model is in this
// directory: ring_linux.go (io_uring_setup, the mmap'd rings,
// io_uring_enter, the kernel's structures), server_linux.go (serve, the
// turn around io_uring_enter, the op table, the end), accept_linux.go
// (ACCEPT), conn_linux.go (RECV, SEND, SHUTDOWN, ASYNC_CANCEL, CLOSE),
// waker_linux.go (the eventfd a READ waits on), refuse_linux.go (when the
// kernel or a sandbox refuses io_uring).
//
// Run it from the repository root and try it:
//
//	go run ./07-io-uring                    # listens on 127.0.0.1:8888
//	curl -i http://127.0.0.1:8888/hello     # 200 "Hello World" after 200 ms
//	curl -i --data-binary @go.work http://127.0.0.1:8888/echo
//	./07-io-uring/wrk.sh                    # the article's load test
//	go run ./07-io-uring -workers 0         # the app inline, as the article does
//
// Flags:
//
//	-addr host:port        where to listen (default 127.0.0.1:8888)
//	-delay d               how long /hello sleeps (default 200ms, the article's time.sleep(0.2))
//	-v                     log one line per request: client, method, path, status, bytes, time;
//	                       at the end, the operations submitted (ACCEPTs and RECVs among them) and the completions taken
//	-workers n             goroutines that run the app (default 10000); 0 runs it inside the loop
//	-multishot             one multishot ACCEPT, one multishot RECV per connection, a provided buffer ring (below)
//	-header-timeout d      a request head must arrive within d (default 5s, else 408)
//	-body-timeout d        its body within d of the head (default 10s, else 408)
//	-write-timeout d       a client must take some of its response within d (default 10s)
//	-idle-timeout d        a keep-alive connection may wait d for its next request (default 30s)
//	-shutdown d            at SIGINT or SIGTERM, wait d for the requests in flight (default 5s)
//	-h                     this help
//
// What it teaches: readiness (select, poll, epoll) says "you can read
// now", and the loop then makes the read(2) itself: one system call to
// learn, one per operation. A completion API takes the operation itself:
// the loop writes "recv this socket into this buffer" into a submission
// queue in memory it shares with the kernel, and the kernel writes "done,
// 77 bytes" into a completion queue. One io_uring_enter(2) submits
// everything queued since the last and waits for the next completion, so
// a turn of the loop costs one system call however many operations it
// starts. The price: a buffer is the kernel's from the submission of a
// recv until its completion, so every idle connection pins one (4 KiB
// here); a connection's operations in flight must be cancelled, and
// their completions awaited, before its descriptor is closed and its
// number reused; and the ring is one more kernel interface, which is why
// Docker's and containerd's default seccomp profiles block it and the
// sysctl kernel.io_uring_disabled can refuse it (1: only the group in
// kernel.io_uring_group, 2: nobody).
//
// io_uring is Linux-only (5.11 or later here, for io_uring_enter's
// timeout). Where io_uring_setup is refused (ENOSYS, EPERM, EACCES) the
// stage exits with status 1 and a message naming the cause and the
// sysctl; its tests skip with that message. LBWS_URING_REFUSE=EPERM (or
// ENOSYS, EACCES) in the environment makes the stage refuse as if the
// kernel had: the tests use it to check the refusal here.
//
// -multishot (Linux 6.0 or later; default off, the single-shot loop
// above is the lesson) is the next step, in multishot_linux.go. One
// ACCEPT (IORING_ACCEPT_MULTISHOT, Linux 5.19) completes once per
// connection for as long as the loop accepts, instead of once per turn,
// re-armed only when a completion comes without IORING_CQE_F_MORE (an
// error such as EMFILE ends it). Each connection has one RECV
// (IORING_RECV_MULTISHOT, 6.0) for its whole life, which completes each
// time bytes arrive: no submission per read. It names no buffer: the
// kernel takes one from a provided buffer ring (IOSQE_BUFFER_SELECT,
// registered with IORING_REGISTER_PBUF_RING, 5.19) only when the bytes
// arrive, and the loop puts it back once the connection has them. So an
// idle connection pins no buffer: the ring pins 256 buffers of 4 KiB
// (1 MiB) whatever the number of connections. When one turn needs more
// (many clients sending at once), the recvs beyond it end with ENOBUFS
// and are submitted again at the next turn, with every buffer back. A
// connection that stops wanting to read keeps its recv; bytes that
// still come are held for it and the recv is cancelled (see
// receivedMultishot). A kernel without these features answers EINVAL:
// the stage exits with status 1 and says which one is missing
// (LBWS_URING_MULTISHOT_EINVAL=register, accept or recv forces it, for
// the tests).
//
// SIGINT or SIGTERM stops accepting, closes idle connections, lets the
// requests in flight finish (for up to -shutdown), waits for the ring's
// last completions and exits with status 0; a second signal exits at
// once.
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
	multishot := flag.Bool("multishot", false, "one multishot ACCEPT, and one multishot RECV per connection into a provided buffer ring (Linux 6.0)")
	flag.Usage = usage
	flag.Parse()
	if flag.NArg() > 0 {
		usage()
		os.Exit(2)
	}
	if err := supported(); err != nil {
		log.Fatal(err)
	}
	if *multishot {
		if err := supportedMultishot(); err != nil {
			log.Fatal(err)
		}
	}
	cfg := loop.FlagConfig("07-io-uring", &f, *workers)

	lfd, err := sock.Listen(f.Addr)
	if err != nil {
		log.Fatal(err)
	}
	local, err := sock.LocalAddr(lfd)
	if err != nil {
		log.Fatal(err)
	}
	printTry(local, f.Delay, cfg.Workers, *multishot)
	o := options{multishot: *multishot}
	err = stage.Run(cfg.Log, "closing idle connections, finishing the requests in flight, then exiting", f.Shutdown,
		func(stop <-chan struct{}) error { return serve(stop, lfd, cfg, o) })
	if err != nil {
		log.Fatal(err)
	}
}

// usage prints what the stage teaches and its flags.
func usage() {
	out := flag.CommandLine.Output()
	fmt.Fprintf(out, "usage: 07-io-uring [flags]\n\n")
	fmt.Fprintf(out, "The completion-based server on io_uring(7), Linux only: one loop, one ring;\n"+
		"the kernel accepts, receives, sends and closes, and the loop hears when each is\n"+
		"done. The app runs on a pool of workers (or inline with -workers 0).\n\n")
	flag.PrintDefaults()
}

// printTry tells the reader what to run against the server just started.
func printTry(addr string, delay time.Duration, workers int, multishot bool) {
	app := fmt.Sprintf("the app on up to %d workers", workers)
	if workers == 0 {
		app = "the app inline in the loop"
	}
	ring := "1 io_uring loop, "
	if multishot {
		ring = "1 io_uring loop, multishot accept and recv, "
	}
	stage.PrintTry("07-io-uring", addr, ring+app, delay)
}
