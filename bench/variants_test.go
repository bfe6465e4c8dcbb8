package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// usages maps a target to its -h output, as the flag package prints it.
var usages = map[string]string{
	"02-simple-wsgi": "Usage of 02:\n  -addr string\n    \tlisten address\n  -delay duration\n  -v\ttrace requests\n",
	"04-select":      "Usage of 04:\n  -addr string\n  -delay duration\n  -workers int\n    \tapp workers; 0 runs the app in the loop (default 8)\n",
	"06-epoll":       "Usage of 06:\n  -loops int\n  -max-workers int\n", // not -workers
	"nethttp":        "  -workers int\n",                                 // a peer: never varied
}

func TestWithInlineVariants(t *testing.T) {
	ts := []Target{
		{Name: "02-simple-wsgi", Kind: kindStage, command: goCommand()},
		{Name: "04-select", Kind: kindStage, command: goCommand()},
		{Name: "06-epoll", Kind: kindStage, command: goCommand()},
		{Name: "nethttp", Kind: kindPeer, command: goCommand()},
	}
	got := withInlineVariants(ts, func(t Target) string { return usages[t.Name] })
	var names []string
	for _, t := range got {
		names = append(names, t.Name)
	}
	want := []string{"02-simple-wsgi", "04-select", "04-select-inline", "06-epoll", "nethttp"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("targets (-want +got):\n%s", diff)
	}
	cmd, err := got[2].command("127.0.0.1:9", 0, "/bin/04", "")
	if err != nil {
		t.Fatal(err)
	}
	if args := strings.Join(cmd.Args, " "); args != "/bin/04 -addr 127.0.0.1:9 -delay 0s -workers 0" {
		t.Errorf("inline variant runs %q", args)
	}
	cmd, _ = got[1].command("127.0.0.1:9", 0, "/bin/04", "")
	if args := strings.Join(cmd.Args, " "); args != "/bin/04 -addr 127.0.0.1:9 -delay 0s" {
		t.Errorf("stage runs %q", args)
	}
}

func TestAddVariantsSelectsAgain(t *testing.T) {
	ts := []Target{{Name: "04-select", Kind: kindStage}, {Name: "nginx", Kind: kindPeer}}
	r := &runner{bins: map[string]string{"04-select": "/bin/sh"}} // sh -h prints no -workers
	r.cfg.targets = []string{"04-select-inline"}
	if _, err := r.addVariants(t.Context(), ts); err == nil || !strings.Contains(err.Error(), "04-select-inline") {
		t.Errorf("a variant that does not exist: err = %v", err)
	}
	r.cfg.targets = nil
	got, err := r.addVariants(t.Context(), ts)
	if err != nil || len(got) != 2 {
		t.Errorf("no variants: got %d targets, err %v", len(got), err)
	}
}
