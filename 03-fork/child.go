package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"lbws/shared/apps"
	"lbws/shared/gateway"
	"lbws/shared/sock"
	"lbws/shared/stage/blocking"
)

// child runs this process as a child in role, with the settings its
// parent passed in args.
func child(role string, args []string) error {
	log.SetPrefix(name + "[" + strconv.Itoa(os.Getpid()) + "]: ")
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	fs := flag.NewFlagSet(name+" child", flag.ContinueOnError)
	var f flags
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := f.config()
	cfg.Log = log.Default()
	switch role {
	case roleConn:
		// A per-connection child catches no signal: os/signal would cost
		// every connection a goroutine blocked on a thread of its own, a
		// tenth of a child's start (BenchmarkReexec). The parent stops its
		// children through the parent pipe, which also reports its death
		// on every Unix, so SIGTERM, SIGINT and parentDeathSignal are
		// ignored: the request in progress still finishes. SIGKILL ends
		// such a child at once.
		signal.Ignore(syscall.SIGTERM, syscall.SIGINT)
		if parentDeathSignal != 0 {
			signal.Ignore(parentDeathSignal)
		}
		return runChild(cfg, false, func(stop <-chan struct{}) error { return serveConn(stop, cfg) })
	case roleWorker:
		return runChild(cfg, true, func(stop <-chan struct{}) error { return serveWorker(stop, cfg) })
	}
	return fmt.Errorf("%s=%q: not a role this program knows", roleEnv, role)
}

// runChild runs serve until it returns. The parent stopping or gone (see
// watchParent) or, if catch, SIGTERM or SIGINT closes serve's stop
// channel; serve then finishes the request in progress. A signal after
// that ends the child at once; news of the parent's end does not: it is
// one event, however many times it is told. The parent kills a child still busy
// after cfg.Shutdown; an orphan gives up by itself a second later.
func runChild(cfg config, catch bool, serve func(stop <-chan struct{}) error) error {
	sigc := make(chan os.Signal, 2)
	if catch {
		signal.Notify(sigc, syscall.SIGTERM, syscall.SIGINT)
	}
	orphaned := watchParent(catch)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- serve(stop) }()
	select {
	case err := <-done:
		return err
	case <-sigc:
	case <-orphaned:
	}
	close(stop)
	var deadline <-chan time.Time
	if cfg.Shutdown > 0 {
		deadline = time.After(cfg.Shutdown + time.Second)
	}
	select {
	case err := <-done:
		return err
	case sig := <-sigc:
		return fmt.Errorf("%v again: exiting without finishing the request", sig)
	case <-deadline:
		return fmt.Errorf("request still in progress %v after being told to stop: exiting", cfg.Shutdown+time.Second)
	}
}

// !+watchparent

// watchParent returns a channel that is closed when the parent is gone or
// stopping. The parent holds the only write end of the pipe whose read
// end is this child's parentFd and never writes to it, so a read returns
// only when the parent closes it (see children.stopAll) or exits, however
// it died: with end of file. This works on every Unix. Linux also sends
// parentDeathSignal when the parent dies (see sysProcAttr): the same
// news, so, if catch, it closes the same channel, once, and is never
// mistaken for a second request to stop.
func watchParent(catch bool) <-chan struct{} {
	gone := make(chan struct{})
	var once sync.Once
	tell := func() { once.Do(func() { close(gone) }) }
	go func() {
		f := os.NewFile(parentFd, "parent pipe")
		var b [1]byte
		f.Read(b[:])
		tell()
	}()
	if catch && parentDeathSignal != 0 {
		died := make(chan os.Signal, 1)
		signal.Notify(died, parentDeathSignal)
		go func() {
			<-died
			tell()
		}()
	}
	return gone
}

// !-watchparent

// serveConn serves the connection on connFd, with keep-alive, until the
// client is done, it stays idle too long, or stop is closed.
func serveConn(stop <-chan struct{}, cfg config) error {
	srv, err := newBlocking(cfg, true)
	if err != nil {
		return err
	}
	c := blocking.NewConn(sock.NewConn(connFd, os.Getenv(peerEnv)))
	done := make(chan struct{})
	go func() {
		select {
		case <-stop:
			c.Stop() // the request in progress finishes; an idle connection ends now
		case <-done:
		}
	}()
	srv.ServeConn(c)
	close(done)
	return c.Close()
}

// newBlocking returns the request loop that serves a child's
// connections, for the socket on connFd (the connection or the listener).
func newBlocking(cfg config, keepAlive bool) (*blocking.Server, error) {
	local, err := sock.LocalAddr(connFd)
	if err != nil {
		return nil, fmt.Errorf("fd %d from the parent: %w", connFd, err)
	}
	host, port, err := sock.SplitHostPort(local)
	if err != nil {
		return nil, fmt.Errorf("local address %q: %w", local, err)
	}
	return &blocking.Server{
		// Every request runs in a process of its own: wsgi.multiprocess
		// is true, wsgi.multithread false.
		Gateway:       gateway.Server{App: app(cfg.Delay), Name: host, Port: port, Multiprocess: true, Log: cfg.Log},
		KeepAlive:     keepAlive,
		HeaderTimeout: cfg.HeaderTimeout,
		BodyTimeout:   cfg.BodyTimeout,
		BodyBuffer:    cfg.BodyBuffer,
		IdleTimeout:   cfg.IdleTimeout,
		WriteTimeout:  cfg.WriteTimeout,
		Verbose:       cfg.Verbose,
		Log:           cfg.Log,
	}, nil
}

// app is what the children serve: apps.Mux, and /pid, which answers with
// the id of the process that served the request, so the reader (and the
// tests) can see which process that was.
func app(delay time.Duration) gateway.App {
	mux := apps.Mux(delay)
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	headers := []gateway.Header{
		{Name: "Content-Type", Value: "text/plain"},
		{Name: "Content-Length", Value: strconv.Itoa(len(pid))},
	}
	return func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		if env.PathInfo != "/pid" {
			return mux(env, start)
		}
		if _, err := start("200 OK", headers, nil); err != nil {
			return nil
		}
		return gateway.Bytes(pid)
	}
}
