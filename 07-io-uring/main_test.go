package main

import (
	"os"
	"testing"

	"lbws/shared/stage/stagetest"
)

// TestMain lets the tests start this stage's main as a child process
// (stagetest.StartProcess), in a seccomp sandbox that refuses io_uring
// if the test asks for one (seccompEnv), under a low limit on open
// descriptors if the test asks for one (nofileEnv).
func TestMain(m *testing.M) {
	sandboxIfAsked()
	limitNoFileIfAsked()
	stagetest.RunMainIfChild(main)
	os.Exit(m.Run())
}
