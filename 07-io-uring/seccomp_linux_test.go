//go:build linux

package main

import (
	"fmt"
	"os"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// seccompEnv, set to EPERM or ENOSYS in a child's environment, makes
// TestMain install a seccomp filter that fails io_uring_setup with that
// errno before main runs, as Docker's and containerd's default profiles
// do: the refusal then comes from the kernel itself.
const seccompEnv = "LBWS_URING_SECCOMP"

// sandboxIfAsked installs the filter seccompEnv asks for, if any.
func sandboxIfAsked() {
	v := os.Getenv(seccompEnv)
	if v == "" {
		return
	}
	errno := unix.EPERM
	if v == "ENOSYS" {
		errno = unix.ENOSYS
	}
	if err := refuseIOURing(errno); err != nil {
		fmt.Fprintln(os.Stderr, "seccomp:", err)
		os.Exit(3)
	}
}

// auditArch is the AUDIT_ARCH_* of this build, for the filter's check
// that a system call number means what it does here; 0 where the tests
// do not know it.
func auditArch() uint32 {
	switch runtime.GOARCH {
	case "amd64":
		return unix.AUDIT_ARCH_X86_64
	case "arm64":
		return unix.AUDIT_ARCH_AARCH64
	}
	return 0
}

// !+seccomp

// refuseIOURing installs, on every thread of the process (TSYNC: Go's
// runtime has several already), a seccomp BPF filter that fails
// io_uring_setup with errno and allows everything else.
func refuseIOURing(errno unix.Errno) error {
	arch := auditArch()
	if arch == 0 {
		return fmt.Errorf("no AUDIT_ARCH for %s", runtime.GOARCH)
	}
	const (
		ld  = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		jeq = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		ret = unix.BPF_RET | unix.BPF_K
	)
	// struct seccomp_data: int nr at offset 0, __u32 arch at 4.
	prog := []unix.SockFilter{
		{Code: ld, K: 4},
		{Code: jeq, K: arch, Jt: 0, Jf: 3}, // another ABI: allow
		{Code: ld, K: 0},
		{Code: jeq, K: unix.SYS_IO_URING_SETUP, Jt: 0, Jf: 1},
		{Code: ret, K: unix.SECCOMP_RET_ERRNO | uint32(errno)},
		{Code: ret, K: unix.SECCOMP_RET_ALLOW},
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl PR_SET_NO_NEW_PRIVS: %w", err)
	}
	_, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC,
		uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(prog)
	if e != 0 {
		return fmt.Errorf("seccomp: %w", e)
	}
	return nil
}

// !-seccomp
