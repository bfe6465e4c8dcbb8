//go:build !linux

package main

import "syscall"

// setDeathSignal does nothing where there is no parent-death signal; the
// deferred stop still ends every server bench started.
func setDeathSignal(*syscall.SysProcAttr) {}
