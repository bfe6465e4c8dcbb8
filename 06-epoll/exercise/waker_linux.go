//go:build linux

package main

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"

	"lbws/shared/loop"
)

// !+eventfd

// eventfdWaker wakes the loop through an eventfd(2): a 64-bit counter in
// the kernel that is readable while it is not zero. It is one descriptor
// instead of a pipe's two, and however many wake-ups are written, one
// 8-byte read consumes them all.
type eventfdWaker struct {
	fd int // the eventfd, non-blocking
}

// newEventfdWaker returns a loop.Waker made of a non-blocking eventfd.
func newEventfdWaker() (loop.Waker, error) {
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	return &eventfdWaker{fd: fd}, nil
}

// Fd returns the eventfd.
func (e *eventfdWaker) Fd() int { return e.fd }

// Wake adds 1 to the counter. EAGAIN means the counter is at its
// maximum: it is readable already.
func (e *eventfdWaker) Wake() error {
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	for {
		_, err := unix.Write(e.fd, one[:])
		switch err {
		case nil, unix.EAGAIN:
			return nil
		case unix.EINTR:
			continue
		}
		return fmt.Errorf("wake: %w", err)
	}
}

// Drain reads the counter, which resets it to zero.
func (e *eventfdWaker) Drain() error {
	var buf [8]byte
	for {
		_, err := unix.Read(e.fd, buf[:])
		switch err {
		case nil, unix.EAGAIN:
			return nil
		case unix.EINTR:
			continue
		}
		return fmt.Errorf("drain eventfd: %w", err)
	}
}

// !-eventfd

// Close closes the eventfd.
func (e *eventfdWaker) Close() error {
	if err := unix.Close(e.fd); err != nil {
		return fmt.Errorf("close eventfd: %w", err)
	}
	return nil
}
