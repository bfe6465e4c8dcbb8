package main

import "golang.org/x/sys/unix"

// accept4 takes the next connection off the listening socket's queue,
// non-blocking and close-on-exec from the start (one system call, no
// window for a fork to inherit it), retrying when a signal interrupts
// it. With the queue empty it returns EAGAIN.
func accept4(lfd int) (int, unix.Sockaddr, error) {
	for {
		fd, sa, err := unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != unix.EINTR {
			return fd, sa, err
		}
	}
}
