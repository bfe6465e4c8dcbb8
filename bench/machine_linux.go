package main

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// kernel returns `uname -sr`.
func kernel() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:])
}

// cpuSharing says which CPUs bench may run on: wrk and the servers
// inherit that set and share it (bench does not pin them apart, since a
// multi-loop server should have every core).
func cpuSharing() string {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return ""
	}
	var cpus []string
	for i := range 1024 {
		if set.IsSet(i) {
			cpus = append(cpus, fmt.Sprint(i))
		}
	}
	return "not pinned: wrk and the servers share CPUs " + strings.Join(cpus, ",")
}
