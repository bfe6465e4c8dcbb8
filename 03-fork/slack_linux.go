package main

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// childTimerSlack is the timer slack children start with: how late the
// kernel may wake a thread of theirs that sleeps, so that it can wake
// several at once (prctl PR_SET_TIMERSLACK; Linux's default is 50 µs).
// A Go process's sysmon thread polls every 20 µs for its first
// millisecond: in a process that lives a few milliseconds to serve one
// connection that is some 45 wake-ups, each a context switch, a third of
// the child's CPU. With 1 ms of slack it wakes a few times, and a timer
// of the app (the /hello sleep) fires at most 1 ms late.
const childTimerSlack = time.Millisecond

// withChildSlack runs start, which forks a child, on a thread whose timer
// slack is childTimerSlack: a child inherits its slack from the thread
// that forked it, and keeps it across exec. The thread gets its own
// slack back afterwards. If the kernel refuses, start runs anyway.
func withChildSlack(start func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(childTimerSlack), 0, 0, 0) != nil {
		return start()
	}
	// 0 restores the thread's default slack, the one it was created with.
	defer unix.Prctl(unix.PR_SET_TIMERSLACK, 0, 0, 0, 0)
	return start()
}
