//go:build !linux

package main

import "golang.org/x/sys/unix"

// accept4 takes the next connection off the listening socket's queue.
// macOS has no accept4: the flags are set after the accept. Nothing in
// this process forks, so close-on-exec set a moment late is harmless;
// a BSD socket inherits O_NONBLOCK from the listener, set again anyway.
func accept4(lfd int) (int, unix.Sockaddr, error) {
	// TODO(you), on macOS: accept(2) (unix.Accept), retried on EINTR;
	// then close-on-exec (unix.CloseOnExec) and non-blocking
	// (unix.SetNonblock, closing the new descriptor if that fails).
	return -1, nil, todo("accept4", "accept4_other.go")
}
