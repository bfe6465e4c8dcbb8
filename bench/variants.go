package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// usageTimeout bounds `stage -h`, in case a stage ignores -h and serves.
const usageTimeout = 5 * time.Second

// checkVariants marks a variant whose stage is built but does not list
// the flags the variant adds (03-fork before it has -prefork) as not
// built yet, so its rows say so instead of failing to start.
func (r *runner) checkVariants(ctx context.Context, ts []Target) []Target {
	usage := map[string]string{}
	for i, t := range ts {
		bin, ok := r.bins[t.Pkg]
		if len(t.Args) == 0 || !ok || t.Missing != "" {
			continue
		}
		if _, seen := usage[t.Pkg]; !seen {
			usage[t.Pkg] = stageUsage(ctx, bin)
		}
		if flag := missingFlag(usage[t.Pkg], t.Args); flag != "" {
			ts[i].Missing = "not built yet: " + strings.TrimPrefix(t.Pkg, "./") + " has no " + flag + " flag"
		}
	}
	return ts
}

// stageUsage returns a built stage's -h output.
func stageUsage(ctx context.Context, bin string) string {
	ctx, cancel := context.WithTimeout(ctx, usageTimeout)
	defer cancel()
	out, _ := exec.CommandContext(ctx, bin, "-h").CombinedOutput()
	return string(out)
}

// missingFlag returns the first flag of args that usage (the flag
// package's -h output, one indented flag a line) does not list, or "".
func missingFlag(usage string, args []string) string {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		re := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(a) + `\b`)
		if !re.MatchString(usage) {
			return a
		}
	}
	return ""
}

// resultsName names a run's results: start time to the second, host, a
// random suffix, and -quick or -partial for runs that are not full.
func resultsName(started time.Time, host string, quick, partial bool) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	name := started.UTC().Format("2006-01-02T150405Z") + "-" + host + "-" + hex.EncodeToString(b[:])
	switch {
	case quick:
		name += "-quick"
	case partial:
		name += "-partial"
	}
	return name
}
