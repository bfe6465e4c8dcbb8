package stagetest

import (
	"bytes"
	"strings"
	"sync"
)

// LogBuffer is a bytes.Buffer that a server's logger and a test may use at
// the same time. The zero value is an empty buffer ready to use.
type LogBuffer struct {
	mu  sync.Mutex   // guards buf
	buf bytes.Buffer // everything written so far
}

// Write appends p to the buffer.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Count returns how many times s occurs in what was written so far.
func (b *LogBuffer) Count(s string) int {
	return strings.Count(b.String(), s)
}
