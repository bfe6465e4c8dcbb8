//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// !+refuse

// refusedError is io_uring_setup(2) refused: the kernel has no io_uring,
// its sysctl forbids it, or a seccomp filter blocks the call. The
// message says which causes fit the error and what to run instead.
type refusedError struct {
	errno    unix.Errno
	disabled string // kernel.io_uring_disabled as read here, or "" if unreadable
	forced   bool   // refuseEnv asked for it: the kernel was not asked
}

// refused makes the refusal for errno, with the sysctl's value if it can
// be read.
func refused(errno unix.Errno) error {
	b, err := os.ReadFile("/proc/sys/kernel/io_uring_disabled")
	disabled := ""
	if err == nil {
		disabled = strings.TrimSpace(string(b))
	}
	_, forced := forcedRefusal()
	return &refusedError{errno: errno, disabled: disabled, forced: forced}
}

func (e *refusedError) Error() string {
	var why string
	switch e.errno {
	case unix.ENOSYS:
		why = "the kernel has no io_uring (before Linux 5.1, or built without CONFIG_IO_URING), " +
			"or a seccomp filter answers ENOSYS for it (Docker's and containerd's default profiles block io_uring_setup)"
	default: // EPERM, EACCES
		why = "the sysctl kernel.io_uring_disabled forbids it (1: only members of the group kernel.io_uring_group " +
			"or CAP_SYS_ADMIN; 2: nobody; 0 allows everyone), or a seccomp filter blocks the system call " +
			"(Docker's and containerd's default profiles do)"
	}
	sysctl := "kernel.io_uring_disabled cannot be read here"
	if e.disabled != "" {
		sysctl = "kernel.io_uring_disabled = " + e.disabled + " here"
	}
	if e.forced {
		sysctl += " (this refusal is forced by " + refuseEnv + ", the kernel was not asked)"
	}
	return fmt.Sprintf("07-io-uring: io_uring is refused: io_uring_setup: %v (%s): %s; %s. "+
		"Run 06-epoll instead", e.errno.Error(), unix.ErrnoName(e.errno), why, sysctl)
}

// Unwrap returns the system call's error.
func (e *refusedError) Unwrap() error { return e.errno }

// !-refuse

// forcedRefusal reports the errno refuseEnv asks io_uring_setup to fail
// with, if it is set: the refusal path can be tested on a machine that
// allows io_uring, as a seccomp filter returning that errno would.
func forcedRefusal() (unix.Errno, bool) {
	switch v := os.Getenv(refuseEnv); v {
	case "":
		return 0, false
	case "ENOSYS":
		return unix.ENOSYS, true
	case "EACCES":
		return unix.EACCES, true
	default: // EPERM, or anything else set: refuse rather than ignore it
		return unix.EPERM, true
	}
}

// supported reports whether io_uring runs here, by setting up a small
// ring and closing it: nil, or why not (a *refusedError when the kernel
// or a sandbox refuses it).
func supported() error {
	r, err := newRing(8, 16)
	if err != nil {
		return err
	}
	return r.close()
}

// isRefused reports whether err is io_uring refused here.
func isRefused(err error) bool {
	var r *refusedError
	return errors.As(err, &r)
}
