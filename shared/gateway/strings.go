package gateway

import "unsafe"

// stringStore builds the strings of one Environ in a single append-only
// byte array: first the room allocated with the Environ itself, then, if
// a large head needs more, fresh arrays from the heap. Each string is made
// with unsafe.String over bytes that are written once, before the string
// exists, and never again (the store only appends past them, and a full
// array is replaced, not grown in place), so the strings are as immutable
// as any other; this is how strings.Builder avoids a copy. The array is
// never reused for another request: the garbage collector frees it with
// the last string or Environ that points into it.
type stringStore struct {
	b []byte // the current array; strings point into b[:len(b)]
}

// minStoreArray is the size of an array the store takes from the heap
// once the Environ's own room is full.
const minStoreArray = 1 << 10

// room makes sure n more bytes fit in the current array.
func (ts *stringStore) room(n int) {
	if len(ts.b)+n > cap(ts.b) {
		ts.b = make([]byte, 0, max(n, minStoreArray))
	}
}

// add returns p as a string.
func (ts *stringStore) add(p []byte) string {
	if len(p) == 0 {
		return ""
	}
	ts.room(len(p))
	start := len(ts.b)
	ts.b = append(ts.b, p...)
	return unsafe.String(&ts.b[start], len(p))
}

// cgiName returns "HTTP_" and the field name upper-cased with '-' turned
// into '_'.
func (ts *stringStore) cgiName(name []byte) string {
	n := len("HTTP_") + len(name)
	ts.room(n)
	start := len(ts.b)
	ts.b = append(ts.b, "HTTP_"...)
	for _, c := range name {
		switch {
		case c == '-':
			c = '_'
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		ts.b = append(ts.b, c)
	}
	return unsafe.String(&ts.b[start], n)
}

// method returns the request method as a string: a constant for the
// methods of RFC 9110 section 9, a copy in the store for any other.
func (ts *stringStore) method(m []byte) string {
	switch string(m) {
	case "GET":
		return "GET"
	case "HEAD":
		return "HEAD"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	case "OPTIONS":
		return "OPTIONS"
	case "PATCH":
		return "PATCH"
	case "CONNECT":
		return "CONNECT"
	case "TRACE":
		return "TRACE"
	}
	return ts.add(m)
}
