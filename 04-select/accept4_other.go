//go:build !linux

package main

import "golang.org/x/sys/unix"

// accept4 takes the next connection off the listening socket's queue.
// macOS has no accept4: the flags are set after the accept. Nothing in
// this process forks, so close-on-exec set a moment late is harmless;
// a BSD socket inherits O_NONBLOCK from the listener, set again anyway.
func accept4(lfd int) (int, unix.Sockaddr, error) {
	for {
		fd, sa, err := unix.Accept(lfd)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, nil, err
		}
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(fd)
			return -1, nil, err
		}
		return fd, sa, nil
	}
}
