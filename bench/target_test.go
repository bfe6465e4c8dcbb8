package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	var names, pkgs []string
	for _, s := range got {
		names = append(names, s.Name)
		pkgs = append(pkgs, s.Pkg)
		if s.Kind != kindStage || s.command == nil {
			t.Errorf("%s: kind %q, command set %v", s.Name, s.Kind, s.command != nil)
		}
	}
	if diff := cmp.Diff([]string{"02-simple-wsgi", "03-fork", "06-epoll", "10-future"}, names); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"./02-simple-wsgi", "./03-fork", "./06-epoll", "./10-future"}, pkgs); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
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
			map[string]string{"nethttp": "", "gunicorn": gunicornMissing, "nginx": nginxMissing}},
		{"gunicorn without flask", map[string]bool{"gunicorn": true, "nginx": true}, false,
			map[string]string{"nethttp": "", "gunicorn": gunicornMissing, "nginx": ""}},
		{"everything", map[string]bool{"gunicorn": true, "nginx": true}, true,
			map[string]string{"nethttp": "", "gunicorn": "", "nginx": ""}},
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
	for _, p := range ps[1:] {
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
	if !strings.Contains(gunicornMissing, "gunicorn python3-flask") || !strings.Contains(nginxMissing, "nginx") {
		t.Errorf("install hints: %q, %q", gunicornMissing, nginxMissing)
	}
}

func TestGunicornCommand(t *testing.T) {
	ps := peers(fakeLookups(map[string]bool{"gunicorn": true, "nginx": true}, true), "/repo/bench/peers")
	cmd, err := ps[1].command("127.0.0.1:9", 200_000_000, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/usr/bin/gunicorn", "-w", "8", "-k", "sync", "-b", "127.0.0.1:9", "--chdir", "/repo/bench/peers", "flask_app:app"}
	if diff := cmp.Diff(want, cmd.Args); diff != "" {
		t.Errorf("gunicorn args (-want +got):\n%s", diff)
	}
	if env := cmd.Env[len(cmd.Env)-1]; env != "LBWS_DELAY=0.2" {
		t.Errorf("delay env = %q, want LBWS_DELAY=0.2", env)
	}
}

func TestNginxCommandWritesConfig(t *testing.T) {
	tmp := t.TempDir()
	ps := peers(fakeLookups(map[string]bool{"nginx": true}, false), "/peers")
	cmd, err := ps[2].command("127.0.0.1:9", 0, "", tmp)
	if err != nil {
		t.Fatal(err)
	}
	conf, err := os.ReadFile(filepath.Join(tmp, "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"listen 127.0.0.1:9;", "daemon off;", "worker_processes 1;", "pid " + tmp + "/nginx.pid;", `return 200 "Hello World";`} {
		if !strings.Contains(string(conf), want) {
			t.Errorf("nginx.conf lacks %q", want)
		}
	}
	if got := strings.Join(cmd.Args[1:], " "); !strings.Contains(got, "-c "+tmp+"/nginx.conf -p "+tmp) {
		t.Errorf("nginx args = %q", got)
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
