package main

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// inlineSuffix names the variant of a stage that calls the app inside its
// readiness loop, as the article's select server does.
const inlineSuffix = "-inline"

// workersFlag finds a -workers flag in a stage's usage text (the flag
// package prints each flag on its own line, indented).
var workersFlag = regexp.MustCompile(`(?m)^\s+-workers\b`)

// usageTimeout bounds `stage -h`, in case a stage ignores -h and serves.
const usageTimeout = 5 * time.Second

// withInlineVariants returns ts with, right after each stage whose usage
// lists -workers, a variant that runs it with -workers 0: the readiness
// loops hand the app to a worker pool by default, and -workers 0 makes
// them call it inline, the model of the article's table. usage returns a
// target's -h output.
func withInlineVariants(ts []Target, usage func(Target) string) []Target {
	var out []Target
	for _, t := range ts {
		out = append(out, t)
		if t.Kind != kindStage || !workersFlag.MatchString(usage(t)) {
			continue
		}
		v := t
		v.Name = t.Name + inlineSuffix
		v.Note = "-workers 0: the app runs inside the loop, as in the article"
		v.command = goCommand("-workers", "0")
		out = append(out, v)
	}
	return out
}

// addVariants adds the inline variants of the built stages, sharing their
// binaries, and applies -targets again now that the variants exist.
func (r *runner) addVariants(ctx context.Context, ts []Target) ([]Target, error) {
	usage := func(t Target) string {
		bin, ok := r.bins[t.Name]
		if !ok {
			return ""
		}
		ctx, cancel := context.WithTimeout(ctx, usageTimeout)
		defer cancel()
		out, _ := exec.CommandContext(ctx, bin, "-h").CombinedOutput()
		return string(out)
	}
	all := withInlineVariants(ts, usage)
	for _, t := range all {
		if base, ok := strings.CutSuffix(t.Name, inlineSuffix); ok && r.bins[base] != "" {
			r.bins[t.Name] = r.bins[base]
		}
	}
	if len(r.cfg.targets) == 0 {
		return all, nil
	}
	sel, err := selectTargets(all, r.cfg.targets)
	if err != nil {
		return nil, fmt.Errorf("after building: %w", err)
	}
	return sel, nil
}
