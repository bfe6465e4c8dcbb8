package main

import (
	"lbws/shared/loop"
)

// serveLoops runs one event loop per listening socket in lfds (a
// SO_REUSEPORT group, see sock.ListenGroup), each on its own goroutine:
// the kernel spreads connections over the sockets, and each loop owns its
// connections, timers and wake-up descriptor outright, with no lock
// between loops. They share one worker pool (unless the app runs inline)
// and stop together: when stop is closed, or when one of them fails. It
// returns the first error.
func serveLoops(stop <-chan struct{}, lfds []int, cfg loop.Config, edge bool) error {
	if cfg.Workers > 0 && cfg.Pool == nil {
		cfg.Pool = loop.NewPool(cfg.Workers, cfg.Queue)
		defer cfg.Pool.Close()
	}
	quit := make(chan struct{}) // closed at stop, or when a loop fails
	failed := make(chan struct{}, 1)
	errc := make(chan error, len(lfds))
	for _, lfd := range lfds {
		go func() {
			err := serve(quit, lfd, cfg, edge)
			if err != nil {
				select {
				case failed <- struct{}{}:
				default:
				}
			}
			errc <- err
		}()
	}
	select {
	case <-stop:
	case <-failed:
	}
	close(quit)
	var first error
	for range lfds {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}
