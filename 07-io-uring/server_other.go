//go:build !linux

package main

import (
	"errors"

	"golang.org/x/sys/unix"

	"lbws/shared/loop"
)

// errNotLinux is what 07-io-uring says anywhere but Linux.
var errNotLinux = errors.New("07-io-uring: io_uring(7) is Linux-only. Windows has a counterpart " +
	"(I/O completion ports, and IoRing since Windows 11); macOS and the BSDs have none, only " +
	"readiness (kqueue). Run 05-poll here, or this stage on Linux 5.11 or later")

// supported explains that this stage needs Linux.
func supported() error { return errNotLinux }

// serve cannot run here: it closes lfd and says why.
func serve(stop <-chan struct{}, lfd int, cfg loop.Config, o options) error {
	unix.Close(lfd)
	return errNotLinux
}

// supportedMultishot explains that this stage needs Linux.
func supportedMultishot() error { return errNotLinux }
