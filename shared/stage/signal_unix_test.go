//go:build unix

package stage_test

import (
	"errors"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"lbws/shared/stage"
	"lbws/shared/stage/stagetest"
)

// holdSignals keeps SIGINT and SIGTERM from killing the test process for
// the rest of the test, whatever Run has asked for by then.
func holdSignals(t *testing.T) {
	c := make(chan os.Signal, 8)
	signal.Notify(c, syscall.SIGINT, syscall.SIGTERM)
	t.Cleanup(func() { signal.Stop(c) })
}

// runAsync starts stage.Run with serve and returns its result channel
// and the log it writes.
func runAsync(grace time.Duration, serve func(stop <-chan struct{}) error) (<-chan error, *stagetest.LogBuffer) {
	logs := &stagetest.LogBuffer{}
	errc := make(chan error, 1)
	go func() { errc <- stage.Run(log.New(logs, "", 0), "closing the listener", grace, serve) }()
	return errc, logs
}

// kill sends sig to the test process once Run's serve has started.
func kill(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), sig); err != nil {
		t.Fatal(err)
	}
}

// wait returns what Run returned, failing the test after 10 s.
func wait(t *testing.T, errc <-chan error) error {
	t.Helper()
	select {
	case err := <-errc:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Run still running 10s later")
	}
	return nil
}

func TestRunFirstSignalStopsServe(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			holdSignals(t)
			started := make(chan struct{})
			boom := errors.New("serve's own error")
			errc, logs := runAsync(time.Hour, func(stop <-chan struct{}) error {
				close(started)
				<-stop
				return boom
			})
			<-started
			select {
			case err := <-errc:
				t.Fatalf("Run returned %v before any signal", err)
			case <-time.After(50 * time.Millisecond):
			}
			kill(t, sig)
			if err := wait(t, errc); err != boom {
				t.Errorf("Run = %v; want serve's error", err)
			}
			if got, want := logs.String(), sig.String()+": closing the listener"; !strings.HasPrefix(got, want) || strings.Count(got, "\n") != 1 {
				t.Errorf("logged %q; want one line starting %q", got, want)
			}
		})
	}
}

func TestRunReturnsWhenServeReturnsUnsignalled(t *testing.T) {
	errc, _ := runAsync(time.Hour, func(stop <-chan struct{}) error { return nil })
	if err := wait(t, errc); err != nil {
		t.Fatalf("Run = %v; want nil", err)
	}
}

// serveThatHangs ignores stop until the test ends.
func serveThatHangs(t *testing.T) (func(stop <-chan struct{}) error, <-chan struct{}) {
	started := make(chan struct{})
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	return func(stop <-chan struct{}) error {
		close(started)
		<-release
		return nil
	}, started
}

func TestRunSecondSignalReturnsAtOnce(t *testing.T) {
	holdSignals(t)
	serve, started := serveThatHangs(t)
	errc, _ := runAsync(time.Hour, serve)
	<-started
	kill(t, syscall.SIGTERM)
	select {
	case err := <-errc:
		t.Fatalf("Run returned %v after one signal while serve was busy", err)
	case <-time.After(200 * time.Millisecond):
	}
	kill(t, syscall.SIGINT)
	if err := wait(t, errc); err == nil || !strings.Contains(err.Error(), "again") {
		t.Fatalf("Run after a second signal = %v; want an error saying so", err)
	}
}

func TestRunShutdownDeadline(t *testing.T) {
	holdSignals(t)
	serve, started := serveThatHangs(t)
	errc, _ := runAsync(300*time.Millisecond, serve)
	<-started
	kill(t, syscall.SIGTERM)
	if err := wait(t, errc); err == nil || !strings.Contains(err.Error(), "300ms") {
		t.Fatalf("Run with serve busy past the deadline = %v; want an error naming it", err)
	}
}
