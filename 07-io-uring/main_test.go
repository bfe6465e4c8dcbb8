package main

import (
	"os"
	"testing"

	"lbws/shared/stage/stagetest"
)

// TestMain lets the tests start this stage's main as a child process
// (stagetest.StartProcess).
func TestMain(m *testing.M) {
	stagetest.RunMainIfChild(main)
	os.Exit(m.Run())
}
