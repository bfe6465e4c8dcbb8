package main

import "sync/atomic"

// options are the stage's own choices beside loop.Config: the -multishot
// flag, and the sizes of its provided buffer ring (zero: the defaults,
// bufCount and bufSize; tests make the ring tiny to run it dry).
type options struct {
	multishot bool
	bufCount  int    // buffers in the provided buffer ring, a power of two
	bufSize   int    // bytes in each
	stats     *stats // if set, the server counts into it (tests)
}

// stats counts what the tests check the multishot path did: submissions
// saved, and rings run dry.
type stats struct {
	sqes       atomic.Int64 // submissions of any operation
	cqes       atomic.Int64 // completions taken
	acceptSQEs atomic.Int64 // ACCEPT submissions
	recvSQEs   atomic.Int64 // RECV submissions
	enobufs    atomic.Int64 // multishot RECVs ended by an empty buffer ring (ENOBUFS), then re-armed
	held       atomic.Int64 // received bytes held back while the connection did not want to read
}
