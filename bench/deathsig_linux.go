package main

import "syscall"

// setDeathSignal asks the kernel to SIGKILL the server if bench itself dies
// (even by SIGKILL, when no deferred stop runs), so a killed bench leaves
// no server holding a port. Its workers notice their parent is gone.
func setDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGKILL
}
