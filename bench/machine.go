package main

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// machineInfo describes this computer, with the repository's commit, the
// peers' versions, wrk's version and the open-file limit bench set;
// fields it cannot read stay empty.
func machineInfo(root, wrkVer string, nofile uint64, look lookups) Machine {
	host, _ := os.Hostname()
	m := Machine{
		Host:     host,
		CPU:      procField("/proc/cpuinfo", "model name"),
		Cores:    runtime.NumCPU(),
		Kernel:   kernel(),
		Go:       runtime.Version(),
		Wrk:      wrkVer,
		NoFile:   nofile,
		Commit:   gitCommit(root),
		Versions: peerVersions(look),
		Sysctls:  sysctls(),
		CPUs:     cpuSharing(),
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

// gitCommit returns the repository's commit, with "+dirty" when the work
// tree has changes, or "" outside git.
func gitCommit(root string) string {
	out, err := exec.Command("git", "-C", root, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return ""
	}
	commit := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", root, "status", "--porcelain").Output(); err == nil && len(st) > 0 {
		commit += "+dirty"
	}
	return commit
}

// peerVersions asks the installed peers for their versions.
func peerVersions(look lookups) map[string]string {
	v := map[string]string{}
	if p, err := look.path("nginx"); err == nil {
		out, _ := exec.Command(p, "-v").CombinedOutput() // nginx version: nginx/1.22.1
		if _, after, ok := strings.Cut(strings.TrimSpace(string(out)), "nginx/"); ok {
			v["nginx"] = after
		}
	}
	if p, err := look.path("python3"); err == nil { // the article's servers in Python
		if out, err := exec.Command(p, "-c", "import sys; print(sys.version.split()[0])").Output(); err == nil {
			v["python3"] = strings.TrimSpace(string(out))
		}
	}
	p, err := look.path("gunicorn")
	if err != nil {
		return v
	}
	if out, err := exec.Command(p, "--version").CombinedOutput(); err == nil { // gunicorn (version 20.1.0)
		v["gunicorn"] = strings.Trim(strings.TrimPrefix(strings.TrimSpace(string(out)), "gunicorn (version "), ")")
	}
	py := gunicornPython(p)
	if len(py) == 0 {
		return v
	}
	args := append(py[1:], "-c", "import sys, importlib.metadata as m; print(sys.version.split()[0]); print(m.version('flask'))")
	if out, err := exec.Command(py[0], args...).Output(); err == nil {
		lines := strings.Fields(string(out))
		if len(lines) == 2 {
			v["python"], v["flask"] = lines[0], lines[1]
		}
	}
	return v
}

// benchSysctls are the kernel settings that shape a loopback benchmark:
// the cap on listen queues, the reuse of TIME_WAIT ports by new outgoing
// connections, and the ports a client can use.
var benchSysctls = []string{"net/core/somaxconn", "net/ipv4/tcp_tw_reuse", "net/ipv4/ip_local_port_range"}

// sysctls reads benchSysctls.
func sysctls() map[string]string {
	out := map[string]string{}
	for _, name := range benchSysctls {
		if b, err := os.ReadFile("/proc/sys/" + name); err == nil {
			out[strings.ReplaceAll(name, "/", ".")] = strings.Join(strings.Fields(string(b)), " ")
		}
	}
	return out
}
