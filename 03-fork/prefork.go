package main

import (
	"io"
	"log"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// respawnPause is how long the parent waits before it replaces a worker
// that failed within respawnPause of starting: a worker that cannot
// start at all (a broken binary, no memory) must not make the parent
// spin.
const respawnPause = time.Second

// !+prefork

// servePrefork starts cfg.Prefork workers that share the listening
// socket lfd and keeps that many running, replacing every worker that
// exits (-max-requests) or dies, until stop is closed. Then it stops
// accepting, tells the workers to finish, reaps them and returns nil. It owns lfd and closes it.
func servePrefork(stop <-chan struct{}, lfd int, cfg config) error {
	if cfg.Log == nil {
		cfg.Log = log.New(io.Discard, "", 0)
	}
	listener := os.NewFile(uintptr(lfd), "listening socket")
	defer listener.Close()
	// Workers alive plus exits not yet handled never exceed cfg.Prefork:
	// the reaper never waits on this channel.
	exits := make(chan exit, cfg.Prefork)
	kids, err := newChildren(roleWorker, cfg, cfg.Log, func(e exit) { exits <- e })
	if err != nil {
		return err
	}
	defer kids.close()
	p := &parent{cfg: cfg, kids: kids, log: cfg.Log}
	missing := cfg.Prefork
	var pause <-chan time.Time
	for {
		for ; pause == nil && missing > 0; missing-- {
			pid, err := kids.start(listener)
			if err != nil {
				p.log.Printf("%v; trying again in %v", err, respawnPause)
				pause = time.After(respawnPause)
				break
			}
			if cfg.Verbose {
				p.log.Printf("worker %d started", pid)
			}
		}
		select {
		case <-stop:
			stopAccepting(lfd)
			return p.finish()
		case e := <-exits:
			missing++
			if e.abnormal() && e.lived < respawnPause && pause == nil {
				pause = time.After(respawnPause)
			}
		case <-pause:
			pause = nil
		}
	}
}

// !-prefork

// stopAccepting shuts the shared listening socket down. On Linux that
// wakes every worker waiting in accept at once (accept fails with EINVAL)
// and makes the kernel refuse new connections; elsewhere it may fail,
// and the workers stop when the parent pipe closes (see stopAll).
func stopAccepting(lfd int) {
	unix.Shutdown(lfd, unix.SHUT_RD)
}
