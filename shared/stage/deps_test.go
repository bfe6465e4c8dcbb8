package stage_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// stages are the stage binaries: each is a main package of its own
// module in the workspace.
var stages = []string{"01-echo", "02-simple-wsgi", "03-fork", "04-select", "05-poll", "06-epoll", "07-io-uring"}

// banned are packages no stage binary may link. net brings its resolver
// and, through it, cgo (runtime/cgo): the binary is then linked
// dynamically and every process starts with the dynamic loader and glibc,
// which 03-fork pays once per connection. net/http and crypto/tls add
// some 150 packages of init work. Tests and tools may use them; the
// net/http adapters live in lbws/shared/gateway/nethttp.
var banned = []string{"net", "net/http", "crypto/tls", "runtime/cgo"}

// goCommand returns the go command of the toolchain running the test.
func goCommand(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(p); err != nil {
		t.Skipf("no go command: %v", err)
	}
	return p
}

// No stage binary links net, net/http, crypto/tls or cgo, so that plain
// go build gives a statically linked binary that starts fast.
func TestStagesLinkNoNet(t *testing.T) {
	goCmd := goCommand(t)
	for _, s := range stages {
		out, err := exec.Command(goCmd, "list", "-deps", "lbws/"+s).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps lbws/%s: %v\n%s", s, err, out)
		}
		deps := map[string]bool{}
		for _, p := range strings.Fields(string(out)) {
			deps[p] = true
		}
		if !deps["lbws/shared/gateway"] && s != "01-echo" {
			t.Fatalf("go list -deps lbws/%s does not list lbws/shared/gateway: %q", s, out)
		}
		for _, b := range banned {
			if deps[b] {
				t.Errorf("lbws/%s links %s", s, b)
			}
		}
	}
}

// The naive servers that open chapters 01-03 (each stage's minimal/)
// talk to the kernel through x/sys/unix as the stages do: no net either.
func TestMinimalsLinkNoNet(t *testing.T) {
	goCmd := goCommand(t)
	for _, s := range stages[:3] {
		pkg := "lbws/" + s + "/minimal"
		out, err := exec.Command(goCmd, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		deps := map[string]bool{}
		for _, p := range strings.Fields(string(out)) {
			deps[p] = true
		}
		if !deps["golang.org/x/sys/unix"] {
			t.Errorf("%s does not use golang.org/x/sys/unix", pkg)
		}
		for _, b := range banned {
			if deps[b] {
				t.Errorf("%s links %s", pkg, b)
			}
		}
	}
}
