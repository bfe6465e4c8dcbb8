//go:build !linux

package main

import (
	"errors"
	"time"
)

// sampleTree needs /proc; elsewhere the CPU and RSS columns stay empty.
func sampleTree(root int) (treeSample, error) {
	return treeSample{}, errors.New("process sampling needs Linux /proc")
}

// sumPSS needs /proc.
func sumPSS([]int) int64 { return 0 }

// snapshotCPU needs /proc.
func snapshotCPU(root int) (time.Duration, time.Time, error) {
	return 0, time.Time{}, errors.New("process sampling needs Linux /proc")
}
