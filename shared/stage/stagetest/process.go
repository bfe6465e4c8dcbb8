package stagetest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// envMain, set in a child's environment, makes RunMainIfChild run the
// stage's main instead of its tests.
const envMain = "LBWS_STAGETEST_MAIN"

// RunMainIfChild is for a stage's TestMain: in a process started by
// StartProcess it runs main and exits with status 0 when main returns
// (main itself exits non-zero on error); otherwise it returns at once and
// TestMain runs the tests:
//
//	func TestMain(m *testing.M) {
//		stagetest.RunMainIfChild(main)
//		os.Exit(m.Run())
//	}
func RunMainIfChild(main func()) {
	if os.Getenv(envMain) != "1" {
		return
	}
	os.Args = append(os.Args[:1], os.Args[2:]...) // drop the -test.run=^$ StartProcess passes
	main()
	os.Exit(0)
}

// Process is a stage's main running in a child process (the test binary
// itself, re-executed), so a test can see what only a whole process
// shows: signals, exit status, what the runtime does when descriptors
// run out.
type Process struct {
	// Addr is the address the stage printed on its first line of output.
	Addr string
	// Stderr holds what the stage logged.
	Stderr *LogBuffer

	cmd   *exec.Cmd     // the child
	done  chan struct{} // closed when the child has exited
	state *os.ProcessState
	err   error // from cmd.Wait
}

// addrInLine finds the listening address in a stage's first line.
var addrInLine = regexp.MustCompile(`(\d+\.\d+\.\d+\.\d+|\[[0-9a-fA-F:.%\w]+\]):\d+`)

// StartProcess runs the test binary as the stage with args (for example
// "-addr", "127.0.0.1:0"), waits for the first line it prints and takes
// the listening address from it. The process is killed, if it still
// runs, when the test ends.
func StartProcess(t testing.TB, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$"}, args...)...)
	cmd.Env = append(os.Environ(), envMain+"=1")
	return start(t, cmd)
}

// start runs cmd, waits for the first line it prints and takes the
// listening address from it; see StartProcess.
func start(t testing.TB, cmd *exec.Cmd) *Process {
	t.Helper()
	p := &Process{Stderr: &LogBuffer{}, cmd: cmd, done: make(chan struct{})}
	cmd.Stderr = p.Stderr
	// A child the stage started and left behind (a failing test of
	// stage 03) would hold stderr open and keep Wait from returning;
	// Wait stops copying a second after the stage itself exited.
	cmd.WaitDelay = time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		p.state = cmd.ProcessState
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("stage process stderr:\n%s", p.Stderr)
		}
	})
	linec := make(chan string, 1)
	go func() {
		br := bufio.NewReader(out)
		line, _ := br.ReadString('\n')
		linec <- line
		io.Copy(io.Discard, br)
	}()
	select {
	case line := <-linec:
		p.Addr = addrInLine.FindString(line)
		if p.Addr == "" {
			t.Fatalf("no address in the stage's first line %q", line)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the stage printed nothing for 30s")
	}
	return p
}

// Pid returns the child's process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Signal sends sig to the child.
func (p *Process) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// Exited reports whether the child has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Wait waits up to timeout for the child to exit and returns its exit
// status (-1 if a signal killed it). It fails the test on timeout.
func (p *Process) Wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("the stage still runs %v later", timeout)
	}
	var ee *exec.ExitError
	if p.err != nil && !errors.As(p.err, &ee) {
		t.Fatalf("waiting for the stage: %v", p.err)
	}
	return p.state.ExitCode()
}

// WaitLog waits up to 10 s for s to appear in the stage's log, and fails
// the test if it does not or the stage exits first.
func (p *Process) WaitLog(t testing.TB, s string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(p.Stderr.String(), s); time.Sleep(5 * time.Millisecond) {
		if p.Exited() {
			t.Fatalf("the stage exited before logging %q", s)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the stage's log within 10s", s)
		}
	}
}

// String describes the process for test messages.
func (p *Process) String() string {
	return fmt.Sprintf("stage process %d on %s", p.cmd.Process.Pid, p.Addr)
}
