package http1

// Chunked decoder states (RFC 9112 7.1).
const (
	csSize         = iota // first hex digit of a chunk size
	csSizeMore            // further hex digits
	csSizeBWS             // whitespace after the size, before ";"
	csExt                 // inside chunk extensions, up to CR
	csSizeLF              // LF after the chunk size line
	csData                // chunk data
	csDataCR              // CR after chunk data
	csDataLF              // LF after chunk data
	csTrailerStart        // start of a trailer line, or of the final CRLF
	csTrailerName         // inside a trailer field name
	csTrailerValue        // inside a trailer field value
	csTrailerLF           // LF ending a trailer line
	csEndLF               // LF ending the message
)

// maxChunkLine bounds a whole chunk size line, CRLF included: the size,
// its whitespace and its extensions. Extensions have no defined use in
// HTTP/1.1 and are ignored (RFC 9112 7.1.1), and a size needs at most 16
// hex digits, so a real client needs few bytes; without a bound a peer
// could stream leading zeros or extension bytes forever without sending a
// byte of body. net/http uses the same bound (maxLineLength, 4096).
const maxChunkLine = 4 << 10

// maxSizeDigits is where a chunk size would overflow int64: shifting in
// another hex digit past this value loses bits.
const maxSizeDigits = (1<<63 - 1) >> 4

// BodyDecoder decodes a request body incrementally: Content-Length or
// chunked (RFC 9112 6, 7). Like Parser it does no I/O. Reset it with each
// request, then pass it the bytes that follow the head; it returns the
// payload bytes and how much input it used, and stops exactly at the end
// of the message so that a pipelined request after it is left alone.
//
// Chunk size lines: 1*HEXDIG, no sign, no "0x", then either CRLF or
// extensions. Whitespace is accepted only before a ";" (the BWS of RFC
// 9112 7.1.1); "5 \r\n" is 400. Extensions are checked for forbidden
// bytes and ignored; the whole line is bounded by maxChunkLine. Trailer
// fields obey the same rules as header fields, are bounded by the head
// limits (MaxHeaderBytes, MaxFields) and discarded: they never change the
// Request.
type BodyDecoder struct {
	chunked       bool   // the body is chunked
	done          bool   // the whole body has been decoded
	err           *Error // sticky error
	remaining     int64  // bytes left: of the body, or of the current chunk
	total         int64  // chunked: sum of the chunk sizes so far
	maxBody       int64  // largest body allowed
	state         int    // chunked: one of the cs* states
	size          int64  // chunk size being read
	line          int    // bytes of the current chunk size line so far
	trailerBytes  int    // bytes of the trailer section so far
	trailerFields int    // fields of the trailer section so far
	maxTrailer    int    // most trailer bytes
	maxTrailerN   int    // most trailer fields
	expect100     bool   // the request asked for 100-continue and has a body
	continued     bool   // ContinueSent was called or a body byte was decoded
}

// Reset prepares d for the body of req within lim: MaxBody bounds the body
// (413), MaxHeaderBytes and MaxFields the trailer section (431); a zero
// field means its default. A nil req, or one without a body, decodes as
// an empty body.
func (d *BodyDecoder) Reset(req *Request, lim Limits) {
	lim = lim.WithDefaults()
	*d = BodyDecoder{
		maxBody:     lim.MaxBody,
		maxTrailer:  lim.MaxHeaderBytes,
		maxTrailerN: lim.MaxFields,
	}
	switch {
	case req == nil:
		d.done = true
	case req.Chunked:
		d.chunked = true
	case req.ContentLength > lim.MaxBody:
		d.err = &Error{Status: 413, Reason: "Content-Length exceeds the body limit"}
	case req.ContentLength > 0:
		d.remaining = req.ContentLength
	default:
		d.done = true
	}
	d.expect100 = req != nil && req.Expect100 && !d.done && d.err == nil
}

// ExpectsContinue reports whether the client is waiting for "100
// Continue" (the Continue bytes) before it sends the body, as a client
// that sent "Expect: 100-continue" may (RFC 9110 10.1.1): the request
// asked for it (Request.Expect100, set only for HTTP/1.1), its body is
// not complete, none of it has reached the server (buffered, the number
// of bytes received after the head and not yet passed to Decode, is zero,
// and Decode has consumed nothing), and ContinueSent has not been called.
//
// It is the one decision every driver needs, asked twice:
//   - before waiting on the connection for body bytes: if it says yes,
//     write Continue, then call ContinueSent;
//   - after the response, if the body was not read to its end: if it
//     still says yes, the client may never send the body, so its framing
//     cannot be trusted to arrive: close the connection rather than read
//     the next request.
func (d *BodyDecoder) ExpectsContinue(buffered int) bool {
	return d.expect100 && !d.continued && !d.done && d.err == nil && buffered == 0
}

// ContinueSent records that "100 Continue" was sent for this body (or that
// the server reads the body without sending it): ExpectsContinue says no
// from now on.
func (d *BodyDecoder) ContinueSent() { d.continued = true }

// Done reports whether the whole body has been decoded.
func (d *BodyDecoder) Done() bool { return d.done }

// Decode consumes a prefix of in (n bytes) and returns the payload in it
// as a view into in (possibly empty). done is true once the body has
// ended, after any trailers; bytes after the message are not consumed.
// It returns ErrNeedMore when in holds nothing it can use (in is empty),
// and an *Error for a malformed body (400) or one over the limit (413).
// One call returns at most one chunk's data; call again with the rest.
func (d *BodyDecoder) Decode(in []byte) (data []byte, n int, done bool, err error) {
	switch {
	case d.err != nil:
		return nil, 0, false, d.err
	case d.done:
		return nil, 0, true, nil
	case len(in) == 0:
		return nil, 0, false, ErrNeedMore
	}
	d.continued = true // the client is sending the body: it does not wait
	switch {
	case !d.chunked:
		k := int(min(int64(len(in)), d.remaining))
		d.remaining -= int64(k)
		d.done = d.remaining == 0
		return in[:k:k], k, d.done, nil
	}
	return d.decodeChunked(in)
}

// decodeChunked runs the chunked state machine over in until it has data
// to return, the body ends, or in is used up.
func (d *BodyDecoder) decodeChunked(in []byte) (data []byte, n int, done bool, err error) {
	for n < len(in) {
		if d.state == csData {
			k := int(min(int64(len(in)-n), d.remaining))
			d.remaining -= int64(k)
			if d.remaining == 0 {
				d.state = csDataCR
			}
			return in[n : n+k : n+k], n + k, false, nil
		}
		c := in[n]
		n++
		if e := d.step(c); e != nil {
			d.err = e
			return nil, n, false, e
		}
		if d.done {
			return nil, n, true, nil
		}
	}
	return nil, n, false, nil
}

// step feeds one byte of framing (everything but chunk data) to the
// state machine.
func (d *BodyDecoder) step(c byte) *Error {
	switch d.state {
	case csSize, csSizeMore, csSizeBWS, csExt, csSizeLF:
		return d.stepSizeLine(c)
	case csDataCR:
		return d.expect(c, '\r', csDataLF, "missing CRLF after chunk data")
	case csDataLF:
		return d.expect(c, '\n', csSize, "missing CRLF after chunk data")
	case csEndLF:
		if c != '\n' {
			return &Error{Status: 400, Reason: "bare CR at the end of the trailer section"}
		}
		d.done = true
		return nil
	}
	return d.stepTrailer(c)
}

// expect moves to next if c is want, else fails with reason.
func (d *BodyDecoder) expect(c, want byte, next int, reason string) *Error {
	if c != want {
		return &Error{Status: 400, Reason: reason}
	}
	d.state = next
	return nil
}

// stepSizeLine reads a chunk size line (RFC 9112 7.1):
// chunk-size [ chunk-ext ] CRLF.
func (d *BodyDecoder) stepSizeLine(c byte) *Error {
	if d.state == csSize {
		d.line = 0 // the first byte of a new size line
	}
	d.line++
	if d.line > maxChunkLine {
		return &Error{Status: 400, Reason: "chunk size line too long"}
	}
	switch d.state {
	case csSize:
		return d.sizeDigit(c)
	case csSizeMore:
		switch {
		case hexDigits[c] >= 0:
			return d.sizeDigit(c)
		case c == ';' || c == ' ' || c == '\t' || c == '\r':
			if e := d.endSize(); e != nil {
				return e
			}
			return d.afterSize(c)
		}
		return &Error{Status: 400, Reason: "invalid chunk size"}
	case csSizeBWS:
		return d.afterSize(c)
	case csExt:
		return d.extByte(c)
	}
	// csSizeLF
	if c != '\n' {
		return &Error{Status: 400, Reason: "bare CR in chunk size line"}
	}
	if d.size == 0 {
		d.state = csTrailerStart
		return nil
	}
	d.state, d.remaining = csData, d.size
	return nil
}

// sizeDigit shifts one hex digit into the chunk size. A sign, "0x" or a
// leading space is not a hex digit and so is 400 here.
func (d *BodyDecoder) sizeDigit(c byte) *Error {
	v := hexDigits[c]
	if v < 0 {
		return &Error{Status: 400, Reason: "invalid chunk size"}
	}
	if d.state == csSize {
		d.size = 0 // the first digit of a new chunk size
	}
	if d.size > maxSizeDigits {
		return &Error{Status: 400, Reason: "chunk size overflows"}
	}
	d.size = d.size<<4 | int64(v)
	d.state = csSizeMore
	return nil
}

// endSize checks the complete chunk size against the body limit, so an
// oversized body is refused before any of it is read.
func (d *BodyDecoder) endSize() *Error {
	if d.size > d.maxBody-d.total {
		return &Error{Status: 413, Reason: "chunked body exceeds the body limit"}
	}
	d.total += d.size
	return nil
}

// afterSize handles the byte after the size digits: BWS, ";" or CR.
func (d *BodyDecoder) afterSize(c byte) *Error {
	switch c {
	case ' ', '\t':
		d.state = csSizeBWS
	case ';':
		d.state = csExt
	case '\r':
		if d.state == csSizeBWS {
			return &Error{Status: 400, Reason: "whitespace after chunk size"}
		}
		d.state = csSizeLF
	default:
		return &Error{Status: 400, Reason: "invalid chunk size line"}
	}
	return nil
}

// extByte takes one byte of chunk extensions. They are ignored, but they
// may not hold controls (RFC 9112 7.1.1 allows tokens and quoted strings
// only); stepSizeLine bounds their length with the line's.
func (d *BodyDecoder) extByte(c byte) *Error {
	if c == '\r' {
		d.state = csSizeLF
		return nil
	}
	if valueCTL[c] {
		return &Error{Status: 400, Reason: "invalid byte in chunk extension"}
	}
	return nil
}

// stepTrailer reads the trailer section byte by byte with the field
// rules of the head (RFC 9112 7.1.2, 5): a token name, a colon with no
// whitespace before it, a value without controls, CRLF, no obs-fold.
func (d *BodyDecoder) stepTrailer(c byte) *Error {
	d.trailerBytes++
	if d.trailerBytes > d.maxTrailer {
		return &Error{Status: 431, Reason: "trailer section too large"}
	}
	switch d.state {
	case csTrailerStart:
		return d.trailerLineStart(c)
	case csTrailerName:
		switch {
		case tchar[c]:
		case c == ':':
			d.state = csTrailerValue
		case c == ' ' || c == '\t':
			return &Error{Status: 400, Reason: "whitespace before colon in trailer"}
		default:
			return &Error{Status: 400, Reason: "invalid trailer field name"}
		}
	case csTrailerValue:
		switch {
		case c == '\r':
			d.state = csTrailerLF
		case valueCTL[c]:
			return &Error{Status: 400, Reason: "invalid byte in trailer value"}
		}
	case csTrailerLF:
		return d.expect(c, '\n', csTrailerStart, "bare CR in trailer")
	}
	return nil
}

// trailerLineStart takes the first byte of a trailer line: CR of the
// final empty line, or the first byte of a field name.
func (d *BodyDecoder) trailerLineStart(c byte) *Error {
	switch {
	case c == '\r':
		d.state = csEndLF
		return nil
	case c == ' ' || c == '\t':
		return &Error{Status: 400, Reason: "obsolete line folding in trailer"}
	case !tchar[c]:
		return &Error{Status: 400, Reason: "invalid trailer field name"}
	}
	d.trailerFields++
	if d.trailerFields > d.maxTrailerN {
		return &Error{Status: 431, Reason: "too many trailer fields"}
	}
	d.state = csTrailerName
	return nil
}
