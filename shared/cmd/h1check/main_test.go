package main

import (
	"bytes"
	"net"
	"strings"
	"testing"
)

// TestUsageErrors checks that bad command lines exit 2 with a clear message.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "want exactly one HOST:PORT"},
		{[]string{"a:1", "b:2"}, "want exactly one HOST:PORT"},
		{[]string{"localhost"}, "missing port"},
		{[]string{"localhost:http"}, "port from 1 to 65535"},
		{[]string{"-run", "(", "localhost:1"}, "bad -run pattern"},
		{[]string{"-skip", "[", "localhost:1"}, "bad -skip pattern"},
		{[]string{"-timeout", "0s", "localhost:1"}, "-timeout must be positive"},
		{[]string{"-nosuchflag", "localhost:1"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(tt.args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2", tt.args, code)
		}
		if !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%q: stderr %q, want it to mention %q", tt.args, stderr.String(), tt.want)
		}
	}
}

// TestList checks -list with -run prints only the selected cases.
func TestList(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-list", "-run", "^smuggling/cl-", "-skip", "list$"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, "smuggling/cl-and-te\t") || strings.Contains(out, "smuggling/cl-differing-list") || strings.Contains(out, "headers/") {
		t.Errorf("-list output:\n%s", out)
	}
}

// TestRunAgainstDeadServer checks the summary line and exit status 1 when
// cases fail: nothing listens on the address, so every case fails to dial.
func TestRunAgainstDeadServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var stdout, stderr bytes.Buffer
	code := run([]string{"-run", "^requestline/get-hello$|^keepalive/http11-persists$", "-keepalive=false", addr}, &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if last := lines[len(lines)-1]; last != "0 passed, 1 failed, 1 skipped" {
		t.Errorf("last line %q, want %q\n%s", last, "0 passed, 1 failed, 1 skipped", stdout.String())
	}
	if !strings.HasPrefix(stdout.String(), "FAIL requestline/get-hello: dial ") {
		t.Errorf("output:\n%s", stdout.String())
	}
}
