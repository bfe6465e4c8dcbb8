package loop

import "sync"

// Buffer sizes. A buffer is taken from its pool when a connection needs
// it and given back as soon as it is empty, so an idle connection holds
// none.
const (
	// scratchSize is the loop's read buffer: every read lands here first,
	// and only bytes that are not yet a whole request are copied out.
	scratchSize = 64 << 10
	// smallSize is the class of unparsed remainders and copied heads.
	smallSize = 4 << 10
	// largeSize is the class of output buffers and of the chunks workers
	// hand to the loop.
	largeSize = 16 << 10
)

// buffer is a byte slice that travels through a pool; pooling a pointer
// to it avoids an allocation per Put.
type buffer struct {
	b []byte
}

var (
	smallPool = sync.Pool{New: func() any { return &buffer{b: make([]byte, 0, smallSize)} }}
	largePool = sync.Pool{New: func() any { return &buffer{b: make([]byte, 0, largeSize)} }}
)

// getBuffer returns an empty buffer with room for at least n bytes.
func getBuffer(n int) *buffer {
	switch {
	case n <= smallSize:
		return smallPool.Get().(*buffer)
	case n <= largeSize:
		return largePool.Get().(*buffer)
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
	}
}
