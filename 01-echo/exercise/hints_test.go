package main

import (
	"testing"

	"lbws/shared/stage/stagetest"
)

// TestHintsAreTheStage checks that the last hint of each TODO(you) in
// hints.md is the stage's own code (see stagetest.HintsAreTheStage).
func TestHintsAreTheStage(t *testing.T) { stagetest.HintsAreTheStage(t) }
