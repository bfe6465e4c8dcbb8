package main

import "syscall"

// parentDeathSignal is the signal the kernel sends a child when its
// parent dies (see sysProcAttr). SIGHUP, "hang up", and not SIGTERM:
// the child takes it for the same news as the parent pipe's end of file
// (see watchParent), while SIGTERM and SIGINT are stop requests, and a
// second one means "exit now" (see runChild). With SIGTERM, one parent
// death was two stop events, and every busy child dropped its request.
const parentDeathSignal = syscall.SIGHUP

// sysProcAttr puts a child in a process group of its own, so that Ctrl-C
// in the terminal, which signals the terminal's foreground process group,
// reaches only the parent, which then stops its children in order (see
// children.stopAll).
//
// It also asks the kernel to send the child parentDeathSignal when its
// parent dies (prctl PR_SET_PDEATHSIG), so that not even a SIGKILLed
// parent leaves children behind: each finishes its request and exits.
// The signal is tied to the thread that started the child, not the
// process; Go keeps its threads for the life of the process unless a
// goroutine locked to one exits, which this program never does.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: parentDeathSignal}
}
