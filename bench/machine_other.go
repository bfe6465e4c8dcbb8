//go:build !linux

package main

import (
	"os/exec"
	"strings"
)

// kernel returns `uname -sr`.
func kernel() string {
	out, _ := exec.Command("uname", "-sr").Output()
	return strings.TrimSpace(string(out))
}

// cpuSharing would need sched_getaffinity: say nothing was pinned.
func cpuSharing() string { return "not pinned" }
