package loop

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Waker lets a worker goroutine wake a loop that is blocked in its
// readiness wait (select, poll, epoll_wait). The loop watches Fd for
// reading; Wake makes it readable; the loop calls Drain when it is.
// Stages 04 and 05 use a self-pipe (NewPipeWaker), 06 an eventfd
// (NewEventfdWaker, Linux only).
//
// The loop coalesces wake-ups: however many workers finish while the loop
// is busy, it is woken once (see Loop.post).
type Waker interface {
	// Fd is the descriptor the loop watches for reading.
	Fd() int
	// Wake makes Fd readable. Any goroutine may call it.
	Wake() error
	// Drain consumes the pending wake-ups, so Fd is no longer readable.
	Drain() error
	// Close releases the descriptors.
	Close() error
}

// pipeWaker is the self-pipe trick: a byte written to the pipe's write
// end makes the read end readable, and select or poll returns.
type pipeWaker struct {
	r, w int // read and write ends, both non-blocking
}

// NewPipeWaker returns a Waker made of a non-blocking pipe.
func NewPipeWaker() (Waker, error) {
	r, w, err := nonblockPipe()
	if err != nil {
		return nil, fmt.Errorf("loop: wake-up pipe: %w", err)
	}
	return &pipeWaker{r: r, w: w}, nil
}

// Fd returns the read end.
func (p *pipeWaker) Fd() int { return p.r }

// Wake writes one byte. A full pipe (EAGAIN) is already readable.
func (p *pipeWaker) Wake() error {
	for {
		_, err := unix.Write(p.w, []byte{1})
		switch err {
		case nil, unix.EAGAIN:
			return nil
		case unix.EINTR:
			continue
		}
		return fmt.Errorf("loop: wake: %w", err)
	}
}

// Drain reads until the pipe is empty.
func (p *pipeWaker) Drain() error {
	var buf [128]byte
	for {
		n, err := unix.Read(p.r, buf[:])
		switch {
		case err == unix.EAGAIN:
			return nil
		case err == unix.EINTR:
			continue
		case err != nil:
			return fmt.Errorf("loop: drain wake-up pipe: %w", err)
		case n < len(buf):
			return nil
		}
	}
}

// Close closes both ends.
func (p *pipeWaker) Close() error {
	err1 := unix.Close(p.r)
	err2 := unix.Close(p.w)
	if err1 != nil {
		return fmt.Errorf("loop: close wake-up pipe: %w", err1)
	}
	if err2 != nil {
		return fmt.Errorf("loop: close wake-up pipe: %w", err2)
	}
	return nil
}
