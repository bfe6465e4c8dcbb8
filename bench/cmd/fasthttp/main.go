// Fasthttp serves the article's Hello with valyala/fasthttp, one of the Go
// servers a reader would pick instead of writing their own: a peer in
// bench. fasthttp has its own handler type, not net/http's, so it cannot
// run the shared App: its handler sleeps -delay and answers 200
// "Hello World" as text/plain, as apps.Hello does, and bench's table says
// so.
//
// It takes the flags every stage takes:
//
//	go run ./bench/cmd/fasthttp -addr 127.0.0.1:8888 -delay 200ms
//
// and stops gracefully on SIGINT or SIGTERM, exiting 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// Timeouts of the server, the same order as the stages use.
const (
	readTimeout   = 10 * time.Second // a request's head and body
	idleTimeout   = 60 * time.Second // idle keep-alive connections
	shutdownGrace = 5 * time.Second  // in-flight requests at shutdown
)

// maxConns lifts fasthttp's default of 256 Ki connections out of the way
// of the c10k workload (the stages have no such limit).
const maxConns = 1 << 20

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "listen `address`")
	delay := flag.Duration("delay", 200*time.Millisecond, "how long /hello sleeps before it answers")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("fasthttp: %v", err)
	}
	fmt.Printf("fasthttp: serving /hello on http://%s (delay %v); try: curl http://%s/hello\n", l.Addr(), *delay, l.Addr())
	if err := serve(ctx, l, *delay); err != nil {
		log.Fatal(err)
	}
}

// hello is apps.Hello written as a fasthttp handler: GET or HEAD /hello
// sleeps delay and answers "Hello World"; anything else is 404.
func hello(delay time.Duration) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if string(ctx.Path()) != "/hello" {
			ctx.Error("404 page not found", fasthttp.StatusNotFound)
			return
		}
		if !ctx.IsGet() && !ctx.IsHead() {
			ctx.Error("405 method not allowed", fasthttp.StatusMethodNotAllowed)
			ctx.Response.Header.Set("Allow", "GET, HEAD") // after Error, which resets the headers
			return
		}
		if delay > 0 {
			time.Sleep(delay)
		}
		ctx.SetContentType("text/plain")
		ctx.SetBodyString("Hello World")
	}
}

// serve serves hello on l until ctx is done, then shuts down gracefully.
func serve(ctx context.Context, l net.Listener, delay time.Duration) error {
	srv := &fasthttp.Server{
		Handler:     hello(delay),
		Name:        "fasthttp",
		ReadTimeout: readTimeout,
		IdleTimeout: idleTimeout,
		Concurrency: maxConns,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("fasthttp: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.ShutdownWithContext(sctx); err != nil {
		return fmt.Errorf("fasthttp: shutdown: %w", err)
	}
	return nil
}
