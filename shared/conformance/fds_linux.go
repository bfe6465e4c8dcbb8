package conformance

import (
	"os"
	"strconv"
)

// openFDs maps each open descriptor of the process to what it points to.
// The descriptor used to read the directory itself is gone by the time it
// would be resolved, so it is left out.
func openFDs() map[int]string {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil
	}
	fds := make(map[int]string, len(entries))
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil {
			fds[fd] = target
		}
	}
	return fds
}
