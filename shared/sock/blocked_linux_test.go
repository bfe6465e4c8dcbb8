package sock

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// blockedIn runs f on a goroutine locked to its own thread and returns
// once that thread is blocked in the kernel in one of the system calls
// nrs (read from /proc/self/task/TID/syscall), so a test acts on a call
// that is really waiting rather than hoping a sleep got it there. It
// returns the thread's id.
func blockedIn(t *testing.T, f func(), nrs ...int) int {
	t.Helper()
	tidc := make(chan int, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tidc <- unix.Gettid()
		f()
	}()
	tid := <-tidc
	path := "/proc/self/task/" + strconv.Itoa(tid) + "/syscall"
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("reading %s: %v", path, err)
		}
		fields := strings.Fields(string(b))
		if len(fields) > 0 {
			if nr, err := strconv.Atoi(fields[0]); err == nil {
				for _, want := range nrs {
					if nr == want {
						// In the call; give it a moment to go to sleep in it.
						time.Sleep(10 * time.Millisecond)
						return tid
					}
				}
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("thread %d not blocked in syscall %v within 10s", tid, nrs)
	return 0
}

// acceptCalls are the system calls a blocked Accept waits in: accept4 on
// Linux, ppoll in the portable (macOS) code built for Linux.
var acceptCalls = []int{unix.SYS_ACCEPT4, unix.SYS_ACCEPT, unix.SYS_PPOLL}
