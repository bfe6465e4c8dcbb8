//go:build !linux

package main

import "syscall"

// parentDeathSignal is 0, none: only Linux has a parent-death signal. A
// child elsewhere learns that its parent is gone from the parent pipe
// (see watchParent).
const parentDeathSignal syscall.Signal = 0

// sysProcAttr puts a child in a process group of its own, so that Ctrl-C
// in the terminal reaches only the parent (see the Linux version).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
