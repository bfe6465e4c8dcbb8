package blocking

import (
	"errors"
	"fmt"
	"os"
	"time"

	"lbws/shared/gateway"
	"lbws/shared/http1"
)

// logRequest writes the -v line for a served request, and always a line
// for a response the client did not take in time.
func (s *Server) logRequest(c *Conn, req *http1.Request, res gateway.Result, err error, start time.Time) {
	if s.Log == nil || !s.Verbose && !errors.Is(err, os.ErrDeadlineExceeded) {
		// Nothing to log: no line is built (a child of 03-fork, which
		// serves one connection, would pay fmt's first use for it).
		return
	}
	line := fmt.Sprintf("%s %s %s %d %dB %v", c.RemoteAddr(), req.Method, req.Target, res.Status, res.Bytes, since(start))
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.logf(true, "%s: %v", line, err)
	case err != nil:
		s.logf(s.Verbose, "%s: %v", line, err)
	default:
		s.logf(s.Verbose, "%s", line)
	}
}

// logf logs a line when on is true.
func (s *Server) logf(on bool, format string, args ...any) {
	if on && s.Log != nil {
		s.Log.Printf(format, args...)
	}
}

// since is the time since start, rounded for a log line.
func since(start time.Time) time.Duration {
	return time.Since(start).Round(10 * time.Microsecond)
}
