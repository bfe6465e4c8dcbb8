package main

import (
	"log"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// children is the parent's side of its child processes: it starts them,
// knows which have not been reaped, and reaps them when they exit.
type children struct {
	log    *log.Logger
	sigc   chan os.Signal // SIGCHLD
	failed chan error     // the reaper's error, if it fails; it stops then
	done   chan struct{}  // closed by close: the reaper stops

	mu   sync.Mutex   // guards live, and is held while a child starts
	live map[int]bool // the pid of every child started and not yet reaped
	gone *sync.Cond   // signalled when live shrinks
}

// newChildren asks for SIGCHLD and starts the reaper, which calls
// reapAll on every SIGCHLD. The caller calls close when done.
func newChildren(logger *log.Logger) (*children, error) {
	k := &children{
		log:    logger,
		sigc:   make(chan os.Signal, 1),
		failed: make(chan error, 1),
		done:   make(chan struct{}),
		live:   map[int]bool{},
	}
	k.gone = sync.NewCond(&k.mu)
	// The channel holds one signal: SIGCHLDs that arrive while one is
	// pending are dropped, as the kernel merges them too. One SIGCHLD
	// may stand for many exits.
	signal.Notify(k.sigc, syscall.SIGCHLD)
	go func() {
		for {
			select {
			case <-k.done:
				return
			case <-k.sigc:
				if err := k.reapAll(); err != nil {
					k.failed <- err
					return
				}
			}
		}
	}()
	return k, nil
}

// start starts a child process that serves the connection file: this
// program again (os.Executable), with the same arguments, with childEnv
// set (and peerEnv=peer), the connection as its descriptor 3, and this
// process's standard error as its own (the child's log lines show in
// the parent's). It returns the child's process id. start owns file: it
// closes the parent's copy, whether or not the child started, so the
// connection ends when the child closes it.
func (k *children) start(file *os.File, peer string) (int, error) {
	// TODO(you): build the command with os/exec (exec.Command), set its
	// environment (os.Environ() plus the two variables), its standard
	// error and ExtraFiles (ExtraFiles[0] is the child's descriptor 3);
	// start it while holding k.mu, record its pid in k.live; release
	// what os.Process holds (the reaper waits for it, not cmd.Wait:
	// cmd.Process.Release); close file. Return the pid.
	file.Close()
	return 0, todo("start", "children.go")
}

// reapAll collects every child that has exited, without blocking, and
// takes it out of k.live (signalling k.gone). A child that died of a
// signal or exited with a non-zero status is logged. It returns an error
// only if wait4 fails in a way that is not "no child left".
func (k *children) reapAll() error {
	// TODO(you): loop on syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
	// until it says no finished child is left: a pid of 0 (children
	// still running) or ECHILD (no children at all); EINTR: again. Hold
	// k.mu while you change k.live. Log a child that did not exit 0 in
	// words ("exited 1", "killed by signal killed"), not as the number
	// a WaitStatus is.
	return todo("reapAll", "children.go")
}

// count returns how many children have not been reaped.
func (k *children) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.live)
}

// signalAll sends sig to every child not yet reaped.
func (k *children) signalAll(sig syscall.Signal) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for pid := range k.live {
		if err := syscall.Kill(pid, sig); err != nil {
			k.log.Printf("kill %d %v: %v", pid, sig, err)
		}
	}
}

// waitAll waits until every child has been reaped or timeout has passed
// (0: no bound), and returns how many are left.
func (k *children) waitAll(timeout time.Duration) int {
	var expired bool
	if timeout > 0 {
		t := time.AfterFunc(timeout, func() {
			k.mu.Lock()
			expired = true
			k.gone.Broadcast()
			k.mu.Unlock()
		})
		defer t.Stop()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for len(k.live) > 0 && !expired {
		k.gone.Wait()
	}
	return len(k.live)
}

// close stops the reaper.
func (k *children) close() {
	signal.Stop(k.sigc)
	close(k.done)
}
