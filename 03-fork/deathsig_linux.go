package main

import "syscall"

// sysProcAttr puts a child in a process group of its own, so that Ctrl-C
// in the terminal, which signals the terminal's foreground process group,
// reaches only the parent, which then stops its children in order (see
// children.stopAll).
//
// It also asks the kernel to send the child SIGTERM when its parent dies
// (prctl PR_SET_PDEATHSIG), so that not even a SIGKILLed parent leaves
// children behind: each finishes its request and exits. The signal is
// tied to the thread that started the child, not the process; Go keeps
// its threads for the life of the process unless a goroutine locked to
// one exits, which this program never does.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
