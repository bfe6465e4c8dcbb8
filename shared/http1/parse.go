package http1

import (
	"bytes"
	"encoding/binary"
)

// Parser states.
const (
	stateRequestLine = iota // before or inside the request line
	stateFields             // inside the header section
	stateDone               // the head is complete
)

// span is a byte range of the buffer given to Parse, kept as offsets so
// that a caller may move its buffer (grow it with append) between calls.
type span struct{ start, end int }

// of returns the bytes of buf that s covers, with the capacity cut so an
// append by the caller cannot overwrite what follows.
func (s span) of(buf []byte) []byte {
	return buf[s.start:s.end:s.end]
}

// fieldSpan is a parsed field line: the offsets of its name and value.
type fieldSpan struct{ name, value span }

// teState collects the Transfer-Encoding codings of all its field lines,
// which together form one list (RFC 9110 5.3).
type teState struct {
	present   bool // a Transfer-Encoding field was seen
	codings   int  // number of codings listed
	chunked   int  // how many of them are "chunked"
	last      bool // the last coding so far is "chunked"
	unknown   bool // a coding other than chunked is listed
	malformed bool // an element is not a token (with optional parameters)
}

// Parser parses request heads incrementally. It does no I/O: the caller
// passes everything received so far, and Parse resumes from the last
// complete line it has seen, so a head arriving one byte at a time costs
// O(n) work in total. A Parser is reused for the next request after Reset;
// it then parses without allocating.
//
// Line ending policy: a line must end in CRLF. A bare LF is not accepted
// as a line terminator (RFC 9112 2.2 allows either choice; rejecting keeps
// us in step with strict front ends, so that no proxy and this server can
// disagree on where a line ends) and a CR anywhere but before the LF is
// rejected, as RFC 9112 2.2 requires.
type Parser struct {
	// Limits bounds the head and body. It is read at the first Parse after
	// Reset; a zero field means its default.
	Limits Limits

	lim     Limits // Limits with the defaults applied
	started bool   // lim is set for the current request
	state   int    // one of the state* constants
	off     int    // offset of the first line not yet parsed
	scan    int    // no LF of the current line lies before this offset
	mscan   int    // the method prefix is checked up to this offset
	mdone   bool   // the method prefix ended at a SP
	lineOff int    // offset where the request line starts (after empty lines)
	headLen int    // length of the complete head
	err     *Error // sticky error: Parse returns it until Reset

	method, target span
	pathQuery      span // the target from its path on (see Request.PathQuery)
	absolute       bool // the target is in absolute-form
	authority      span // its authority, when absolute
	version        Version
	fields         []fieldSpan
	hosts          int   // number of Host field lines
	host           span  // the first Host value
	clSeen         bool  // a Content-Length field was seen
	cl             int64 // its value
	te             teState
	connClose      bool // Connection lists "close"
	connKeepAlive  bool // Connection lists "keep-alive"
	expect100      bool // Expect is 100-continue

	req     Request // the result, views into the last buffer
	scanned int     // bytes examined, so tests can check the work is O(n)
}

// maxKeptFields is how many fields' worth of memory Reset keeps for the
// next request (80 bytes each: their offsets and their views). A browser
// sends 10 to 20 fields, so a reused Parser parses a typical head without
// allocating; the memory of a larger head (up to MaxFields, about 12 KB
// for 100 fields) is let go, so that a server holding a Parser per
// connection or per request in flight does not keep the largest head it
// ever saw.
const maxKeptFields = 32

// Reset prepares the Parser for the next request. It keeps the memory of
// the previous one, up to maxKeptFields fields, so that parsing a typical
// head does not allocate.
func (p *Parser) Reset() {
	fields, reqFields, scanned := p.fields[:0], p.req.Fields[:0], p.scanned
	if cap(fields) > maxKeptFields {
		fields = nil
	}
	if cap(reqFields) > maxKeptFields {
		reqFields = nil
	}
	*p = Parser{Limits: p.Limits, fields: fields, scanned: scanned}
	p.req.Fields = reqFields
}

// Request returns the parsed head. It is valid after Parse returned a
// length and a nil error, until Reset or the next Parse; its slices are
// views into the buffer passed to the last Parse.
func (p *Parser) Request() *Request {
	if p.state != stateDone {
		return nil
	}
	return &p.req
}

// Parse parses the head at the start of buf, which holds every byte of
// this request received so far: each call passes the previous bytes again
// followed by any new ones (buf may have moved). It returns the length of
// the head once it is complete; ErrNeedMore while buf is a valid prefix of
// a head; or an *Error with the status to answer. Bytes after the head
// (a body, a pipelined request) are not examined.
func (p *Parser) Parse(buf []byte) (n int, err error) {
	if p.err != nil {
		return 0, p.err
	}
	if p.state == stateDone {
		p.build(buf)
		return p.headLen, nil
	}
	if !p.started {
		p.lim = p.Limits.WithDefaults()
		p.started = true
	}
	for {
		i := bytes.IndexByte(buf[p.scan:], '\n')
		if i < 0 {
			p.scanned += len(buf) - p.scan
			p.scan = len(buf)
			if e := p.checkLimits(buf, len(buf)); e != nil {
				return 0, p.fail(e)
			}
			return 0, ErrNeedMore
		}
		p.scanned += i + 1
		end := p.scan + i + 1
		p.scan = end
		if e := p.checkLimits(buf, end); e != nil {
			return 0, p.fail(e)
		}
		if e := p.line(buf, end); e != nil {
			return 0, p.fail(e)
		}
		p.off = end
		if p.state == stateDone {
			p.headLen = end
			p.build(buf)
			return end, nil
		}
	}
}

// fail records e so that later calls return it too.
func (p *Parser) fail(e *Error) error {
	p.err = e
	return e
}

// checkLimits checks the bytes of the current line up to end (a complete
// line or the partial one) against the limits. Errors are decided by the
// position of the first offending byte, so a head parses to the same
// error however it is split into reads: an invalid method byte that comes
// before the limit is 400, else a line longer than MaxRequestLine is 414
// and a head longer than MaxHeaderBytes is 431.
func (p *Parser) checkLimits(buf []byte, end int) *Error {
	limit := p.lim.MaxHeaderBytes // index of the first byte over a limit
	status, reason := 431, "request head too large"
	if p.state == stateRequestLine && !p.emptyLineAhead(buf, end) {
		if l := p.off + p.lim.MaxRequestLine; l <= limit {
			limit, status, reason = l, 414, "request line too long"
		}
		if e := p.checkMethod(buf, min(end, limit)); e != nil {
			return e
		}
	}
	if end > limit {
		return &Error{Status: status, Reason: reason}
	}
	return nil
}

// emptyLineAhead reports whether the current line, up to end, may still
// be an empty line ("\r\n" or its prefix "\r"): RFC 9112 2.2 asks a
// server to ignore at least one empty line before the request line.
func (p *Parser) emptyLineAhead(buf []byte, end int) bool {
	rest := buf[p.off:end]
	return len(rest) == 0 || rest[0] == '\r' && (len(rest) == 1 || rest[1] == '\n')
}

// checkMethod checks the method bytes of the request line up to end as
// they arrive, so that a stream that is not HTTP (a TLS handshake, binary
// noise) is refused at its first byte rather than after MaxRequestLine.
// The method is a token (RFC 9110 9.1, 5.6.2).
func (p *Parser) checkMethod(buf []byte, end int) *Error {
	i := max(p.mscan, p.off)
	for ; i < end && !p.mdone; i++ {
		p.scanned++
		switch c := buf[i]; {
		case c == ' ' && i > p.off:
			p.mdone = true
		case !tchar[c]:
			return &Error{Status: 400, Reason: "invalid method"}
		}
	}
	p.mscan = i
	return nil
}

// line parses the complete line that starts at p.off and ends (LF
// included) at end.
func (p *Parser) line(buf []byte, end int) *Error {
	line := buf[p.off:end]
	p.scanned += len(line)
	// RFC 9112 2.2: the line terminator is CRLF; a CR must not appear
	// anywhere else in the head.
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return &Error{Status: 400, Reason: "line not terminated by CRLF"}
	}
	content := line[:len(line)-2]
	// A bare CR elsewhere in a field line fails the name or value check.
	if p.state == stateRequestLine && bytes.IndexByte(content, '\r') >= 0 {
		return &Error{Status: 400, Reason: "bare CR in head"}
	}
	switch {
	case p.state == stateRequestLine && len(content) == 0:
		return nil // RFC 9112 2.2: ignore empty lines before the request line
	case p.state == stateRequestLine:
		p.lineOff = p.off
		p.state = stateFields
		return p.requestLine(content, p.off)
	case len(content) == 0:
		p.state = stateDone
		return p.finish()
	}
	return p.field(content, p.off)
}

// requestLine parses "method SP request-target SP HTTP-version"
// (RFC 9112 3), found at offset off of the buffer.
func (p *Parser) requestLine(line []byte, off int) *Error {
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 || !isToken(line[:sp1]) {
		return &Error{Status: 400, Reason: "malformed request line"}
	}
	rest := line[sp1+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	switch {
	case sp2 < 0:
		return &Error{Status: 400, Reason: "malformed request line"}
	case sp2 == 0:
		return &Error{Status: 400, Reason: "empty request-target"}
	}
	target, version := rest[:sp2], rest[sp2+1:]
	p.method = span{off, off + sp1}
	p.target = span{off + sp1 + 1, off + sp1 + 1 + sp2}
	// The version first: a request in a version we do not speak (such as
	// the HTTP/2 preface "PRI * HTTP/2.0") is 505 whatever its target.
	v, e := parseVersion(version)
	if e != nil {
		return e
	}
	p.version = v
	return p.checkTarget(line[:sp1], target, p.target.start)
}

// parseVersion parses HTTP-version (RFC 9112 2.3): "HTTP/" DIGIT "." DIGIT,
// case-sensitive. HTTP/1.0 and 1.1 are served as themselves; a higher
// HTTP/1.x is served as HTTP/1.1, because RFC 9110 2.5 says a recipient
// SHOULD process a message with a higher minor version of a major version
// it implements as if it were the highest minor it implements: a 1.x
// minor only adds to 1.1 and must be readable by a 1.1 recipient. Another
// major version (HTTP/0.9, HTTP/2.0 and up) is 505 (RFC 9110 15.6.6):
// its messages are not HTTP/1 messages at all. Anything else is 400.
func parseVersion(v []byte) (Version, *Error) {
	if len(v) != 8 || string(v[:5]) != "HTTP/" || v[6] != '.' ||
		v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9' {
		return 0, &Error{Status: 400, Reason: "malformed HTTP version"}
	}
	switch {
	case v[5] != '1':
		return 0, &Error{Status: 505, Reason: "unsupported HTTP version"}
	case v[7] == '0':
		return HTTP10, nil
	}
	return HTTP11, nil
}

// checkTarget checks the request-target (RFC 9112 3.2), found at offset
// off of the buffer, and records its parts. Every byte must be visible
// ASCII: RFC 3986 has no place for controls, spaces or raw non-ASCII
// bytes, and a target that one parser reads differently from another is
// how cache poisoning starts. No form of the target has a fragment (RFC
// 9112 3.2.1: origin-form is absolute-path and query; RFC 3986 4.3: an
// absolute-URI has no fragment), so "#" is 400 rather than a path
// character. Accepted forms: origin-form ("/path?query"), absolute-form
// ("http://host/path", see checkAbsolute) and "*" for OPTIONS. CONNECT
// (authority-form) is 501: this server is not a proxy and implements no
// tunnels (RFC 9110 9.3.6, 15.6.2).
func (p *Parser) checkTarget(method, target []byte, off int) *Error {
	for _, c := range target {
		switch {
		case c <= ' ' || c >= 0x7f:
			return &Error{Status: 400, Reason: "invalid byte in request-target"}
		case c == '#':
			return &Error{Status: 400, Reason: "fragment in request-target"}
		}
	}
	p.pathQuery = span{off, off + len(target)}
	switch {
	case string(method) == "CONNECT":
		return &Error{Status: 501, Reason: "CONNECT is not implemented"}
	case target[0] == '/':
		return nil
	case string(target) == "*":
		if string(method) != "OPTIONS" {
			return &Error{Status: 400, Reason: "asterisk-form only with OPTIONS"}
		}
		return nil
	case hasScheme(target):
		return p.checkAbsolute(target, off)
	}
	return &Error{Status: 400, Reason: "invalid request-target"}
}

// checkAbsolute checks an absolute-form target (RFC 9112 3.2.2), found at
// offset off, and records its authority as the request's host: a server
// MUST use it and ignore the Host field. The target must be an http or
// https URI with an authority ("scheme://authority[/path][?query]"): those
// are the only URIs this server is an origin for, and a target without an
// authority ("foo:bar") has no path to serve. The authority follows the
// Host field's character rules, and two more from RFC 9110: userinfo
// ("user:pw@") is an error (4.2.4), and an empty host is invalid (4.2.1).
func (p *Parser) checkAbsolute(target []byte, off int) *Error {
	colon := bytes.IndexByte(target, ':')
	scheme, rest := target[:colon], target[colon+1:]
	if !equalFold(scheme, "http") && !equalFold(scheme, "https") {
		return &Error{Status: 400, Reason: "request-target is not an http or https URI"}
	}
	if len(rest) < 2 || rest[0] != '/' || rest[1] != '/' {
		return &Error{Status: 400, Reason: "request-target has no authority"}
	}
	rest = rest[2:]
	end := bytes.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	switch {
	case bytes.IndexByte(authority, '@') >= 0:
		return &Error{Status: 400, Reason: "userinfo in request-target"}
	case len(authority) == 0 || authority[0] == ':':
		return &Error{Status: 400, Reason: "empty host in request-target"}
	}
	for _, c := range authority {
		if !hostChar[c] {
			return &Error{Status: 400, Reason: "invalid host in request-target"}
		}
	}
	start := off + colon + 3
	p.absolute = true
	p.authority = span{start, start + end}
	p.pathQuery = span{start + end, off + len(target)}
	return nil
}

// hasScheme reports whether t starts with a URI scheme and a colon
// (RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"), the
// start of an absolute-form target.
func hasScheme(t []byte) bool {
	for i, c := range t {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}

// field parses a field line (RFC 9112 5): field-name ":" OWS field-value
// OWS, found at offset off of the buffer.
func (p *Parser) field(line []byte, off int) *Error {
	if len(p.fields) >= p.lim.MaxFields {
		return &Error{Status: 431, Reason: "too many header fields"}
	}
	f, e := splitField(line)
	if e != nil {
		return e
	}
	name, value := line[f.name.start:f.name.end], line[f.value.start:f.value.end]
	f.name.start, f.name.end = f.name.start+off, f.name.end+off
	f.value.start, f.value.end = f.value.start+off, f.value.end+off
	p.fields = append(p.fields, f)
	return p.derive(name, value, f.value)
}

// splitField splits a field line into name and value, as offsets into
// line. It is shared by the head and the trailer section.
func splitField(line []byte) (fieldSpan, *Error) {
	// RFC 9112 5.2: obs-fold (a line starting with whitespace) is obsolete;
	// a server rejects it with 400. The same rule refuses whitespace between
	// the request line and the first field (RFC 9112 2.2).
	if line[0] == ' ' || line[0] == '\t' {
		return fieldSpan{}, &Error{Status: 400, Reason: "obsolete line folding"}
	}
	i := 0
	for i < len(line) && tchar[line[i]] {
		i++
	}
	switch {
	case i == len(line):
		return fieldSpan{}, &Error{Status: 400, Reason: "field line without colon"}
	case line[i] == ' ' || line[i] == '\t':
		// RFC 9112 5.1: no whitespace is allowed between the field name
		// and the colon; a server must reject such a line with 400.
		return fieldSpan{}, &Error{Status: 400, Reason: "whitespace before colon"}
	case line[i] == '\r':
		return fieldSpan{}, &Error{Status: 400, Reason: "bare CR in head"}
	case line[i] != ':' || i == 0:
		return fieldSpan{}, &Error{Status: 400, Reason: "invalid field name"}
	}
	vs, ve := i+1, len(line)
	for vs < ve && (line[vs] == ' ' || line[vs] == '\t') {
		vs++
	}
	for ve > vs && (line[ve-1] == ' ' || line[ve-1] == '\t') {
		ve--
	}
	// RFC 9110 5.5: a value is visible characters, obs-text, SP and HTAB.
	// NUL, CR, LF and other controls are refused: they are how a value
	// turns into a second header downstream.
	if !validValue(line[vs:ve]) {
		if bytes.IndexByte(line[vs:ve], '\r') >= 0 {
			return fieldSpan{}, &Error{Status: 400, Reason: "bare CR in head"}
		}
		return fieldSpan{}, &Error{Status: 400, Reason: "invalid byte in field value"}
	}
	return fieldSpan{name: span{0, i}, value: span{vs, ve}}, nil
}

// validValue reports whether v holds no byte of valueCTL. It tests eight
// bytes at a time (a value is most of a head) and looks at single bytes
// only in a word that has a control or DEL in it, or a tab.
func validValue(v []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(v); i += 8 {
		x := binary.LittleEndian.Uint64(v[i:])
		del := x ^ ones*0x7f // a zero byte where x has DEL
		if ((x-ones*0x20)&^x|(del-ones)&^del)&highs == 0 {
			continue // no byte below 0x20 and no DEL
		}
		for _, c := range v[i : i+8] {
			if valueCTL[c] {
				return false
			}
		}
	}
	for _, c := range v[i:] {
		if valueCTL[c] {
			return false
		}
	}
	return true
}

// derive updates what the server needs to know from the fields it
// interprets itself.
func (p *Parser) derive(name, value []byte, at span) *Error {
	switch {
	case equalFold(name, "host"):
		return p.deriveHost(value, at)
	case equalFold(name, "content-length"):
		return p.deriveContentLength(value)
	case equalFold(name, "transfer-encoding"):
		p.deriveTransferEncoding(value)
	case equalFold(name, "connection"):
		p.deriveConnection(value)
	case equalFold(name, "expect"):
		// RFC 9110 10.1.1: the expectation is case-insensitive.
		p.expect100 = p.expect100 || equalFold(value, "100-continue")
	}
	return nil
}

// deriveHost records the Host field. RFC 9112 3.2: more than one Host
// line, or an invalid value, is 400.
func (p *Parser) deriveHost(value []byte, at span) *Error {
	p.hosts++
	if p.hosts > 1 {
		return &Error{Status: 400, Reason: "more than one Host field"}
	}
	for _, c := range value {
		if !hostChar[c] {
			return &Error{Status: 400, Reason: "invalid Host"}
		}
	}
	p.host = at
	return nil
}

// deriveContentLength records Content-Length = 1*DIGIT (RFC 9110 8.6).
// Signs, spaces inside, an empty value and values past int64 are 400.
// RFC 9112 6.3 item 5: a list of identical values ("5, 5") or repeated
// identical lines may be accepted as that value; different values are 400.
func (p *Parser) deriveContentLength(value []byte) *Error {
	for list := value; ; {
		var elem []byte
		elem, list = nextElement(list)
		n, ok := parseDecimal(elem)
		if !ok {
			return &Error{Status: 400, Reason: "invalid Content-Length"}
		}
		if p.clSeen && n != p.cl {
			return &Error{Status: 400, Reason: "conflicting Content-Length values"}
		}
		p.clSeen, p.cl = true, n
		if list == nil {
			return nil
		}
	}
}

// parseDecimal parses 1*DIGIT into an int64; ok is false for an empty
// value, any other byte, or overflow.
func parseDecimal(b []byte) (n int64, ok bool) {
	if len(b) == 0 {
		return 0, false
	}
	const maxInt64 = 1<<63 - 1
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (maxInt64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// deriveTransferEncoding adds the codings of one Transfer-Encoding line
// to the list (RFC 9112 6.1). The verdict is given in finish, once every
// line is known.
func (p *Parser) deriveTransferEncoding(value []byte) {
	p.te.present = true
	for list := value; list != nil; {
		var elem []byte
		elem, list = nextElement(list)
		if len(elem) == 0 {
			continue // RFC 9110 5.6.1: empty list elements do not count
		}
		p.te.codings++
		switch name := codingName(elem); {
		case name == nil:
			p.te.malformed = true
			p.te.last = false
		case equalFold(elem, "chunked"):
			p.te.chunked++
			p.te.last = true
		default:
			// Another coding, or chunked with parameters (which chunked
			// does not define): a coding this server does not implement.
			p.te.unknown = true
			p.te.last = false
		}
	}
}

// codingName returns the token that starts a transfer-coding element
// ("gzip" in "gzip;q=1"), or nil if the element does not start with a
// token followed by the end, OWS or ";".
func codingName(elem []byte) []byte {
	i := 0
	for i < len(elem) && tchar[elem[i]] {
		i++
	}
	if i == 0 || i < len(elem) && elem[i] != ';' && elem[i] != ' ' && elem[i] != '\t' {
		return nil
	}
	return elem[:i]
}

// deriveConnection reads the connection options (RFC 9110 7.6.1), a
// comma-separated list of case-insensitive tokens.
func (p *Parser) deriveConnection(value []byte) {
	for list := value; list != nil; {
		var elem []byte
		elem, list = nextElement(list)
		switch {
		case equalFold(elem, "close"):
			p.connClose = true
		case equalFold(elem, "keep-alive"):
			p.connKeepAlive = true
		}
	}
}

// finish applies the rules that need the whole head.
func (p *Parser) finish() *Error {
	// RFC 9112 3.2: an HTTP/1.1 request without Host is 400.
	if p.version == HTTP11 && p.hosts == 0 {
		return &Error{Status: 400, Reason: "missing Host field"}
	}
	if e := p.checkFraming(); e != nil {
		return e
	}
	if p.clSeen && p.cl > p.lim.MaxBody {
		return &Error{Status: 413, Reason: "Content-Length exceeds the body limit"}
	}
	return nil
}

// checkFraming applies the message-length rules of RFC 9112 6.1 and 6.3.
// They are the defence against request smuggling: when two servers on a
// path could read a different body length from the same bytes, the
// request is refused and the connection closed.
func (p *Parser) checkFraming() *Error {
	te := &p.te
	switch {
	case !te.present:
		return nil
	case p.version == HTTP10:
		// RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
		return &Error{Status: 400, Reason: "Transfer-Encoding in an HTTP/1.0 request"}
	case p.clSeen:
		// RFC 9112 6.1: a request with both may be an attempt at request
		// smuggling; a server may reject it, and we do.
		return &Error{Status: 400, Reason: "both Transfer-Encoding and Content-Length"}
	case te.malformed || te.codings == 0:
		return &Error{Status: 400, Reason: "malformed Transfer-Encoding"}
	case !te.last:
		// RFC 9112 6.3 item 4: in a request, a final coding other than
		// chunked leaves the length unknown: 400.
		return &Error{Status: 400, Reason: "Transfer-Encoding does not end in chunked"}
	case te.chunked > 1:
		// RFC 9112 6.1: chunked must not be applied more than once.
		return &Error{Status: 400, Reason: "chunked applied more than once"}
	case te.unknown:
		// RFC 9112 6.1: a coding the server does not understand is 501.
		return &Error{Status: 501, Reason: "unsupported transfer coding"}
	}
	return nil
}

// build fills p.req with views into buf.
func (p *Parser) build(buf []byte) {
	r := &p.req
	r.Method = p.method.of(buf)
	r.Target = p.target.of(buf)
	r.Version = p.version
	if cap(r.Fields) < len(p.fields) {
		// One allocation, sized like p.fields, rather than append's
		// growth: Reset keeps both while they are small.
		r.Fields = make([]Field, 0, cap(p.fields))
	}
	r.Fields = r.Fields[:0]
	for _, f := range p.fields {
		r.Fields = append(r.Fields, Field{Name: f.name.of(buf), Value: f.value.of(buf)})
	}
	r.PathQuery = p.pathQuery.of(buf)
	r.Host = nil
	switch {
	case p.absolute:
		// RFC 9112 3.2.2: the authority of an absolute-form target
		// replaces the Host field.
		r.Host = p.authority.of(buf)
	case p.hosts > 0:
		r.Host = p.host.of(buf)
	}
	r.ContentLength = -1
	if p.clSeen {
		r.ContentLength = p.cl
	}
	r.Chunked = p.te.present
	if p.version == HTTP11 {
		// RFC 9112 9.3: HTTP/1.1 persists unless "close" is sent.
		r.KeepAlive = !p.connClose
	} else {
		// RFC 9112 9.3: HTTP/1.0 persists only with "keep-alive".
		r.KeepAlive = p.connKeepAlive && !p.connClose
	}
	// RFC 9110 10.1.1: a server must ignore 100-continue from HTTP/1.0.
	r.Expect100 = p.expect100 && p.version == HTTP11
}

// Character classes of RFC 9110 5.6.2 and 5.5, as 256-entry tables so
// the hot loops do one load per byte.
var (
	tchar     [256]bool // token characters: field names, methods, codings
	hostChar  [256]bool // bytes allowed in a Host value (see validHost)
	valueCTL  [256]bool // bytes forbidden in a field value: CTLs but HTAB, and DEL
	hexDigits [256]int8 // value of a hex digit, -1 for any other byte
)

func init() {
	for c := '0'; c <= '9'; c++ {
		tchar[c], hostChar[c] = true, true
	}
	for c := 'a'; c <= 'z'; c++ {
		tchar[c], hostChar[c] = true, true
		tchar[c-'a'+'A'], hostChar[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		tchar[c] = true
	}
	// RFC 3986 3.2.2: reg-name is unreserved / pct-encoded / sub-delims,
	// an IP literal adds "[", "]" and ":", and the port is digits after ":".
	for _, c := range "-._~%!$&'()*+,;=:[]" {
		hostChar[c] = true
	}
	for c := 0; c < 0x20; c++ {
		valueCTL[c] = c != '\t'
	}
	valueCTL[0x7f] = true
	for i := range hexDigits {
		hexDigits[i] = -1
	}
	for c := '0'; c <= '9'; c++ {
		hexDigits[c] = int8(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		hexDigits[c] = int8(c - 'a' + 10)
		hexDigits[c-'a'+'A'] = int8(c - 'a' + 10)
	}
}

// isToken reports whether b is a non-empty token (RFC 9110 5.6.2).
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tchar[c] {
			return false
		}
	}
	return true
}

// equalFold reports whether b equals the lower-case ASCII string s,
// ignoring ASCII case. Field names and the tokens this package looks for
// are case-insensitive (RFC 9110 5.1, 7.6.1, 10.1.1).
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// trimOWS removes optional whitespace (SP and HTAB, RFC 9110 5.6.3) from
// both ends of b.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// nextElement splits the first element off a comma-separated list
// (RFC 9110 5.6.1) and returns it with OWS trimmed, and the rest.
func nextElement(list []byte) (elem, rest []byte) {
	for i, c := range list {
		if c == ',' {
			return trimOWS(list[:i]), list[i+1:]
		}
	}
	return trimOWS(list), nil
}
