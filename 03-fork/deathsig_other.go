//go:build !linux

package main

import "syscall"

// sysProcAttr puts a child in a process group of its own, so that Ctrl-C
// in the terminal reaches only the parent (see the Linux version). Only
// Linux has a parent-death signal: a child elsewhere learns that its
// parent is gone from the parent pipe (see watchParent).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
