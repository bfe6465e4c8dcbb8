//go:build !linux

package loop

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// nonblockPipe makes a non-blocking, close-on-exec pipe. macOS has no
// pipe2, so the flags are set by fcntl while syscall.ForkLock is held,
// as the standard library does, so a concurrent fork cannot inherit it.
func nonblockPipe() (r, w int, err error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		return -1, -1, err
	}
	for _, fd := range p {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			return -1, -1, err
		}
	}
	return p[0], p[1], nil
}
