package loop

import "sync"

// Buffer sizes. A buffer is taken from its pool when a connection needs
// it and given back as soon as it is empty, so an idle connection holds
// none.
const (
	// scratchSize is the size of the stages' read buffer (their
	// readSize), which the tests' fake stage uses too: every read lands
	// there first, and the connection copies out only bytes that are not
	// yet a whole request.
	scratchSize = 64 << 10
	// smallSize is the class of unparsed remainders and copied heads.
	smallSize = 4 << 10
	// largeSize is the class of output buffers for small responses.
	largeSize = 16 << 10
	// chunkSize is the class of the chunks workers hand to the loop (the
	// loop writes a chunk from the worker's own buffer, without a copy,
	// when nothing else is waiting), of larger output buffers and of body
	// pipes. Fewer, larger chunks mean fewer hand-offs between a worker
	// and the loop for a large body.
	chunkSize = 64 << 10
)

// buffer is a byte slice that travels through a pool; pooling a pointer
// to it avoids an allocation per Put.
type buffer struct {
	b []byte
}

var (
	smallPool = sync.Pool{New: func() any { return &buffer{b: make([]byte, 0, smallSize)} }}
	largePool = sync.Pool{New: func() any { return &buffer{b: make([]byte, 0, largeSize)} }}
	chunkPool = sync.Pool{New: func() any { return &buffer{b: make([]byte, 0, chunkSize)} }}
)

// getBuffer returns an empty buffer with room for at least n bytes.
func getBuffer(n int) *buffer {
	switch {
	case n <= smallSize:
		return smallPool.Get().(*buffer)
	case n <= largeSize:
		return largePool.Get().(*buffer)
	case n <= chunkSize:
		return chunkPool.Get().(*buffer)
	}
	return &buffer{b: make([]byte, 0, n)}
}

// putBuffer gives b back to its pool. A buffer that grew past its class
// is left to the garbage collector, so one large request does not pin its
// memory for the life of the process.
func putBuffer(b *buffer) {
	if b == nil {
		return
	}
	switch cap(b.b) {
	case smallSize:
		b.b = b.b[:0]
		smallPool.Put(b)
	case largeSize:
		b.b = b.b[:0]
		largePool.Put(b)
	case chunkSize:
		b.b = b.b[:0]
		chunkPool.Put(b)
	}
}
