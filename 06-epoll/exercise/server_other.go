//go:build !linux

package main

import (
	"errors"

	"golang.org/x/sys/unix"

	"lbws/shared/loop"
)

// errNotLinux is what 06-epoll says anywhere but Linux.
var errNotLinux = errors.New("06-epoll: epoll(7) is Linux-only. macOS and the BSDs have kqueue(2) " +
	"instead, with the same idea (the interest list lives in the kernel, the wait returns only " +
	"the ready descriptors) and its own calls; this tutorial does not build a kqueue stage. " +
	"Run 05-poll here, or this stage on Linux")

// supported explains that this stage needs Linux.
func supported() error { return errNotLinux }

// serve cannot run here: it closes lfd and says why.
func serve(stop <-chan struct{}, lfd int, cfg loop.Config, edge bool) error {
	unix.Close(lfd)
	return errNotLinux
}
