// Nbio serves the shared apps with lesismal/nbio, an epoll-based Go server
// like stage 06 and one a reader would pick instead of writing their own:
// a peer in bench. nbio's HTTP engine takes a net/http Handler, so it runs
// the very same App (apps.Mux, with Hello at /hello) through
// nethttp.ToHandler; its handlers run in a goroutine pool, its connections
// are held by epoll loops without a goroutine each.
//
// It takes the flags every stage takes:
//
//	go run ./bench/cmd/nbio -addr 127.0.0.1:8888 -delay 200ms
//
// and stops gracefully on SIGINT or SIGTERM, exiting 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/lesismal/nbio/nbhttp"

	"lbws/shared/apps"
	"lbws/shared/gateway/nethttp"
)

// Settings of the engine.
const (
	keepaliveTime = 60 * time.Second // idle keep-alive connections
	shutdownGrace = 5 * time.Second  // in-flight requests at shutdown
	// maxLoad lifts nbio's default cap of 10,000 connections out of the
	// way of the c10k workload (the stages have no such limit).
	maxLoad = 1 << 20
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "listen `address`")
	delay := flag.Duration("delay", 200*time.Millisecond, "how long /hello sleeps before it answers")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, *delay); err != nil {
		log.Fatal(err)
	}
}

// serve serves apps.Mux(delay) on addr until ctx is done, then shuts down
// gracefully.
func serve(ctx context.Context, addr string, delay time.Duration) error {
	engine := nbhttp.NewEngine(nbhttp.Config{
		Network:       "tcp",
		Addrs:         []string{addr},
		Handler:       nethttp.ToHandler(apps.Mux(delay)),
		KeepaliveTime: keepaliveTime,
		MaxLoad:       maxLoad,
	})
	if err := engine.Start(); err != nil {
		return fmt.Errorf("nbio: %w", err)
	}
	fmt.Printf("nbio: serving apps.Mux on http://%s (hello delay %v); try: curl http://%s/hello\n", addr, delay, addr)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := engine.Shutdown(sctx); err != nil {
		return fmt.Errorf("nbio: shutdown: %w", err)
	}
	return nil
}
