package main

import (
	"log"

	"lbws/shared/stage"
)

// serveChild is a child's whole job: serve the connection its parent
// passed as descriptor connFd, with keep-alive, until the client is done
// or stays idle for -idle-timeout, or stop is closed (SIGTERM: the
// request in progress finishes, an idle connection ends at once); then
// close it. Its peer's address is in the environment (peerEnv).
func serveChild(stop <-chan struct{}, f stage.Flags, logger *log.Logger) error {
	// TODO(you): wrap descriptor connFd as a connection
	// (sock.NewConn, then blocking.NewConn); serve it with the request
	// loop newBlocking returns (ServeConn); when stop is closed while it
	// runs, call the connection's Stop; close it at the end. Here stop
	// is closed by stage.Run in main when this child gets SIGTERM,
	// which is how the exercise's parent stops its children. The
	// stage differs: its child ignores SIGTERM, and its parent closes a
	// pipe the child watches instead (docs/03-fork.md, "Your turn").
	return todo("serveChild", "child.go")
}
