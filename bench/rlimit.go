package main

import (
	"fmt"
	"syscall"
)

// fdMargin is how many descriptors beyond one per connection a process
// needs: standard streams, the listener, epoll or pipe fds, log files.
const fdMargin = 64

// maxNoFile caps the soft limit bench asks for when the hard limit is
// unlimited (macOS refuses RLIM_INFINITY as a soft limit).
const maxNoFile = 1 << 20

// raiseNoFile raises the open-file soft limit to the hard limit, so that
// wrk and the servers bench starts (which inherit it) can hold need
// descriptors each. It refuses when the hard limit is too low, saying how
// to raise it. It returns the new soft limit.
func raiseNoFile(need int) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("getrlimit: %w", err)
	}
	if lim.Max < uint64(need) {
		return 0, fmt.Errorf("the open-file hard limit is %d, below the %d this run needs "+
			"(connections + %d); raise it (as root: ulimit -Hn %d, or LimitNOFILE= in systemd, "+
			"or nofile in /etc/security/limits.conf) and run again", lim.Max, need, fdMargin, need)
	}
	want := min(lim.Max, maxNoFile)
	if lim.Cur >= want {
		return lim.Cur, nil
	}
	lim.Cur = want
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("setrlimit nofile %d: %w", want, err)
	}
	return want, nil
}
