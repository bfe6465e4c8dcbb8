//go:build !linux

package main

import "errors"

// sampleTree needs /proc; elsewhere the CPU and RSS columns stay empty.
func sampleTree(root int) (treeSample, error) {
	return treeSample{}, errors.New("process sampling needs Linux /proc")
}

// sumPSS needs /proc.
func sumPSS([]int) int64 { return 0 }
