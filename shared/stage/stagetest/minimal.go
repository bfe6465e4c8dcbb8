package stagetest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lbws/shared/conformance"
)

// StartMinimal builds the package pkg (a stage's naive server, for
// example "./minimal" from the stage's directory) with the go command,
// runs it with args and takes the listening address from the first line
// it prints, as StartProcess does. The process is killed when the test
// ends.
func StartMinimal(t testing.TB, pkg string, args ...string) *Process {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("building %s needs the go command: %v", pkg, err)
	}
	bin := filepath.Join(t.TempDir(), "minimal")
	build := exec.Command(gobin, "build", "-o", bin, pkg)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return start(t, exec.Command(bin, args...))
}

// Story runs the named conformance cases against two servers with the
// same options: the naive one at naive must fail each case (the failure
// a chapter shows), the stage at real must pass it (the fix). A name the
// suite does not know fails the test, so a renamed case cannot leave a
// chapter's claim untested.
func Story(t *testing.T, naive, real string, opts conformance.Options, names ...string) {
	t.Helper()
	byName := map[string]conformance.Case{}
	for _, c := range conformance.Cases() {
		byName[c.Name] = c
	}
	for _, name := range names {
		c, ok := byName[name]
		if !ok {
			t.Errorf("%s: no such conformance case", name)
			continue
		}
		if r := conformance.RunCase(c, naive, opts); r.Outcome != conformance.Fail {
			t.Errorf("%s against the minimal server: %s %s; want it to fail (the chapter shows it failing)", name, r.Outcome, r.Reason)
		} else {
			first, _, _ := strings.Cut(r.Reason, "\n")
			t.Logf("%s against the minimal server fails, as the chapter says: %s", name, first)
		}
		if r := conformance.RunCase(c, real, opts); r.Outcome != conformance.Pass {
			t.Errorf("%s against the stage: %s %s; want it to pass", name, r.Outcome, r.Reason)
		}
	}
}
