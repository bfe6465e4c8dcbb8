package main

import (
	"log"

	"golang.org/x/sys/unix"
)

// procMargin is how many processes fitProcessLimit leaves to the rest of
// the user's programs (the shell, wrk, the parent itself).
const procMargin = 64

// fitProcessLimit returns want, lowered if the process limit (RLIMIT_NPROC,
// ulimit -u) would let fork fail first, with a log line saying so. In this
// model every connection is a process, but not a descriptor of the
// parent's (it closes its copy), so the process limit is what bounds the
// children, not the descriptor limit. want 0 (or less) asks for no bound
// and is returned as it is: fork failing is then the only bound, and the
// parent answers 503 when it does.
func fitProcessLimit(want int, logger *log.Logger) int {
	if want <= 0 {
		return want
	}
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NPROC, &rl); err != nil || rl.Cur == unix.RLIM_INFINITY {
		return want
	}
	limit := int64(rl.Cur) - procMargin
	if int64(want) <= limit {
		return want
	}
	fit := int(max(limit, 1))
	logger.Printf("-max-children %d does not fit under the process limit (ulimit -u) of %d: using %d", want, rl.Cur, fit)
	return fit
}
