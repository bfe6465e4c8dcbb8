//go:build linux

package main

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"

	"lbws/shared/loop"
)

// !+eventfd

// eventfdWaker wakes the loop through an eventfd(2), as 06's does, with
// one difference: the loop keeps a READ of it in flight on the ring
// (server.armWake), so a worker's Wake completes that read, and the
// completion ends the loop's io_uring_enter like any other. The read has
// consumed the counter by then, so Drain has nothing to do.
//
// The eventfd is blocking, like the sockets (see newServer): io_uring
// never blocks the loop on it, and the READ waits for a Wake.
type eventfdWaker struct {
	fd int
}

// newEventfdWaker returns a loop.Waker made of a blocking eventfd.
func newEventfdWaker() (loop.Waker, error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	return &eventfdWaker{fd: fd}, nil
}

// Fd returns the eventfd.
func (e *eventfdWaker) Fd() int { return e.fd }

// Wake adds 1 to the counter, which completes the READ in flight. (A
// write blocks only when the counter would pass 2^64-2: never here.)
func (e *eventfdWaker) Wake() error {
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	for {
		_, err := unix.Write(e.fd, one[:])
		switch err {
		case nil:
			return nil
		case unix.EINTR:
			continue
		}
		return fmt.Errorf("wake: %w", err)
	}
}

// Drain does nothing: the ring's READ consumed the counter.
func (e *eventfdWaker) Drain() error { return nil }

// !-eventfd

// Close closes the eventfd.
func (e *eventfdWaker) Close() error {
	if err := unix.Close(e.fd); err != nil {
		return fmt.Errorf("close eventfd: %w", err)
	}
	return nil
}
