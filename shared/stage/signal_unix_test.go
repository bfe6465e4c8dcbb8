//go:build unix

package stage_test

import (
	"bytes"
	"log"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"lbws/shared/stage"
)

// lockedBuffer is a bytes.Buffer the signal goroutine and the test share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestStopOnSignalClosesAtSIGTERM(t *testing.T) {
	var logs lockedBuffer
	stop := stage.StopOnSignal(log.New(&logs, "", 0), "closing the listener")
	// Notify now holds SIGTERM, so the kill below cannot end the test
	// process; give the signals back to the runtime when the test ends.
	t.Cleanup(func() { signal.Reset(syscall.SIGINT, syscall.SIGTERM) })

	select {
	case <-stop:
		t.Fatal("stop closed before any signal")
	default:
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stop:
	case <-time.After(10 * time.Second):
		t.Fatal("stop still open 10s after SIGTERM")
	}
	if got, want := logs.String(), "terminated: closing the listener\n"; got != want {
		t.Errorf("logged %q; want %q", got, want)
	}
}
