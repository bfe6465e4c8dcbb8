package loop

import "golang.org/x/sys/unix"

// sysIO is the loop's view of the kernel for connection descriptors. The
// loop's own tests replace it with a fake socket, to make the kernel take
// one byte per write or nothing at all.
type sysIO interface {
	read(fd int, p []byte) (int, error)
	write(fd int, p []byte) (int, error)
	// peek reports what a read would see without consuming it: 0 at end
	// of file, an error for a reset connection, EAGAIN for nothing yet.
	peek(fd int) (int, error)
	// sockErr takes the socket's pending error (SO_ERROR), nil if none.
	sockErr(fd int) error
	shutdownWrite(fd int) error
	close(fd int) error
}

// unixIO is sysIO on real non-blocking sockets.
type unixIO struct{}

func (unixIO) read(fd int, p []byte) (int, error)  { return unix.Read(fd, p) }
func (unixIO) write(fd int, p []byte) (int, error) { return unix.Write(fd, p) }
func (unixIO) shutdownWrite(fd int) error          { return unix.Shutdown(fd, unix.SHUT_WR) }
func (unixIO) close(fd int) error                  { return unix.Close(fd) }

func (unixIO) peek(fd int) (int, error) {
	var b [1]byte
	n, _, err := unix.Recvfrom(fd, b[:], unix.MSG_PEEK)
	return n, err
}

func (unixIO) sockErr(fd int) error {
	errno, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	switch {
	case err != nil:
		return err
	case errno != 0:
		return unix.Errno(errno)
	}
	return nil
}
