package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The environment variables that tell a process started by this stage
// what it is. main reads roleEnv first: if it is set, the process is a
// child and never becomes a server of its own.
const (
	roleEnv = "LBWS_03_FORK_CHILD" // roleConn or roleWorker
	peerEnv = "LBWS_03_FORK_PEER"  // roleConn: the client's address, for the log and REMOTE_ADDR
)

// The roles a child can have.
const (
	roleConn   = "conn"   // serve the connection on fd 3, then exit
	roleWorker = "worker" // accept on the listening socket on fd 3, one connection at a time
)

// The descriptors a child inherits (exec.Cmd.ExtraFiles starts at 3).
const (
	connFd   = 3 // roleConn: the connection; roleWorker: the listening socket
	parentFd = 4 // the read end of the parent pipe: end of file once the parent is gone
)

// children is the parent's side of its child processes: it starts them,
// knows which are alive, and reaps them when they exit.
type children struct {
	exe     string         // the binary to run
	args    []string       // its arguments (the flags, see childArgs)
	env     []string       // its environment, with roleEnv set
	devNull *os.File       // the children's standard input and output
	stderr  *os.File       // the children's standard error
	pipeR   *os.File       // read end of the parent pipe, inherited by every child
	pipeW   *os.File       // write end, held by the parent alone; closed by stopAll
	log     *log.Logger    // child deaths and reaping trouble
	onExit  func(exit)     // called for every reaped child, if not nil
	sigc    chan os.Signal // SIGCHLD
	done    chan struct{}  // closed by close: the SIGCHLD goroutine ends
	watched chan struct{}  // closed when the SIGCHLD goroutine has ended
	stopped sync.Once      // closes pipeW once

	mu      sync.Mutex        // guards the fields below
	reap    bool              // reap on SIGCHLD (false: leave zombies until waitAll)
	live    map[int]time.Time // pid of each child not yet reaped, and when it started
	changed *sync.Cond        // signalled when live shrinks
}

// exit is a reaped child.
type exit struct {
	pid    int             // its process id
	status unix.WaitStatus // how it ended
	lived  time.Duration   // from start to reaping
}

// abnormal reports whether the child ended other than by exiting with
// status 0.
func (e exit) abnormal() bool { return !e.status.Exited() || e.status.ExitStatus() != 0 }

// String describes how the child ended: "exited 1", "killed by signal killed".
func (e exit) String() string {
	if e.status.Signaled() {
		return fmt.Sprintf("killed by signal %v", e.status.Signal())
	}
	return fmt.Sprintf("exited %d", e.status.ExitStatus())
}

// newChildren prepares to start children in role and starts reaping them
// on SIGCHLD; onExit, if not nil, is called for every child reaped. The
// caller calls close when it is done.
func newChildren(role string, cfg config, logger *log.Logger, onExit func(exit)) (*children, error) {
	exe := cfg.Exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("finding this program to start children: %w", err)
		}
	}
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, err
	}
	// os.Pipe makes both ends close-on-exec: a child gets the read end
	// only because ExtraFiles places a copy at parentFd, and no child
	// ever holds the write end, so the last write end closes with the
	// parent.
	pipeR, pipeW, err := os.Pipe()
	if err != nil {
		devNull.Close()
		return nil, fmt.Errorf("parent pipe: %w", err)
	}
	k := &children{
		exe:     exe,
		args:    childArgs(cfg),
		env:     childEnv(role),
		devNull: devNull,
		stderr:  cfg.Stderr,
		pipeR:   pipeR,
		pipeW:   pipeW,
		log:     logger,
		onExit:  onExit,
		sigc:    make(chan os.Signal, 1),
		done:    make(chan struct{}),
		watched: make(chan struct{}),
		reap:    !cfg.LeaveZombies,
		live:    map[int]time.Time{},
	}
	if k.stderr == nil {
		k.stderr = os.Stderr
	}
	k.changed = sync.NewCond(&k.mu)
	signal.Notify(k.sigc, syscall.SIGCHLD)
	go k.watch()
	return k, nil
}

// childEnv returns this process's environment with roleEnv set to role,
// and GOMAXPROCS=1 unless GOMAXPROCS is set already: a child serves one
// connection with one goroutine at a time, and a Go runtime with fewer
// Ps starts faster and smaller, which every connection pays for here.
func childEnv(role string) []string {
	env := []string{roleEnv + "=" + role}
	procs := false
	for _, kv := range os.Environ() {
		switch {
		case strings.HasPrefix(kv, roleEnv+"="):
			continue
		case strings.HasPrefix(kv, "GOMAXPROCS="):
			procs = true
		}
		env = append(env, kv)
	}
	if !procs {
		env = append(env, "GOMAXPROCS=1")
	}
	return env
}

// !+start

// start starts a child that inherits file (as fd 3) and the read end of
// the parent pipe (as fd 4), and returns its process id. env is added to
// the children's environment. The caller still owns file and closes its
// copy.
func (k *children) start(file *os.File, env ...string) (int, error) {
	cmd := exec.Command(k.exe, k.args...)
	cmd.Env = append(k.env[:len(k.env):len(k.env)], env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = k.devNull, k.devNull, k.stderr
	cmd.ExtraFiles = []*os.File{file, k.pipeR}
	cmd.SysProcAttr = sysProcAttr()
	// The lock keeps the reaper out until the child is in the table: a
	// child that exits at once could otherwise be reaped first.
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := withChildSlack(cmd.Start); err != nil {
		return 0, fmt.Errorf("starting a child: %w", err)
	}
	pid := cmd.Process.Pid
	k.live[pid] = time.Now()
	// The parent never calls cmd.Wait: the SIGCHLD handler reaps with
	// wait4(-1). Release frees what os.Process holds (a pidfd on Linux).
	cmd.Process.Release()
	return pid, nil
}

// !-start

// count returns how many children have not been reaped, zombies included.
func (k *children) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.live)
}

// pids returns the process ids of the children not yet reaped.
func (k *children) pids() []int {
	k.mu.Lock()
	defer k.mu.Unlock()
	pids := make([]int, 0, len(k.live))
	for pid := range k.live {
		pids = append(pids, pid)
	}
	return pids
}

// watch reaps on every SIGCHLD until close.
func (k *children) watch() {
	defer close(k.watched)
	for {
		select {
		case <-k.done:
			return
		case <-k.sigc:
			k.mu.Lock()
			reap := k.reap
			k.mu.Unlock()
			if reap {
				k.reapAll()
			}
		}
	}
}

// !+reap

// reapAll collects every child that has exited. One SIGCHLD may stand for
// many exits (a signal that is already pending is not queued again), so it
// calls wait4 until no finished child is left: WNOHANG makes wait4 return
// 0 instead of blocking while children are still running, and ECHILD says
// there are none at all.
func (k *children) reapAll() {
	var exits []exit
	k.mu.Lock()
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			if err != nil && err != unix.ECHILD {
				k.log.Printf("wait4: %v", err)
			}
			break
		}
		started, ok := k.live[pid]
		if !ok {
			// wait4(-1) reaps any child of the process. This program
			// starts no others, but a test that runs serve may have.
			continue
		}
		delete(k.live, pid)
		exits = append(exits, exit{pid: pid, status: ws, lived: time.Since(started)})
	}
	if len(exits) > 0 {
		k.changed.Broadcast()
	}
	k.mu.Unlock()
	for _, e := range exits {
		k.exited(e)
	}
}

// !-reap

// exited logs a child that did not end well and tells onExit.
func (k *children) exited(e exit) {
	if e.abnormal() {
		k.log.Printf("child %d %v after %v", e.pid, e, e.lived.Round(time.Millisecond))
	}
	if k.onExit != nil {
		k.onExit(e)
	}
}

// stopAll tells every child to finish what it is doing and exit, by
// closing the parent's end of the parent pipe: each child reads end of
// file there, as if the parent had died. A pipe, not SIGTERM: a child
// still starting up, before its Go runtime has handed SIGTERM to the
// program, would die of the signal and reset its client's connection,
// but it reads the pipe as soon as it is ready, and the kernel keeps the
// end of file for it.
func (k *children) stopAll() {
	k.stopped.Do(func() {
		if err := k.pipeW.Close(); err != nil {
			k.log.Printf("closing the parent pipe: %v", err)
		}
	})
}

// signalAll sends sig to every child not yet reaped.
func (k *children) signalAll(sig syscall.Signal) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for pid := range k.live {
		// ESRCH cannot happen (an unreaped child, zombie or not, still
		// has its pid); any other error is worth a line.
		if err := unix.Kill(pid, sig); err != nil {
			k.log.Printf("kill %d %v: %v", pid, sig, err)
		}
	}
}

// waitAll reaps children until none is left or timeout passes (0: no
// bound), and returns how many are still running. It reaps even with
// -reap=false: the zombies were for show.
func (k *children) waitAll(timeout time.Duration) int {
	k.mu.Lock()
	k.reap = true
	k.mu.Unlock()
	k.reapAll() // the zombies, and anyone whose SIGCHLD came before reap was set

	var expired bool
	if timeout > 0 {
		t := time.AfterFunc(timeout, func() {
			k.mu.Lock()
			expired = true
			k.changed.Broadcast()
			k.mu.Unlock()
		})
		defer t.Stop()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for len(k.live) > 0 && !expired {
		k.changed.Wait()
	}
	return len(k.live)
}

// close stops reaping and closes the parent's files, the write end of the
// parent pipe among them. Children not reaped by then are left to init.
func (k *children) close() error {
	signal.Stop(k.sigc)
	close(k.done)
	<-k.watched
	k.stopAll()
	var first error
	for _, f := range []io.Closer{k.pipeR, k.devNull} {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
