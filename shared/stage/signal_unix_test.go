//go:build unix

package stage_test

import (
	"log"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"lbws/shared/stage"
	"lbws/shared/stage/stagetest"
)

func TestStopOnSignalClosesAtSIGTERM(t *testing.T) {
	var logs stagetest.LogBuffer
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
