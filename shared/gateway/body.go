package gateway

import (
	"errors"
	"fmt"
	"io"
)

// !+body

// Body is what an App returns: the response body as a sequence of byte
// chunks, PEP 3333's iterable. Next returns the next chunk, or io.EOF after
// the last one; a chunk is only read until the following call of Next or
// Close, so a Body may reuse one buffer. The server calls Close exactly
// once when it is done with the Body, also after an error or when the
// client went away (PEP 3333's close()); release resources there.
type Body interface {
	Next() ([]byte, error)
	Close() error
}

// !-body

// Bytes returns a Body that yields the given chunks in order. It keeps
// the chunks, not the slice that holds them (which the caller may reuse),
// so a one-chunk Body is one small allocation.
func Bytes(chunks ...[]byte) Body {
	b := &bytesBody{n: len(chunks)}
	if len(chunks) > 0 {
		b.first = chunks[0]
	}
	if len(chunks) > 1 {
		b.rest = append([][]byte(nil), chunks[1:]...)
	}
	return b
}

// bytesBody is the Body returned by Bytes.
type bytesBody struct {
	first []byte   // the first chunk
	rest  [][]byte // the chunks after it
	n     int      // number of chunks
	i     int      // chunks yielded so far
}

// Next yields the next chunk.
func (b *bytesBody) Next() ([]byte, error) {
	if b.i == b.n {
		return nil, io.EOF
	}
	b.i++
	if b.i == 1 {
		return b.first, nil
	}
	return b.rest[b.i-2], nil
}

// Close does nothing.
func (b *bytesBody) Close() error { return nil }

// FromReader returns a Body that streams r in chunks of up to size bytes,
// one Read per chunk, reusing one buffer. Close closes r if it is an
// io.Closer.
func FromReader(r io.Reader, size int) Body {
	if size <= 0 {
		size = 32 << 10
	}
	return &readerBody{r: r, size: size}
}

// readerBody is the Body returned by FromReader.
type readerBody struct {
	r    io.Reader // source of the chunks
	size int       // chunk size
	buf  []byte    // allocated on the first Next
}

// Next reads the next chunk from r.
func (b *readerBody) Next() ([]byte, error) {
	if b.buf == nil {
		b.buf = make([]byte, b.size)
	}
	for {
		n, err := b.r.Read(b.buf)
		if n > 0 {
			return b.buf[:n], nil
		}
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		if err != nil {
			return nil, fmt.Errorf("gateway: read body: %w", err)
		}
	}
}

// Close closes r if it can be closed.
func (b *readerBody) Close() error {
	if c, ok := b.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
