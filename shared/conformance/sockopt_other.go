//go:build !unix

package conformance

import "syscall"

// setRcvbuf is a no-op where SO_RCVBUF cannot be set portably; the
// slow-reader cases then rely on the response being large.
func setRcvbuf(syscall.RawConn, int) error { return nil }
