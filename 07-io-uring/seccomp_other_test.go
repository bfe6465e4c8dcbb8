//go:build !linux

package main

// sandboxIfAsked does nothing: seccomp is Linux's.
func sandboxIfAsked() {}

// limitNoFileIfAsked does nothing: the test that asks is Linux's.
func limitNoFileIfAsked() {}
