package loop

import "strings"

// !+want

// Want is what a connection asks of the stage next. Read and Write are
// readiness to wait for (a bit in an fd_set, the events of a pollfd or
// an epoll registration); HalfClose and Close are system calls to make
// now, each reported back (Conn.HalfClosed, Conn.Closed).
//
// The zero Want means the connection waits for its application (a
// worker is running the request) and needs no readiness event.
type Want uint8

// The wants. Read and Write combine; HalfClose and Close stand alone.
const (
	// Read: read the socket and pass what comes to Received, or the end
	// of file to ReceivedEOF (a request, a body, or the end of a
	// lingering close).
	Read Want = 1 << iota
	// Write: write Output and report what the socket took with Sent.
	Write
	// HalfClose: shut down the sending side (shutdown(2), SHUT_WR) and
	// report it with HalfClosed; the lingering close follows.
	HalfClose
	// Close: close the descriptor and report it with Closed.
	Close
)

// !-want

// String returns "read|write", "half-close", "close", or "wait" for the
// zero Want.
func (w Want) String() string {
	if w == 0 {
		return "wait"
	}
	var parts []string
	for _, x := range []struct {
		bit  Want
		name string
	}{{Read, "read"}, {Write, "write"}, {HalfClose, "half-close"}, {Close, "close"}} {
		if w&x.bit != 0 {
			parts = append(parts, x.name)
		}
	}
	return strings.Join(parts, "|")
}
