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
