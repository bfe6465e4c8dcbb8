package conformance

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// settle is how long NoLeaks waits for descriptors and goroutines to go
// away: a server that shuts down cleanly needs microseconds to milliseconds.
const settle = 2 * time.Second

// NoLeaks records the process's open file descriptors and goroutine count
// now, and at cleanup waits up to 2 s for them to come back to that level;
// if they do not, the test fails listing the extra descriptors (what they
// point to) and the goroutine stacks.
//
// Call it first in a test, before starting the server, so that its cleanup
// runs last, after the server's. It measures the whole process, so the
// test must not run in parallel with others (no t.Parallel). Descriptors
// are checked on Linux only (/proc/self/fd); goroutines everywhere.
func NoLeaks(t *testing.T) {
	t.Helper()
	fds := openFDs()
	goroutines := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(settle)
		for {
			extra := extraFDs(fds, openFDs())
			g := runtime.NumGoroutine()
			if len(extra) == 0 && g <= goroutines {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("leaked after %v: %d goroutines (had %d), %d descriptors:\n%s\n%s",
					settle, g, goroutines, len(extra), strings.Join(extra, "\n"), stacks(g > goroutines))
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// extraFDs lists the descriptors in now that were not open (to the same
// thing) in before, as "fd 7 -> socket:[1234]".
func extraFDs(before, now map[int]string) []string {
	var extra []string
	for _, fd := range slices.Sorted(maps.Keys(now)) {
		if target, ok := before[fd]; !ok || target != now[fd] {
			extra = append(extra, fmt.Sprintf("fd %d -> %s", fd, now[fd]))
		}
	}
	return extra
}

// stacks returns every goroutine's stack when want is set, cut at 32 KiB.
func stacks(want bool) string {
	if !want {
		return ""
	}
	buf := make([]byte, 32<<10)
	return "goroutines:\n" + string(buf[:runtime.Stack(buf, true)])
}
