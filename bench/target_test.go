package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// writeFile creates root/rel with content, making directories.
func writeFile(t *testing.T, root, rel, content string) {
	t.Helper()
	path := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDiscoverStages(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "01-echo/main.go", "package main\n") // not HTTP
	writeFile(t, root, "02-simple-wsgi/main.go", "// Doc.\npackage main\n")
	writeFile(t, root, "03-fork/serve.go", "package main\n")
	writeFile(t, root, "04-select/README.md", "no code yet\n")   // no Go
	writeFile(t, root, "05-poll/lib.go", "package poll\n")       // not main
	writeFile(t, root, "05-poll/main_test.go", "package main\n") // tests only
	writeFile(t, root, "06-epoll/main.go", "package main\n")
	writeFile(t, root, "shared/main.go", "package main\n") // not numbered
	writeFile(t, root, "7-bad/main.go", "package main\n")  // one digit
	writeFile(t, root, "10-future/main.go", "package main\n")
	writeFile(t, root, "08-file.go", "package main\n") // a file, not a dir
	got, err := discoverStages(root)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"02-simple-wsgi", "03-fork", "06-epoll", "10-future"}, got); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
}

// TestStageTargets: the declared stages come in order with their
// variants, those without a directory are "not built yet", and a stage
// bench does not know runs with an unknown model.
func TestStageTargets(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "02-simple-wsgi/main.go", "package main\n")
	writeFile(t, root, "04-select/main.go", "package main\n")
	writeFile(t, root, "08-future/main.go", "package main\n")
	got, err := stageTargets(root)
	if err != nil {
		t.Fatal(err)
	}
	type tgt struct{ Name, Pkg, Args, Missing string }
	var rows []tgt
	for _, s := range got {
		rows = append(rows, tgt{s.Name, s.Pkg, strings.Join(s.Args, " "), s.Missing})
		if s.Kind != kindStage || s.command == nil || s.Backlog == "" {
			t.Errorf("%s: kind %q, command set %v, backlog %q", s.Name, s.Kind, s.command != nil, s.Backlog)
		}
	}
	want := []tgt{
		{"02-simple-wsgi", "./02-simple-wsgi", "", ""},
		{"03-fork", "./03-fork", "", "not built yet: no 03-fork directory with a main package"},
		{"03-fork-prefork8", "./03-fork", "-prefork 8", "not built yet: no 03-fork directory with a main package"},
		{"04-select", "./04-select", "", ""},
		{"04-select-inline", "./04-select", "-workers 0", ""},
		{"05-poll", "./05-poll", "", "not built yet: no 05-poll directory with a main package"},
		{"06-epoll", "./06-epoll", "", "not built yet: no 06-epoll directory with a main package"},
		{"06-epoll-inline", "./06-epoll", "-workers 0", "not built yet: no 06-epoll directory with a main package"},
		{"06-epoll-loops1", "./06-epoll", "-loops 1", "not built yet: no 06-epoll directory with a main package"},
		{"07-io-uring", "./07-io-uring", "", "not built yet: no 07-io-uring directory with a main package"},
		{"07-io-uring-inline", "./07-io-uring", "-workers 0", "not built yet: no 07-io-uring directory with a main package"},
		{"07-io-uring-multishot", "./07-io-uring", "-multishot", "not built yet: no 07-io-uring directory with a main package"},
		{"08-future", "./08-future", "", ""},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	if m := got[len(got)-1].Model; m.Concurrency != unknownModel {
		t.Errorf("undeclared stage: model %+v, want unknown", m)
	}
	cmd, err := got[4].command("127.0.0.1:9", 0, "/bin/04", "")
	if err != nil {
		t.Fatal(err)
	}
	if args := strings.Join(cmd.Args, " "); args != "/bin/04 -addr 127.0.0.1:9 -delay 0s -workers 0" {
		t.Errorf("inline variant runs %q", args)
	}
}

// TestModelBounds: each model has its own Little's-law bound under the
// article's load, not the workload's 5000 for everyone.
func TestModelBounds(t *testing.T) {
	article, overhead := workloads[0], workloads[2]
	byName := map[string]Target{}
	for _, s := range declaredStages(2) {
		byName[s.Name] = s
	}
	for _, p := range peers(fakeLookups(map[string]bool{"gunicorn": true, "nginx": true, "python3": true}, true), "/peers") {
		byName[p.Name] = p
	}
	tests := []struct {
		target string
		want   float64
		arith  string
	}{
		{"02-simple-wsgi", 5, "1 / 0.2 s = 5.00"},
		{"03-fork", 5000, "1000 / 0.2 s = 5,000"},
		{"03-fork-prefork8", 40, "8 / 0.2 s = 40.0"},
		{"04-select", 5000, "1000 / 0.2 s = 5,000"},
		{"04-select-inline", 5, "1 / 0.2 s = 5.00"},
		{"05-poll", 5000, "1000 / 0.2 s = 5,000"},
		{"06-epoll", 5000, "1000 / 0.2 s = 5,000"},
		{"06-epoll-inline", 10, "2 / 0.2 s = 10.0"},
		{"nethttp", 5000, "1000 / 0.2 s = 5,000"},
		{"gunicorn", 40, "8 / 0.2 s = 40.0"},
		{"article-py-iterative", 5, "1 / 0.2 s = 5.00"},
		{"article-py-fork", 5000, "1000 / 0.2 s = 5,000"},
		{"article-py-select", 5, "1 / 0.2 s = 5.00"},
	}
	for _, tt := range tests {
		row := newRow(byName[tt.target], article)
		if row.BoundQPS != tt.want || row.Bound != tt.arith {
			t.Errorf("%s: bound %v %q, want %v %q", tt.target, row.BoundQPS, row.Bound, tt.want, tt.arith)
		}
		if row := newRow(byName[tt.target], overhead); row.BoundQPS != 0 {
			t.Errorf("%s: bound %v without a sleep, want none", tt.target, row.BoundQPS)
		}
	}
	if row := newRow(byName["nginx"], article); row.BoundQPS != 0 || boundCell(&row) != "n/a (fixed body, no app)" {
		t.Errorf("nginx: bound %v, cell %q", row.BoundQPS, boundCell(&row))
	}
}

func TestDiscoverStagesMissingRoot(t *testing.T) {
	if _, err := discoverStages(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Error("discoverStages of a missing directory returned no error")
	}
}

// fakeLookups pretends that only the named executables exist.
func fakeLookups(installed map[string]bool, flask bool) lookups {
	return lookups{
		path: func(name string) (string, error) {
			if installed[name] {
				return "/usr/bin/" + name, nil
			}
			return "", errors.New("not found")
		},
		hasFlask: func(string) bool { return flask },
	}
}

func TestPeersMissing(t *testing.T) {
	tests := []struct {
		name      string
		installed map[string]bool
		flask     bool
		want      map[string]string // peer -> Missing
	}{
		{"nothing installed", nil, false,
			map[string]string{"nethttp": "", "fasthttp": "", "nbio": "", "gunicorn": gunicornMissing, "nginx": nginxMissing,
				"article-py-iterative": python3Missing, "article-py-fork": python3Missing, "article-py-select": python3Missing}},
		{"gunicorn without flask, python3", map[string]bool{"gunicorn": true, "nginx": true, "python3": true}, false,
			map[string]string{"nethttp": "", "fasthttp": "", "nbio": "", "gunicorn": gunicornMissing, "nginx": "",
				"article-py-iterative": "", "article-py-fork": "", "article-py-select": ""}},
		{"everything", map[string]bool{"gunicorn": true, "nginx": true, "python3": true}, true,
			map[string]string{"nethttp": "", "fasthttp": "", "nbio": "", "gunicorn": "", "nginx": "",
				"article-py-iterative": "", "article-py-fork": "", "article-py-select": ""}},
	}
	for _, tt := range tests {
		got := map[string]string{}
		for _, p := range peers(fakeLookups(tt.installed, tt.flask), "/peers") {
			got[p.Name] = p.Missing
			if p.Missing == "" && p.command == nil {
				t.Errorf("%s: %s is available but has no command", tt.name, p.Name)
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestMissingPeerRows(t *testing.T) {
	ps := peers(fakeLookups(nil, false), "/peers")
	r := &runner{}
	for _, p := range ps {
		if p.Missing == "" {
			continue
		}
		for _, w := range workloads {
			row := r.measure(t.Context(), p, w)
			if !strings.HasPrefix(row.Skipped, "skipped: not installed (apt-get install ") {
				t.Errorf("%s %s: Skipped = %q", p.Name, w.Name, row.Skipped)
			}
			if row.Target != p.Name || row.Workload != w.Name || row.Requests != 0 || row.Error != "" {
				t.Errorf("%s %s: row = %+v", p.Name, w.Name, row)
			}
		}
	}
	if !strings.Contains(gunicornMissing, "gunicorn python3-flask") || !strings.Contains(nginxMissing, "nginx") ||
		!strings.Contains(python3Missing, "install python3;") {
		t.Errorf("install hints: %q, %q, %q", gunicornMissing, nginxMissing, python3Missing)
	}
}

func TestGunicornCommand(t *testing.T) {
	ps := peers(fakeLookups(map[string]bool{"gunicorn": true, "nginx": true}, true), "/repo/bench/peers")
	cmd, err := peerNamed(t, ps, "gunicorn").command("127.0.0.1:9", 200_000_000, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/usr/bin/gunicorn", "-w", "8", "-k", "sync", "--backlog", "4096", "-b", "127.0.0.1:9", "--chdir", "/repo/bench/peers", "flask_app:app"}
	if diff := cmp.Diff(want, cmd.Args); diff != "" {
		t.Errorf("gunicorn args (-want +got):\n%s", diff)
	}
	if env := cmd.Env[len(cmd.Env)-1]; env != "LBWS_DELAY=0.2" {
		t.Errorf("delay env = %q, want LBWS_DELAY=0.2", env)
	}
}

// TestArticlePeerCommands: each of the article's servers runs its own
// script with python3, in bench/peers (where article_wsgi.py is), with
// the address and the delay in seconds.
func TestArticlePeerCommands(t *testing.T) {
	ps := peers(fakeLookups(map[string]bool{"python3": true}, false), "/repo/bench/peers")
	for _, name := range []string{"iterative", "fork", "select"} {
		cmd, err := peerNamed(t, ps, "article-py-"+name).command("127.0.0.1:9", 200*time.Millisecond, "", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"/usr/bin/python3", "article_" + name + ".py", "--addr", "127.0.0.1:9", "--delay", "0.2"}
		if diff := cmp.Diff(want, cmd.Args); diff != "" || cmd.Dir != "/repo/bench/peers" {
			t.Errorf("article-py-%s: dir %q, args (-want +got):\n%s", name, cmd.Dir, diff)
		}
	}
}

func TestNginxCommandWritesConfig(t *testing.T) {
	tmp := t.TempDir()
	ps := peers(fakeLookups(map[string]bool{"nginx": true}, false), "/peers")
	cmd, err := peerNamed(t, ps, "nginx").command("127.0.0.1:9", 0, "", tmp)
	if err != nil {
		t.Fatal(err)
	}
	conf, err := os.ReadFile(filepath.Join(tmp, "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"listen 127.0.0.1:9 backlog=4096;", "keepalive_requests 1000000000;", "daemon off;", "worker_processes 1;", "pid " + tmp + "/nginx.pid;", `return 200 "Hello World";`} {
		if !strings.Contains(string(conf), want) {
			t.Errorf("nginx.conf lacks %q", want)
		}
	}
	if got := strings.Join(cmd.Args[1:], " "); !strings.Contains(got, "-c "+tmp+"/nginx.conf -p "+tmp) {
		t.Errorf("nginx args = %q", got)
	}
	// nginx itself accepts the configuration, when installed.
	if p, err := exec.LookPath("nginx"); err == nil {
		test := exec.Command(p, append([]string{"-t"}, cmd.Args[1:]...)...)
		if out, err := test.CombinedOutput(); err != nil {
			t.Errorf("nginx -t: %v\n%s", err, out)
		}
	}
}

func TestSelectTargets(t *testing.T) {
	all := []Target{{Name: "02-simple-wsgi"}, {Name: "03-fork"}, {Name: "nethttp"}, {Name: "nginx"}}
	names := func(ts []Target) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.Name)
		}
		return out
	}
	got, err := selectTargets(all, []string{"nginx", "02", "02-simple-wsgi"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"02-simple-wsgi", "nginx"}, names(got)); diff != "" {
		t.Errorf("selectTargets (-want +got):\n%s", diff)
	}
	if got, _ := selectTargets(all, nil); len(got) != len(all) {
		t.Errorf("empty list selected %d targets, want all %d", len(got), len(all))
	}
	if _, err := selectTargets(all, []string{"0", "net"}); err == nil || !strings.Contains(err.Error(), "0, net") {
		t.Errorf("unknown targets: err = %v", err)
	}
}

// peerNamed returns the peer called name.
func peerNamed(t *testing.T, ps []Target, name string) Target {
	t.Helper()
	for _, p := range ps {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no peer %s", name)
	return Target{}
}
