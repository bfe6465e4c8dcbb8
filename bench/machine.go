package main

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// machineInfo describes this computer, with wrk's version and the
// open-file limit bench set; fields it cannot read stay empty.
func machineInfo(wrkVer string, nofile uint64) Machine {
	host, _ := os.Hostname()
	m := Machine{
		Host:   host,
		CPU:    procField("/proc/cpuinfo", "model name"),
		Cores:  runtime.NumCPU(),
		Kernel: kernel(),
		Go:     runtime.Version(),
		Wrk:    wrkVer,
		NoFile: nofile,
	}
	if kb, err := strconv.ParseInt(strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB"), 10, 64); err == nil {
		m.MemoryMiB = kb / 1024
	}
	return m
}

// procField returns the value of the first "key: value" line in a /proc
// file such as /proc/cpuinfo, or "" when there is none.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
