//go:build linux

package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// !+refusetest

// Where io_uring_setup is refused, the stage exits with status 1 and a
// message that names the cause and the sysctl. The refusal is forced
// with LBWS_URING_REFUSE, which makes setup fail with that errno before
// it reaches the kernel, as a seccomp filter returning it would: so this
// runs, and checks the real exit path of main, on a machine that allows
// io_uring too.
func TestRefusedSaysWhy(t *testing.T) {
	for _, x := range []struct {
		errno string
		want  []string
	}{
		{"EPERM", []string{"io_uring is refused", "EPERM", "kernel.io_uring_disabled", "seccomp", "Run 06-epoll", "forced by " + refuseEnv}},
		{"EACCES", []string{"io_uring is refused", "EACCES", "kernel.io_uring_disabled", "kernel.io_uring_group"}},
		{"ENOSYS", []string{"io_uring is refused", "ENOSYS", "seccomp", "kernel.io_uring_disabled"}},
	} {
		t.Run(x.errno, func(t *testing.T) {
			// The test binary runs main (stagetest.RunMainIfChild).
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // a stage that starts serving is killed
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$", "-addr", "127.0.0.1:0")
			cmd.Env = append(os.Environ(), "LBWS_STAGETEST_MAIN=1", refuseEnv+"="+x.errno)
			cmd.WaitDelay = 5 * time.Second
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("with %s=%s: %v, output %q; want exit status 1", refuseEnv, x.errno, err, out)
			}
			for _, w := range x.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("refusal message %q lacks %q", out, w)
				}
			}
			if strings.Contains(string(out), "serving") {
				t.Errorf("output %q: the stage started serving; want it refused before listening", out)
			}
		})
	}
}

// !-refusetest

// The same, refused by the kernel itself: the child runs main under a
// seccomp filter that fails io_uring_setup, as a container's default
// profile does (seccompEnv). The message names the errno the filter
// returns, and is not the forced one.
func TestRefusedBySeccomp(t *testing.T) {
	if auditArch() == 0 {
		t.Skip("no seccomp filter for this architecture in the tests")
	}
	if os.Getenv(refuseEnv) == "" {
		// Where the kernel or a sandbox refuses io_uring already, the
		// filter is not what refuses it.
		needRing(t)
	}
	for _, errno := range []string{"EPERM", "ENOSYS"} {
		t.Run(errno, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // a stage that starts serving is killed
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$", "-addr", "127.0.0.1:0")
			cmd.Env = append(withoutEnv(os.Environ(), refuseEnv), "LBWS_STAGETEST_MAIN=1", seccompEnv+"="+errno)
			cmd.WaitDelay = 5 * time.Second
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("under seccomp: %v, output %q; want exit status 1", err, out)
			}
			for _, w := range []string{"io_uring is refused", "(" + errno + ")", "seccomp", "kernel.io_uring_disabled"} {
				if !strings.Contains(string(out), w) {
					t.Errorf("refusal message %q lacks %q", out, w)
				}
			}
			if strings.Contains(string(out), "forced") {
				t.Errorf("refusal message %q says forced; the kernel refused", out)
			}
		})
	}
}

// The tests' own skip sees the refusal too: supported reports it as a
// refusal, so needRing skips rather than fails.
func TestRefusalIsRecognised(t *testing.T) {
	t.Setenv(refuseEnv, "EPERM")
	if err := supported(); !isRefused(err) {
		t.Fatalf("supported() with %s=EPERM: %v; want a refusal", refuseEnv, err)
	}
}

// withoutEnv returns env without the variable name.
func withoutEnv(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
