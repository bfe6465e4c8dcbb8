package main

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
)

// words renders simple commands for comparison: a word the shell would
// expand is shown in braces.
func render(cmds [][]word) [][]string {
	var out [][]string
	for _, ws := range cmds {
		var r []string
		for _, w := range ws {
			if w.dynamic {
				r = append(r, "{"+w.text+"}")
			} else {
				r = append(r, w.text)
			}
		}
		out = append(out, r)
	}
	return out
}

func ws(s ...string) []word {
	var out []word
	for _, t := range s {
		if strings.HasPrefix(t, "{") {
			out = append(out, word{text: strings.Trim(t, "{}"), dynamic: true})
		} else {
			out = append(out, word{text: t})
		}
	}
	return out
}

func TestSplitCommands(t *testing.T) {
	for _, tc := range []struct {
		line string
		want [][]string
	}{
		{"go run ./05-poll -addr 127.0.0.1:18805 -v",
			[][]string{{"go", "run", "./05-poll", "-addr", "127.0.0.1:18805", "-v"}}},
		{`go test -count=1 -v -run 'TestA|TestB' lbws/01-echo 2>&1 | grep -E '^(--- |ok)'`,
			[][]string{{"go", "test", "-count=1", "-v", "-run", "TestA|TestB", "lbws/01-echo"}, {"grep", "-E", "^(--- |ok)"}}},
		{"go build -o 01-echo/01-echo ./01-echo && ./01-echo/01-echo -v",
			[][]string{{"go", "build", "-o", "01-echo/01-echo", "./01-echo"}, {"./01-echo/01-echo", "-v"}}},
		{"DURATION=5s THREADS=2 ./06-epoll/wrk.sh",
			[][]string{{"DURATION=5s", "THREADS=2", "./06-epoll/wrk.sh"}}},
		{"kill -INT $(pgrep -x 01-echo)",
			[][]string{{"kill", "-INT", "{$(pgrep -x 01-echo)}"}}},
		{"time (for i in $(seq 200); do ./03-fork/03-fork -h >/dev/null 2>&1; done)",
			[][]string{{"time"}, {"for", "i", "in", "{$(seq 200)}"}, {"do", "./03-fork/03-fork", "-h"}, {"done"}}},
		{`nc -N 127.0.0.1 8888 < /tmp/1mb | cmp - /tmp/1mb && echo "1 MB came back intact"`,
			[][]string{{"nc", "-N", "127.0.0.1", "8888"}, {"cmp", "-", "/tmp/1mb"}, {"echo", "1 MB came back intact"}}},
		{"go run ./06-epoll              # the newest stage: serves the app",
			[][]string{{"go", "run", "./06-epoll"}}},
		{`curl -H "Cookie: s=$(head -c 3 /dev/zero | tr '\0' x)" http://127.0.0.1:8888/`,
			[][]string{{"curl", "-H", "{Cookie: s=$(head -c 3 /dev/zero | tr '\\0' x)}", "http://127.0.0.1:8888/"}}},
		{`LBWS_EXE=$PWD/03-fork/03-fork go test -bench Reexec lbws/03-fork 2>&1 | tail -4`,
			[][]string{{"{LBWS_EXE=$PWD/03-fork/03-fork}", "go", "test", "-bench", "Reexec", "lbws/03-fork"}, {"tail", "-4"}}},
		{"go run ./bench -targets a \\\n    -runs 3 &> /tmp/log &",
			[][]string{{"go", "run", "./bench", "-targets", "a", "-runs", "3"}}},
		{`ls docs/*.md; echo a#b`,
			[][]string{{"ls", "{docs/*.md}"}, {"echo", "a#b"}}},
		{`printf 'x\r\n' | nc -q 2 127.0.0.1 8888 > out.txt`,
			[][]string{{"printf", `x\r\n`}, {"nc", "-q", "2", "127.0.0.1", "8888"}}},
	} {
		got, err := splitCommands(tc.line)
		if err != nil {
			t.Errorf("splitCommands(%q): %v", tc.line, err)
			continue
		}
		if !reflect.DeepEqual(render(got), tc.want) {
			t.Errorf("splitCommands(%q)\n got %q\nwant %q", tc.line, render(got), tc.want)
		}
	}
	for _, line := range []string{"python3 -c '", `echo "open`, "echo $(date", "go run ./x \\"} {
		if _, err := splitCommands(line); err != errUnterminated {
			t.Errorf("splitCommands(%q) = %v, want errUnterminated", line, err)
		}
	}
}

func TestCommandWords(t *testing.T) {
	for _, tc := range []struct {
		in, want []word
	}{
		{ws("DURATION=5s", "PORT=1", "./x", "-v"), ws("./x", "-v")},
		{ws("{LBWS=$PWD/x}", "go", "test"), ws("go", "test")},
		{ws("do", "./x", "-h"), ws("./x", "-h")},
		{ws("time", "go", "test"), ws("go", "test")},
		{ws("for", "i", "in", "1"), nil},
		{ws("done"), nil},
		{ws("{$CMD}", "-v"), ws("{$CMD}", "-v")},
	} {
		if got := commandWords(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("commandWords(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestCommands(t *testing.T) {
	src := strings.Join([]string{
		/* 1 */ "# Title",
		/* 2 */ "",
		/* 3 */ "```",
		/* 4 */ "$ go run ./05-poll -v",
		/* 5 */ "05-poll: serving (output)",
		/* 6 */ "go run ./looks-like-a-command-but-is-output",
		/* 7 */ "$ python3 -c '",
		/* 8 */ "import os",
		/* 9 */ "print(1)'",
		/* 10 */ "1",
		/* 11 */ "```",
		/* 12 */ "",
		/* 13 */ "1. A list item:",
		/* 14 */ "",
		/* 15 */ "   ```",
		/* 16 */ "   $ git apply docs/breakit/x.patch",
		/* 17 */ "   ```",
		/* 18 */ "```go",
		/* 19 */ "// $ go run ./not/a/command",
		/* 20 */ "```",
		/* 21 */ "```sh",
		/* 22 */ "# a comment",
		/* 23 */ "go run ./bench -quick      # a script line",
		/* 24 */ "",
		/* 25 */ "go test lbws/...",
		/* 26 */ "```",
		/* 27 */ "```",
		/* 28 */ "go run ./no-prompt-no-tag-is-output",
		/* 29 */ "```",
		/* 30 */ "````console",
		/* 31 */ "```",
		/* 32 */ "$ echo inside a longer fence",
		/* 33 */ "````",
		/* 34 */ "~~~python",
		/* 35 */ "$ not read",
		/* 36 */ "~~~",
		/* 37 */ "$ go run ./outside-any-block",
		/* 38 */ "<!-- runit: skip -->",
		/* 39 */ "",
		/* 40 */ "```",
		/* 41 */ "$ go run ./05-poll -shows-a-mistake-on-purpose",
		/* 42 */ "```",
		/* 43 */ "```",
		/* 44 */ "$ go run ./06-epoll",
		/* 45 */ "```",
	}, "\n")
	want := []command{
		{4, "go run ./05-poll -v"},
		{7, "python3 -c '\nimport os\nprint(1)'"},
		{16, "git apply docs/breakit/x.patch"},
		{23, "go run ./bench -quick      # a script line"},
		{25, "go test lbws/..."},
		{32, "echo inside a longer fence"},
		{44, "go run ./06-epoll"},
	}
	if got := commands(src); !reflect.DeepEqual(got, want) {
		t.Errorf("commands:\n got %+v\nwant %+v", got, want)
	}
}

func TestGoTestArgs(t *testing.T) {
	for _, tc := range []struct {
		words            []word
		pkgs             []string
		run, bench, fuzz string
	}{
		{ws("go", "test", "-count=1", "-v", "-run", "TestX", "lbws/01-echo"), []string{"lbws/01-echo"}, "TestX", "", ""},
		{ws("go", "test", "lbws/02-simple-wsgi", "-run", "TestConformance/smuggling/"), []string{"lbws/02-simple-wsgi"}, "TestConformance/smuggling/", "", ""},
		{ws("go", "test", "-run=^TestA$", "-timeout", "20m", "./05-poll", "lbws/shared/loop"), []string{"./05-poll", "lbws/shared/loop"}, "^TestA$", "", ""},
		{ws("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "lbws/shared/http1"), []string{"lbws/shared/http1"}, "^$", ".", ""},
		{ws("go", "test", "-run", "^$", "-fuzz", "^FuzzParse$", "-fuzztime", "1000x", "lbws/shared/http1"), []string{"lbws/shared/http1"}, "^$", "", "^FuzzParse$"},
		{ws("go", "test", "-race", "-count=1", "-tags", "sockportable", "lbws/shared/sock"), []string{"lbws/shared/sock"}, "", "", ""},
		{ws("go", "test", "-v", "-args", "-x", "y"), nil, "", "", ""},
	} {
		pkgs, regex, ok := goTestArgs(tc.words)
		if !ok || !reflect.DeepEqual(pkgs, tc.pkgs) || regex["run"].text != tc.run ||
			regex["bench"].text != tc.bench || regex["fuzz"].text != tc.fuzz {
			t.Errorf("goTestArgs(%v) = %q %v %v, want %q run %q bench %q fuzz %q",
				tc.words, pkgs, regex, ok, tc.pkgs, tc.run, tc.bench, tc.fuzz)
		}
	}
	if _, _, ok := goTestArgs(ws("go", "test", "{$PKG}")); ok {
		t.Error("goTestArgs accepted a package the shell expands")
	}
}

func TestGoRunArgsAndProgramWords(t *testing.T) {
	for _, tc := range []struct {
		words       []word
		out, target string
		flags       []string
		others      []string
	}{
		{ws("go", "run", "./bench", "-targets", "06,nethttp", "-workloads", "c10k", "-quick", "-out", "/tmp/bench06"),
			"", "./bench", []string{"targets", "workloads", "quick", "out"}, []string{"06,nethttp", "c10k"}},
		{ws("go", "run", "-race", "./04-select", "-addr=127.0.0.1:1", "--v", "--", "-notaflag", "docs/x.md"),
			"", "./04-select", []string{"addr", "v"}, []string{"-notaflag", "docs/x.md"}},
		{ws("go", "build", "-o", "01-echo/01-echo", "./01-echo"),
			"01-echo/01-echo", "./01-echo", nil, nil},
		{ws("go", "run", "./x", "-delay", "-1", "-n", "5", "-render", "bench/results/r.json", "{$X}"),
			"", "./x", []string{"delay", "n", "render"}, []string{"-1", "5", "bench/results/r.json"}},
		{ws("go", "run", "./x", "-cpuprofile", "cpu.prof", "-o=f", "g"),
			"", "./x", []string{"cpuprofile", "o"}, []string{"g"}},
	} {
		out, target, args, ok := goRunArgs(tc.words)
		if !ok || out.text != tc.out || target.text != tc.target {
			t.Errorf("goRunArgs(%v) = %q %q %v, want %q %q", tc.words, out.text, target.text, ok, tc.out, tc.target)
			continue
		}
		flags, others := programWords(args)
		var texts []string
		for _, w := range others {
			texts = append(texts, w.text)
		}
		if !reflect.DeepEqual(flags, tc.flags) || !reflect.DeepEqual(texts, tc.others) {
			t.Errorf("programWords(%v) = %q %q, want %q %q", args, flags, texts, tc.flags, tc.others)
		}
	}
	if _, _, _, ok := goRunArgs(ws("go", "run", "-race")); ok {
		t.Error("goRunArgs found a package in go run -race")
	}
}

func TestIsFlagWord(t *testing.T) {
	for w, want := range map[string]bool{
		"-v": true, "--v": true, "-addr=x": true, "-header-timeout": true, "-max.x": true,
		"-": false, "--": false, "-1": false, "-0.5": false, "x": false, "-=x": false, "-$x": false,
	} {
		if got := isFlagWord(w); got != want {
			t.Errorf("isFlagWord(%q) = %v, want %v", w, got, want)
		}
	}
}

func TestSplitRegexp(t *testing.T) {
	for re, want := range map[string][][]string{
		"TestA":                 {{"TestA"}},
		"TestA|TestB$":          {{"TestA"}, {"TestB$"}},
		"^TestC$/^edges$/^x-y$": {{"^TestC$", "^edges$", "^x-y$"}},
		"TestC/smuggling/":      {{"TestC", "smuggling", ""}},
		"Test(A|B)/x":           {{"Test(A|B)", "x"}},
		"Test[/|]x":             {{"Test[/|]x"}},
		"A/B|C":                 {{"A", "B"}, {"C"}},
		`A\|B`:                  {{`A\|B`}},
	} {
		if got := splitRegexp(re); !reflect.DeepEqual(got, want) {
			t.Errorf("splitRegexp(%q) = %q, want %q", re, got, want)
		}
	}
}

func TestUsageFlags(t *testing.T) {
	usage := `usage: x [flags]

-prefork N runs workers (prose at the margin is not a definition)

Examples:
  go run ./x -quick              # an example is not a definition

  -addr host:port
    	listen on host:port (default "127.0.0.1:8888")
  -v	log one line per request
  -max.body int
    	a limit
`
	want := map[string]bool{"addr": true, "v": true, "max.body": true}
	if got := usageFlags(usage); !reflect.DeepEqual(got, want) {
		t.Errorf("usageFlags = %v, want %v", got, want)
	}
}

// TestFixture runs the command on testdata/fixture.md against this
// repository: each kind of problem there is reported at its line, the
// commands that are right are checked and pass, and the programs it
// built are removed.
func TestFixture(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs and lists tests with the go command")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var stdout, stderr bytes.Buffer
	status := run([]string{"-v", "-root", "../../..", "testdata/fixture.md"}, &stdout, &stderr)
	if status != 1 {
		t.Errorf("exit status %d, want 1; stderr:\n%s", status, stderr.String())
	}
	var problems, oks []string
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		switch {
		case strings.Contains(line, ": ok: "):
			oks = append(oks, line)
		case strings.Contains(line, ": skipped: "):
		default:
			problems = append(problems, line)
		}
	}
	const f = "testdata/fixture.md:"
	wantProblems := []string{
		f + "10: go run ./shared/cmd/hold: flag -no-such-flag is not defined",
		f + "13: go test lbws/shared/cmd/hold: -run '^TestNoSuchTest$' matches no test in lbws/shared/cmd/hold",
		f + "14: go test lbws/shared/cmd/hold: -run alternative 'TestRenamedAway' matches no test in lbws/shared/cmd/hold",
		f + "15: git apply: docs/breakit/no-such.patch does not exist",
		f + "16: go run ./no-such-dir: no Go package in ./no-such-dir",
		f + "17: go test lbws/no/such: go list lbws/no/such: ",
		f + "18: /tmp/runit-fixture/hold: flag -bogus is not defined",
		f + "19: ./02-simple-wsgi/no-such.sh: ./02-simple-wsgi/no-such.sh does not exist",
		f + "29: go run ./shared/cmd/hold: flag -zzz is not defined",
		f + "35: /tmp/runit-fixture/later: flag -later-bogus is not defined",
		f + "42: ./shared/cmd/hold/hold: flag -default-bogus is not defined",
	}
	if len(problems) != len(wantProblems) {
		t.Errorf("got %d problems, want %d:\n%s", len(problems), len(wantProblems), strings.Join(problems, "\n"))
	}
	for i, want := range wantProblems {
		if i < len(problems) && !strings.HasPrefix(problems[i], want) {
			t.Errorf("problem %d:\n got %s\nwant %s...", i+1, problems[i], want)
		}
	}
	for _, want := range []string{
		f + "8: go run ./shared/cmd/hold: ok: flag -n",
		f + "8: go run ./shared/cmd/hold: ok: flag -d",
		f + "8: go run ./shared/cmd/hold: ok: flag -addr",
		f + "12: go test lbws/shared/cmd/hold: ok: -run '^TestHoldsNThenLetsGo$' matches in lbws/shared/cmd/hold",
		f + "15: git apply: ok: docs/breakit/01-eintr-retry.patch exists",
		f + "18: /tmp/runit-fixture/hold: ok: flag -d",
		f + "19: ./02-simple-wsgi/wrk.sh: ok: ./02-simple-wsgi/wrk.sh exists",
		f + "28: go run ./shared/cmd/hold: ok: flag -n",
		f + "35: /tmp/runit-fixture/later: ok: flag -n",
		f + "42: ./shared/cmd/hold/hold: ok: flag -n",
	} {
		if !contains(oks, want) {
			t.Errorf("no line %q in the checks that passed:\n%s", want, strings.Join(oks, "\n"))
		}
	}
	if !strings.Contains(stderr.String(), "runit: 11 problem(s)") {
		t.Errorf("stderr lacks the count: %s", stderr.String())
	}
	if entries, err := os.ReadDir(tmp); err != nil || len(entries) != 0 {
		t.Errorf("the temporary directory holds %v (%v) after the run; want nothing", entries, err)
	}
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}

func TestUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if status := run([]string{"-h"}, &stdout, &stderr); status != 0 {
		t.Errorf("-h: exit status %d, want 0", status)
	}
	if !strings.Contains(stderr.String(), "usage: runit") || !strings.Contains(stderr.String(), "-root directory") {
		t.Errorf("-h printed:\n%s", stderr.String())
	}
	if status := run([]string{"-no-such-flag"}, &stdout, &stderr); status != 2 {
		t.Errorf("-no-such-flag: exit status %d, want 2", status)
	}
}
