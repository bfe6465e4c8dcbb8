//go:build !linux

// Command minimal needs io_uring(7), which only Linux has: macOS and the
// BSDs have readiness (kqueue) only; run 05-poll/minimal here.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "07-io-uring minimal: io_uring(7) is Linux-only; run 05-poll/minimal here")
	os.Exit(1)
}
