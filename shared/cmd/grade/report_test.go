package main

import (
	"bytes"
	"net"
	"strings"
	"testing"
)

// A report shows the log from a panic's first line, where the cause is,
// not the last lines of its trace; and the last lines otherwise.
func TestLogShownFromPanic(t *testing.T) {
	p := &process{stderr: &syncBuffer{}}
	p.stderr.Write([]byte("04-select: serving\npanic: runtime error: index out of range [16] with length 16\n\ngoroutine 21 [running]:\n" +
		strings.Repeat("main.f(...)\n\t/x/server.go:148 +0x2b8\n", 20)))
	title, lines := logShown(p)
	if title != "the server's log from its panic" || len(lines) == 0 || !strings.HasPrefix(lines[0], "panic: runtime error: index out of range") {
		t.Errorf("got %q %q; want the log from the panic line", title, lines)
	}
	q := &process{stderr: &syncBuffer{}}
	q.stderr.Write([]byte(strings.Repeat("a line\n", 20) + "the last\n"))
	title, lines = logShown(q)
	if title != "the server's last log lines" || len(lines) != 8 || lines[7] != "the last" {
		t.Errorf("got %q %q; want the last 8 lines", title, lines)
	}
}

// A log with "bad file descriptor" puts the use-after-close hint first.
func TestLogHintBadDescriptor(t *testing.T) {
	p := &process{stderr: &syncBuffer{}}
	p.stderr.Write([]byte("04-select: read: bad file descriptor\n"))
	if got := logHint(p, "the check's hint."); !strings.HasPrefix(got, "a descriptor used after close: do you call Closed/forget the fd when you close it? The check's hint.") {
		t.Errorf("got %q", got)
	}
	q := &process{stderr: &syncBuffer{}}
	if got := logHint(q, "the check's hint."); got != "the check's hint." {
		t.Errorf("without it: got %q", got)
	}
}

// The grader's own flags written after the stage are moved before it in
// the command the report suggests; the server's flags stay after it.
func TestFlagsBeforeStage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"04", "-dir", "X"}, "go run ./shared/cmd/grade -dir X 04"},
		{[]string{"-v", "06", "-addr=h:1", "-edge"}, "go run ./shared/cmd/grade -v -addr=h:1 06 -edge"},
		{[]string{"06", "-edge"}, ""},
	} {
		i := 0
		for tc.args[i] != "04" && tc.args[i] != "06" {
			i++
		}
		st, _ := findStage(tc.args[i])
		cfg := config{stage: st, args: tc.args, serverArgs: tc.args[i+1:]}
		if got := flagsBeforeStage(cfg); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.args, got, tc.want)
		}
	}
}

// After 06 passes level-triggered, the end names the -edge part; with
// -edge it is the last stage.
func TestEdgeNext(t *testing.T) {
	st, _ := findStage("06")
	if got := edgeNext(config{stage: st, args: []string{"06"}}); !strings.HasSuffix(got, "go run ./shared/cmd/grade 06 -edge") {
		t.Errorf("got %q", got)
	}
	if got := edgeNext(config{stage: st, args: []string{"06", "-edge"}, serverArgs: []string{"-edge"}}); got != "" {
		t.Errorf("with -edge: got %q", got)
	}
}

// A timeout's hint names the loop's usual causes from 04 on, and a
// blocking read before.
func TestStageHintTimeout(t *testing.T) {
	for id, want := range map[string]string{
		"02": "does your server block in read",
		"04": "is select's nfds the highest descriptor plus one",
		"05": "in the pollfd array",
		"06": "in the interest list (EPOLL_CTL_ADD at accept, EPOLL_CTL_MOD when its Want changes)",
	} {
		if got := stageHint(id, kindTimeout); !strings.Contains(got, want) {
			t.Errorf("stage %s: %q, want %q in it", id, got, want)
		}
	}
	if got := sigtermHint("03", "status"); !strings.Contains(got, "a child that does not stop when asked") {
		t.Errorf("03's SIGTERM hint: %q", got)
	}
	if got := sigtermHint("05", "running"); !strings.Contains(got, "loop") {
		t.Errorf("05's SIGTERM hint: %q", got)
	}
}

// -addr written after the stage goes to the server the grader starts,
// which cannot listen there (a server already does: the learner's) and
// exits: the report says that grader flags go before the stage.
func TestAddrAfterStage(t *testing.T) {
	root := needGo(t)
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	var out, errw bytes.Buffer
	code := realMain([]string{"-dir", "04-select", "04", "-addr", addr}, &out, &errw, root)
	want := "grader flags go before the stage: go run ./shared/cmd/grade -dir 04-select -addr " + addr + " 04"
	if code != exitFail || !strings.Contains(out.String(), "FAIL start/prints-address") || !strings.Contains(out.String(), want) {
		t.Errorf("exit status %d; want 1, FAIL start/prints-address and %q:\n%s%s", code, want, out.String(), errw.String())
	}
}
