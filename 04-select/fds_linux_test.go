package main

import (
	"testing"

	"lbws/shared/loop/looptest"
)

// Out of descriptors, accept fails with EMFILE: the stage pauses
// accepting and serves again once descriptors are free.
func TestOutOfDescriptorsRecovers(t *testing.T) { looptest.OutOfDescriptorsRecovers(t) }
