package main

import "golang.org/x/sys/unix"

// accept4 takes the next connection off the listening socket's queue,
// non-blocking and close-on-exec from the start (one system call, no
// window for a fork to inherit it), retrying when a signal interrupts
// it. With the queue empty it returns EAGAIN.
func accept4(lfd int) (int, unix.Sockaddr, error) {
	// TODO(you): accept4(2) (unix.Accept4) with the flags that make the
	// new socket non-blocking and close-on-exec, retried on EINTR; return
	// what it returns (EAGAIN included: accept stops there).
	return -1, nil, todo("accept4", "accept4_linux.go")
}
