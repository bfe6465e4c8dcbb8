package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// startTimeout bounds the wait for the server's first line.
const startTimeout = 30 * time.Second

// errNoCompile is a build that failed because the program does not
// compile (exit status 2, not a failed check).
var errNoCompile = errors.New("the program does not compile")

// build compiles the package in dir (relative to root) into tmp and
// returns the binary's path. A compile error comes back wrapped in
// errNoCompile with the compiler's output.
func build(root, dir, tmp string, flags ...string) (string, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building %s needs the go command: %w", dir, err)
	}
	bin := filepath.Join(tmp, "server")
	args := append(append([]string{"build"}, flags...), "-o", bin, pkgPath(dir))
	cmd := exec.Command(gobin, args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%w: go build %s: %v\n%s", errNoCompile, pkgPath(dir), err, out)
	}
	return bin, nil
}

// pkgPath makes a directory a package path the go command takes:
// "01-echo/exercise" becomes "./01-echo/exercise".
func pkgPath(dir string) string {
	if filepath.IsAbs(dir) || strings.HasPrefix(dir, ".") {
		return dir
	}
	return "./" + filepath.ToSlash(dir)
}

// process is the server the grader started.
type process struct {
	cmd    *exec.Cmd
	addr   string        // from its first line
	stderr *syncBuffer   // what it logged
	done   chan struct{} // closed when it has exited
	state  *os.ProcessState
}

// addrInLine finds the listening address in a server's first line, as
// stagetest does.
var addrInLine = regexp.MustCompile(`(\d+\.\d+\.\d+\.\d+|\[[0-9a-fA-F:.%\w]+\]):\d+`)

// startProcess runs bin with args in dir, waits for its first line of
// output and takes the listening address from it.
func startProcess(bin, dir string, args ...string) (*process, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	// A session (and a process group) of its own: every process the
	// server starts shares its session id, so the grader can count their
	// descriptors and kill them all at the end, even those that move to
	// a group of their own (see killTree).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	p := &process{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	cmd.WaitDelay = time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	running.add(p)
	go func() {
		cmd.Wait()
		p.state = cmd.ProcessState
		close(p.done)
	}()
	linec := make(chan string, 1)
	go func() {
		br := bufio.NewReader(out)
		line, _ := br.ReadString('\n')
		linec <- line
		io.Copy(io.Discard, br)
	}()
	select {
	case line := <-linec:
		p.addr = addrInLine.FindString(line)
		if p.addr == "" {
			p.waitExit(time.Second)
			if p.exited() {
				return p, errors.New("it exited before printing its address")
			}
			return p, fmt.Errorf("no address in its first line %q", line)
		}
	case <-time.After(startTimeout):
		return p, fmt.Errorf("it printed nothing for %v", startTimeout)
	}
	return p, nil
}

// pid is the server's process id.
func (p *process) pid() int { return p.cmd.Process.Pid }

// exited reports whether the server has exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitExit waits up to d for the server to exit and reports whether it
// did.
func (p *process) waitExit(d time.Duration) bool {
	if p.exited() {
		return true
	}
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// exitStatus describes how the server ended.
func (p *process) exitStatus() string {
	if p.state == nil {
		return "still running"
	}
	if ws, ok := p.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return "killed by " + ws.Signal().String()
	}
	return "exit status " + strconv.Itoa(p.state.ExitCode())
}

// kill ends the server and every process it started, and waits for it.
func (p *process) kill() {
	if !p.exited() {
		p.killTree()
	} else {
		p.killOrphans()
	}
	<-p.done
	running.remove(p)
}

// killOrphans kills what is left of the server's session once the server
// has exited: children it did not wait for.
func (p *process) killOrphans() {
	for range 50 {
		ms := p.liveChildren()
		if len(ms) == 0 {
			return
		}
		for _, m := range ms {
			syscall.Kill(m.pid, syscall.SIGKILL)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// running is every server the grader has started and not yet killed, so
// that an interrupted grader (Ctrl-C) can kill them on its way out: the
// server is in a session of its own, which the terminal's Ctrl-C does
// not reach.
var running = &servers{m: map[*process]bool{}, dirs: map[string]bool{}}

// servers is a set of running servers, and the temporary directories
// their binaries are in.
type servers struct {
	mu   sync.Mutex
	m    map[*process]bool
	dirs map[string]bool
}

// addDir records a temporary directory to remove on the way out.
func (s *servers) addDir(dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dirs[dir] = true
}

// removeDir removes dir and forgets it.
func (s *servers) removeDir(dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.dirs, dir)
	os.RemoveAll(dir)
}

// add records p as running.
func (s *servers) add(p *process) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[p] = true
}

// remove forgets p, killed and waited for.
func (s *servers) remove(p *process) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, p)
}

// killAll kills every running server and its children, and removes
// the temporary directories.
func (s *servers) killAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range s.m {
		p.killTree()
	}
	for dir := range s.dirs {
		os.RemoveAll(dir)
	}
}

// signal sends sig to the server.
func (p *process) signal(sig syscall.Signal) error { return p.cmd.Process.Signal(sig) }

// fdCount counts the server's open descriptors.
func (p *process) fdCount() (int, error) {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.pid()))
	if err != nil {
		return 0, fmt.Errorf("counting descriptors: %w", err)
	}
	return len(ents), nil
}

// logTail returns the last n lines the server logged.
func (p *process) logTail(n int) []string {
	s := strings.TrimRight(p.stderr.String(), "\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

// syncBuffer is a bytes.Buffer safe for one writer and other readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written.
func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
