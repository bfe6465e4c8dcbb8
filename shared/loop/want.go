package loop

import "strings"

// !+want

// Want is what a connection waits for next, as its handlers (OnReadable,
// OnWritable, and the wake-up and timer handlers) answer it. A stage
// translates it into its own readiness API: a bit in an fd_set, the
// events of a pollfd, an epoll_ctl MOD.
//
// The zero Want means the connection waits for its application (a worker
// is running the request) and needs no readiness event; its descriptor
// stays registered. Close means the loop has closed the connection:
// forget it.
type Want uint8

// The wants. Read and Write combine; Close stands alone.
const (
	// Read: the connection wants to read (a request, a body, or the end
	// of a lingering close).
	Read Want = 1 << iota
	// Write: the connection has response bytes the socket did not take.
	Write
	// Close: the connection is closed and its descriptor released.
	Close
)

// !-want

// String returns "read|write", "close", or "wait" for the zero Want.
func (w Want) String() string {
	if w == 0 {
		return "wait"
	}
	var parts []string
	for _, x := range []struct {
		bit  Want
		name string
	}{{Read, "read"}, {Write, "write"}, {Close, "close"}} {
		if w&x.bit != 0 {
			parts = append(parts, x.name)
		}
	}
	return strings.Join(parts, "|")
}
