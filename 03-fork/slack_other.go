//go:build !linux

package main

// withChildSlack runs start: the timer slack a child would inherit is
// Linux's (see slack_linux.go).
func withChildSlack(start func() error) error { return start() }
