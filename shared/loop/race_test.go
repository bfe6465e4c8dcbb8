//go:build race

package loop

// raceEnabled reports whether the tests run under the race detector,
// where sync.Pool drops a random quarter of what is put back, so pooled
// buffers and parsers are allocated again and allocation counts mean
// nothing.
const raceEnabled = true
