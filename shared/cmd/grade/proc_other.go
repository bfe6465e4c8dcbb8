//go:build !linux

package main

import "time"

// interruptWrite would interrupt a server thread blocked in write(2); it
// needs Linux's /proc, so elsewhere it does nothing and returns 0: the
// echo check then cannot provoke a partial write, only read what comes
// back.
func (p *process) interruptWrite() int { return 0 }

// settle would wait until the server is idle; it needs Linux's /proc, so
// elsewhere it waits d/10, a guess.
func (p *process) settle(d time.Duration) { time.Sleep(d / 10) }
