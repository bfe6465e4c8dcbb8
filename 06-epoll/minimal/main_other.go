//go:build !linux

// Command minimal needs epoll(7), which only Linux has: on macOS and the
// BSDs run 05-poll/minimal (kqueue(2) is their counterpart of epoll).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "06-epoll minimal: epoll(7) is Linux-only; run 05-poll/minimal here")
	os.Exit(1)
}
