package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestStopAfterSIGTERM(t *testing.T) {
	srv, err := startServer(exec.Command("sleep", "60"))
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.stop(5 * time.Second); got != "exited after SIGTERM (signal: terminated)" {
		t.Errorf("stop = %q", got)
	}
}

func TestWaitReadyReportsAnEarlyExit(t *testing.T) {
	srv, err := startServer(exec.Command("sh", "-c", "echo bind: address already in use >&2; exit 3"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop(time.Second)
	err = srv.waitReady(t.Context(), "http://127.0.0.1:1/hello", 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "address already in use") || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("waitReady = %v, want the exit status and the server's output", err)
	}
}

func TestWaitReadyTimesOut(t *testing.T) {
	srv, err := startServer(exec.Command("sleep", "60"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop(time.Second)
	err = srv.waitReady(t.Context(), "http://127.0.0.1:1/hello", 200*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "no answer") {
		t.Errorf("waitReady = %v, want a timeout", err)
	}
}

// TestWaitReadyTakesAnyAnswer: readiness is any HTTP answer on a closed
// connection; whether it is the right answer is checkTarget's job, which
// fails the row at once with the status instead of after readyTimeout.
func TestWaitReadyTakesAnyAnswer(t *testing.T) {
	var closes []bool
	status := http.StatusServiceUnavailable
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		closes = append(closes, r.Close)
		w.WriteHeader(status)
		status = http.StatusOK
	}))
	defer ts.Close()
	srv, err := startServer(exec.Command("sleep", "60"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop(time.Second)
	if err := srv.waitReady(t.Context(), ts.URL+"/hello", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(closes) != "[true]" {
		t.Errorf("probes asked to close: %v, want [true] (a 503 is an answer)", closes)
	}
}

func TestTailBuffer(t *testing.T) {
	b := newTailBuffer(5)
	if got := b.Tail(); got != "(no output)" {
		t.Errorf("empty Tail = %q", got)
	}
	fmt.Fprint(b, "abc")
	fmt.Fprint(b, "defg")
	if got := b.Tail(); got != "cdefg" {
		t.Errorf("Tail = %q, want cdefg", got)
	}
}

func TestFreeAddr(t *testing.T) {
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Errorf("freeAddr = %q", addr)
	}
}
