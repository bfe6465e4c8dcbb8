//go:build unix

package conformance

import (
	"fmt"
	"syscall"
)

// setRcvbuf sets SO_RCVBUF on a socket before it connects, which also
// caps the TCP window the client advertises.
func setRcvbuf(rc syscall.RawConn, n int) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("set SO_RCVBUF: %w", err)
	}
	return nil
}
