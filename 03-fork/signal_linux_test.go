package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lbws/shared/stage/stagetest"
)

// sigMask returns the mask of the line called field ("SigIgn", "ShdPnd",
// ...) of /proc/PID/status.
func sigMask(t *testing.T, pid int, field string) uint64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			m, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatalf("%s of %d: %v", field, pid, err)
			}
			return m
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// A per-connection child runs no os/signal machinery, which every start
// would pay for: it ignores SIGTERM, SIGINT and parentDeathSignal and is
// stopped through the parent pipe alone. A SIGTERM does not end its kept-alive
// connection (before, it stopped the child, which closed the idle
// connection at once).
func TestConnChildIgnoresSignals(t *testing.T) {
	p := stagetest.StartProcess(t, "-addr", "127.0.0.1:0", "-idle-timeout", "1m")
	conns, pids := keepAlive(t, p, 1)
	c, pid := conns[0], pids[0]
	const term, intr, death = 1 << (syscall.SIGTERM - 1), 1 << (syscall.SIGINT - 1), 1 << (parentDeathSignal - 1)
	if ign := sigMask(t, pid, "SigIgn"); ign&term == 0 || ign&intr == 0 || ign&death == 0 {
		t.Fatalf("child %d: SigIgn %#x; want SIGTERM, SIGINT and %v ignored", pid, ign, parentDeathSignal)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// An ignored signal is discarded when sent; a caught one is pending
	// until the child's runtime takes it.
	if !waitFor(10*time.Second, func() bool { return sigMask(t, pid, "ShdPnd")&term == 0 }) {
		t.Fatalf("SIGTERM still pending in child %d after 10 s", pid)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	resp, body := get(t, c, bufio.NewReader(c), "/pid")
	if resp.StatusCode != 200 || strings.TrimSpace(body) != strconv.Itoa(pid) {
		t.Errorf("after SIGTERM: %d %q; want 200 from the same child, %d", resp.StatusCode, body, pid)
	}
}

// A child starts with childTimerSlack, so that its runtime's sysmon,
// which polls every 20 µs at first, does not wake it some 45 times in
// its short life; the parent keeps its own slack.
func TestChildTimerSlack(t *testing.T) {
	p := stagetest.StartProcess(t, "-addr", "127.0.0.1:0", "-idle-timeout", "1m")
	_, pids := keepAlive(t, p, 1)
	slack := func(pid int) string {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/timerslack_ns", pid))
		if err != nil {
			t.Skipf("no timerslack_ns: %v", err)
		}
		return strings.TrimSpace(string(b))
	}
	if got, want := slack(pids[0]), strconv.FormatInt(int64(childTimerSlack), 10); got != want {
		t.Errorf("child %d: timer slack %s ns; want %s", pids[0], got, want)
	}
	if got := slack(p.Pid()); got == strconv.FormatInt(int64(childTimerSlack), 10) {
		t.Errorf("the parent's slack is the children's, %s ns; want its own", got)
	}
}
