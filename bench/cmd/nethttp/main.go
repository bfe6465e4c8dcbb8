// Nethttp serves the shared apps with Go's net/http, the reference peer
// that bench compares the stages with: the very same App (apps.Mux, with
// Hello at /hello) reaches net/http through nethttp.ToHandler, so any
// difference in the numbers comes from the server, not the application.
//
// It takes the flags every stage takes:
//
//	go run ./bench/cmd/nethttp -addr 127.0.0.1:8888 -delay 200ms
//
// and stops gracefully on SIGINT or SIGTERM (in-flight requests get up to
// five seconds), exiting 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"lbws/shared/apps"
	"lbws/shared/gateway/nethttp"
)

// Timeouts of the server, the same order as the stages use.
const (
	readHeaderTimeout = 10 * time.Second // slow clients (slowloris)
	idleTimeout       = 60 * time.Second // idle keep-alive connections
	shutdownGrace     = 5 * time.Second  // in-flight requests at shutdown
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "listen `address`")
	delay := flag.Duration("delay", 200*time.Millisecond, "how long /hello sleeps before it answers")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("nethttp: %v", err)
	}
	fmt.Printf("nethttp: serving apps.Mux on http://%s (hello delay %v); try: curl http://%s/hello\n", l.Addr(), *delay, l.Addr())
	if err := serve(ctx, l, *delay); err != nil {
		log.Fatal(err)
	}
}

// serve serves apps.Mux(delay) on l until ctx is done, then shuts down
// gracefully.
func serve(ctx context.Context, l net.Listener, delay time.Duration) error {
	srv := &http.Server{
		Handler:           nethttp.ToHandler(apps.Mux(delay)),
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("nethttp: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("nethttp: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("nethttp: %w", err)
	}
	return nil
}
