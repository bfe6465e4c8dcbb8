package loop

import "golang.org/x/sys/unix"

// nonblockPipe makes a pipe whose ends are non-blocking and close-on-exec
// from the start (pipe2).
func nonblockPipe() (r, w int, err error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return -1, -1, err
	}
	return p[0], p[1], nil
}
