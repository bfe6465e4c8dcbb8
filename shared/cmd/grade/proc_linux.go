package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// threadInWrite returns a thread of the server that is blocked in
// write(2) (the first field of /proc/PID/task/TID/syscall is the number
// of the system call a sleeping thread is in), or 0 if none is.
func (p *process) threadInWrite() int {
	dir := fmt.Sprintf("/proc/%d/task", p.pid())
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	want := strconv.Itoa(syscall.SYS_WRITE) + " "
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "syscall"))
		if err == nil && strings.HasPrefix(string(b), want) {
			tid, _ := strconv.Atoi(e.Name())
			return tid
		}
	}
	return 0
}

// interruptWrite sends SIGURG to a server thread blocked in write(2) (on
// a full socket: the client is not reading), which makes the write
// return the bytes it took so far. Go's runtime catches
// SIGURG (it preempts goroutines with it) and ignores one it did not
// send. It returns the thread, or 0 if none was blocked.
func (p *process) interruptWrite() int {
	tid := p.threadInWrite()
	if tid != 0 {
		syscall.Tgkill(p.pid(), tid, syscall.SIGURG)
	}
	return tid
}

// settle waits, up to d, until no thread of the server is running or
// runnable (state R in /proc/PID/task/TID/stat) in three samples in a
// row: whatever the server does with the bytes it has just read, it has
// done. A check that must see that nothing came back uses it instead of
// a guess of how long the server may take.
func (p *process) settle(d time.Duration) {
	dir := fmt.Sprintf("/proc/%d/task", p.pid())
	idle := 0
	for deadline := time.Now().Add(d); idle < 3 && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		idle++
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(dir, e.Name(), "stat"))
			if err != nil {
				continue
			}
			// The state follows the command name, which is in
			// parentheses and may hold spaces.
			if i := strings.LastIndexByte(string(b), ')'); i >= 0 && i+2 < len(b) && b[i+2] == 'R' {
				idle = 0
				break
			}
		}
	}
}
