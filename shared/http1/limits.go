package http1

// !+limits

// The default limits. A server that parses requests from strangers has to
// bound every part of a request, or one client can make it buffer without
// end. Each value below says why it is that size and what other servers use.
const (
	// DefaultMaxRequestLine bounds the request line (method, target and
	// version). RFC 9112 3 recommends supporting at least 8000 octets;
	// nginx answers 414 when the line does not fit one 8 KiB
	// large_client_header_buffers buffer and Apache's LimitRequestLine is
	// 8190. net/http has no separate limit (only MaxHeaderBytes, 1 MiB).
	DefaultMaxRequestLine = 8 << 10

	// DefaultMaxHeaderBytes bounds the whole head: request line, fields and
	// the empty line. Browsers send a few hundred bytes to a few KiB; large
	// cookies push it to tens of KiB. nginx allows 4 buffers of 8 KiB
	// (32 KiB), net/http 1 MiB. 64 KiB accepts every real browser while a
	// slow client can pin at most 64 KiB of buffer. A head over it is 431
	// (RFC 6585 5).
	DefaultMaxHeaderBytes = 64 << 10

	// DefaultMaxFields bounds the number of header (and trailer) fields.
	// Apache's LimitRequestFields is 100; real browsers send 10 to 20.
	// Without a count limit, a head of tiny fields costs a Field each.
	DefaultMaxFields = 100

	// DefaultMaxBody bounds a request body. nginx's client_max_body_size
	// defaults to 1 MiB and net/http has no limit unless the handler asks
	// for one (http.MaxBytesReader). This tutorial's apps echo bodies back,
	// so 8 MiB leaves room for large test uploads while still bounding what
	// one request can make the server read. A larger body is 413
	// (RFC 9110 15.5.14).
	DefaultMaxBody = 8 << 20
)

// !-limits

// Limits bounds the size of a request. A zero field means the default
// (DefaultLimits); a server sets only the fields it wants to change.
type Limits struct {
	MaxRequestLine int   // longest request line in bytes, CRLF included; longer is 414
	MaxHeaderBytes int   // longest head (or trailer section) in bytes; longer is 431
	MaxFields      int   // most header (or trailer) fields; more is 431
	MaxBody        int64 // largest body in bytes; larger is 413
}

// DefaultLimits returns the limits used when a field of Limits is zero.
func DefaultLimits() Limits {
	return Limits{
		MaxRequestLine: DefaultMaxRequestLine,
		MaxHeaderBytes: DefaultMaxHeaderBytes,
		MaxFields:      DefaultMaxFields,
		MaxBody:        DefaultMaxBody,
	}
}

// WithDefaults returns l with every zero (or negative) field replaced by
// its default from DefaultLimits: the limits a Parser or Reader given l
// actually enforces.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	if l.MaxRequestLine <= 0 {
		l.MaxRequestLine = d.MaxRequestLine
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxFields <= 0 {
		l.MaxFields = d.MaxFields
	}
	if l.MaxBody <= 0 {
		l.MaxBody = d.MaxBody
	}
	return l
}
