// Package main is a fixture for the snippets tool's tests: a cut-down
// readiness loop in the shape of stage 04.
package main

import "fmt"

// !+wait

// wait blocks until a descriptor in fds is ready and returns the ready
// ones.
func wait(fds []int) []int {
	set := newFdSet(fds)
	n := selectCall(set)
	var ready []int
	for _, fd := range fds {
		if set.has(fd) {
			ready = append(ready, fd)
		}
	}
	fmt.Println(n, "ready")
	return ready
}

// !-wait

// fdSet is a stand-in for unix.FdSet.
type fdSet map[int]bool

func newFdSet(fds []int) fdSet {
	s := fdSet{}
	for _, fd := range fds {
		s[fd] = true
	}
	return s
}

func (s fdSet) has(fd int) bool { return s[fd] }

func selectCall(s fdSet) int { return len(s) }
