//go:build linux

package main

import (
	"errors"
	"fmt"
)

// errNotImplemented is what each TODO(you) returns, or records, until you
// write it: serve stops with it at the end of the turn that reached it,
// and the server exits saying which function is next, instead of hanging
// or answering wrongly.
var errNotImplemented = errors.New("not implemented")

// todo is the error of the function fn, in file, not written yet.
func todo(fn, file string) error {
	return fmt.Errorf("%s: %w (TODO(you) in 06-epoll/exercise/%s; hints in hints.md)", fn, errNotImplemented, file)
}

// reached records err, the first TODO(you) the loop reached in a function
// that returns no error; serve returns it after the turn (and timeout
// lets that turn's epoll_wait return at once).
func (s *server) reached(err error) {
	if s.err == nil {
		s.err = err
	}
}
