// Command hold opens N connections to a server on this machine, sends a
// request on each and reads its response, then holds them all open and
// idle: the C10K experiments of chapters 03, 05 and 06 (how does a server
// serve others while thousands of keep-alive clients sit there, and what
// does each cost it?).
//
// Usage:
//
//	go run ./shared/cmd/hold [flags]
//
//	-addr host:port   the server (default 127.0.0.1:8888); loopback only
//	-n count          how many connections to hold (default 100)
//	-d duration       how long to hold them; 0 holds until SIGINT (default 0)
//	-path path        the GET sent on each before it is held (default /hello);
//	                  "" sends nothing: the connections are held silent
//
// It prints one line when every connection is held ("held 100
// connections to 127.0.0.1:8888, idle after GET /hello") and one when it
// lets them go, and exits with status 0 at the end of -d or at SIGINT or
// SIGTERM; 1 if a connection or its response fails (it says which), 2 on
// a usage error. More connections than `ulimit -n` allows need a higher
// limit first.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"lbws/shared/hold"
)

// config is what run needs; main fills it from the flags.
type config struct {
	Addr string        // the server, a loopback host:port
	N    int           // connections to hold
	Path string        // GET this on each before holding it; "": send nothing
	Hold time.Duration // how long to hold them; 0: until ctx is done
}

func main() {
	var cfg config
	flag.StringVar(&cfg.Addr, "addr", "127.0.0.1:8888", "the server, `host:port` on loopback")
	flag.IntVar(&cfg.N, "n", 100, "how many connections to hold")
	flag.DurationVar(&cfg.Hold, "d", 0, "how long to hold them; 0 holds until SIGINT")
	flag.StringVar(&cfg.Path, "path", "/hello", "the GET sent on each connection before it is held; empty sends nothing")
	flag.Parse()
	if flag.NArg() > 0 || cfg.N < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := hold.CheckLoopback(cfg.Addr); err != nil {
		fmt.Fprintln(os.Stderr, "hold: -addr", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "hold:", err)
		os.Exit(1)
	}
}

// run opens cfg.N connections to cfg.Addr, one after another, each with
// its request answered, prints a line, holds them for cfg.Hold or until
// ctx is done, closes them and prints a second line.
func run(ctx context.Context, cfg config, out io.Writer) error {
	cl := hold.Client{Addr: cfg.Addr, Path: cfg.Path}
	start := time.Now()
	held, err := cl.Open(ctx, cfg.N)
	defer hold.CloseAll(held)
	switch {
	case ctx.Err() != nil:
		return nil // interrupted while opening: let go of what is held
	case err != nil:
		return err
	}
	what := "silent (no request sent)"
	if cfg.Path != "" {
		what = "idle after GET " + cfg.Path
	}
	fmt.Fprintf(out, "held %d connections to %s, %s, opened in %v\n",
		len(held), cfg.Addr, what, time.Since(start).Round(time.Millisecond))
	var timeout <-chan time.Time
	if cfg.Hold > 0 {
		t := time.NewTimer(cfg.Hold)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ctx.Done():
	case <-timeout:
	}
	fmt.Fprintf(out, "let go of %d connections\n", len(held))
	return nil
}
