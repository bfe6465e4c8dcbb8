package stagetest

import (
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// emfileLine is what a stage logs when accept fails with EMFILE.
const emfileLine = "too many open files"

// RunOutOfFds lowers the child's soft limit on open descriptors
// (RLIMIT_NOFILE, with prlimit(2)) to its lowest free descriptor
// number, as if its table were full, and returns once the stage has
// logged an accept failing with EMFILE. It returns a function that gives
// the old limit back.
//
// An accept(2) already waiting when the limit drops has reserved its
// descriptor and still succeeds, and a connection the stage closes
// afterwards frees a number below the limit; so RunOutOfFds connects and
// hangs up, which ends such an accept, and lowers the limit again, until
// the stage reports EMFILE.
func (p *Process) RunOutOfFds(t testing.TB) (restore func()) {
	t.Helper()
	pid := p.Pid()
	var old unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &old); err != nil {
		t.Fatalf("prlimit: %v", err)
	}
	restore = func() {
		if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &old, nil); err != nil {
			t.Errorf("prlimit restore: %v", err)
		}
	}
	before := p.Stderr.Count(emfileLine)
	deadline := time.Now().Add(10 * time.Second)
	for p.Stderr.Count(emfileLine) == before {
		if p.Exited() {
			t.Fatal("the stage exited when its descriptors ran out")
		}
		if time.Now().After(deadline) {
			restore()
			t.Fatalf("no %q in the stage's log within 10s of lowering its limit", emfileLine)
		}
		lim := unix.Rlimit{Cur: uint64(lowestFreeFd(t, pid)), Max: old.Max}
		if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &lim, nil); err != nil {
			t.Fatalf("prlimit: %v", err)
		}
		if c, err := net.Dial("tcp", p.Addr); err == nil {
			c.Close()
		}
		for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end) && p.Stderr.Count(emfileLine) == before; {
			time.Sleep(5 * time.Millisecond)
		}
	}
	return restore
}

// lowestFreeFd returns the lowest descriptor number process pid has not
// open.
func lowestFreeFd(t testing.TB, pid int) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	open := map[int]bool{}
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil {
			open[n] = true
		}
	}
	for n := 0; ; n++ {
		if !open[n] {
			return n
		}
	}
}
