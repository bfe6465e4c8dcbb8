package gateway

import (
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"lbws/shared/http1"
	"lbws/shared/sock"
)

// !+environ

// Environ is what the server passes to an App: the CGI variables of PEP 3333
// as strings under their Go names, and the wsgi.* entries as typed fields.
// Get and Keys give the same data under the PEP 3333 names.
type Environ struct {
	RequestMethod  string // REQUEST_METHOD: "GET", "POST", ...
	ScriptName     string // SCRIPT_NAME: where the app is mounted; "" (the root)
	PathInfo       string // PATH_INFO: the target's path, percent-decoded
	QueryString    string // QUERY_STRING: the part after '?', still encoded; "" if none
	ContentType    string // CONTENT_TYPE: the Content-Type field; "" if none
	ContentLength  string // CONTENT_LENGTH: the body's length in decimal, as parsed; "" if no Content-Length (also when chunked)
	ServerName     string // SERVER_NAME: the server's host name
	ServerPort     string // SERVER_PORT: the server's port, a string (PEP 3333), not a number
	ServerProtocol string // SERVER_PROTOCOL: "HTTP/1.1" or "HTTP/1.0", the request's version
	RemoteAddr     string // REMOTE_ADDR: the client's IP address
	RemotePort     string // REMOTE_PORT: the client's port
	RequestURI     string // REQUEST_URI: the request-target exactly as received

	// Headers holds every other request header field as an HTTP_<NAME>
	// variable: the name upper-cased with '-' turned into '_', the values
	// of a repeated field joined with ", " (RFC 9110 section 5.3), in the
	// order the fields first arrived. Get finds one by name.
	Headers []Var

	Input        io.Reader // wsgi.input: the request body; io.EOF at its end, never past it
	Errors       io.Writer // wsgi.errors: each Write becomes a line in the server's log
	URLScheme    string    // wsgi.url_scheme: "http"
	Multithread  bool      // wsgi.multithread: the app may run in several goroutines at once
	Multiprocess bool      // wsgi.multiprocess: the app may run in several processes at once
	RunOnce      bool      // wsgi.run_once: false, the server keeps running

	in   input     // what Input points to: the body, watched for errors
	vars [8]Var    // room for Headers, allocated with the Environ
	text [320]byte // room for the strings, allocated with the Environ
}

// Var is one CGI variable of an Environ.
type Var struct {
	Name  string // "HTTP_USER_AGENT"
	Value string // the field's value
}

// !-environ

// cgiKeys are the names Get knows besides HTTP_*, in sorted order.
var cgiKeys = []string{
	"CONTENT_LENGTH", "CONTENT_TYPE", "PATH_INFO", "QUERY_STRING",
	"REMOTE_ADDR", "REMOTE_PORT", "REQUEST_METHOD", "REQUEST_URI",
	"SCRIPT_NAME", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL",
	"wsgi.errors", "wsgi.input", "wsgi.multiprocess", "wsgi.multithread",
	"wsgi.run_once", "wsgi.url_scheme", "wsgi.version",
}

// Get returns the variable called name in PEP 3333 ("PATH_INFO",
// "HTTP_USER_AGENT", "wsgi.url_scheme", ...) as a string, or "" if there is
// none. Booleans are "true" or "false"; wsgi.input and wsgi.errors are
// described by their Go type.
func (e *Environ) Get(name string) string {
	if strings.HasPrefix(name, "HTTP_") {
		return e.header(name)
	}
	switch name {
	case "REQUEST_METHOD":
		return e.RequestMethod
	case "SCRIPT_NAME":
		return e.ScriptName
	case "PATH_INFO":
		return e.PathInfo
	case "QUERY_STRING":
		return e.QueryString
	case "CONTENT_TYPE":
		return e.ContentType
	case "CONTENT_LENGTH":
		return e.ContentLength
	case "SERVER_NAME":
		return e.ServerName
	case "SERVER_PORT":
		return e.ServerPort
	case "SERVER_PROTOCOL":
		return e.ServerProtocol
	case "REMOTE_ADDR":
		return e.RemoteAddr
	case "REMOTE_PORT":
		return e.RemotePort
	case "REQUEST_URI":
		return e.RequestURI
	}
	return e.getWSGI(name)
}

// getWSGI returns the wsgi.* variables as strings.
func (e *Environ) getWSGI(name string) string {
	switch name {
	case "wsgi.version":
		return "(1, 0)"
	case "wsgi.url_scheme":
		return e.URLScheme
	case "wsgi.input":
		return fmt.Sprintf("%T", e.Input)
	case "wsgi.errors":
		return fmt.Sprintf("%T", e.Errors)
	case "wsgi.multithread":
		return strconv.FormatBool(e.Multithread)
	case "wsgi.multiprocess":
		return strconv.FormatBool(e.Multiprocess)
	case "wsgi.run_once":
		return strconv.FormatBool(e.RunOnce)
	}
	return ""
}

// Keys returns the names of all variables in e, sorted: the CGI and wsgi.*
// names (always present, possibly empty) and one HTTP_* per header.
func (e *Environ) Keys() []string {
	keys := make([]string, 0, len(cgiKeys)+len(e.Headers))
	keys = append(keys, cgiKeys...)
	for _, v := range e.Headers {
		keys = append(keys, v.Name)
	}
	sort.Strings(keys)
	return keys
}

// header returns the value of the HTTP_* variable key, or "".
func (e *Environ) header(key string) string {
	for _, v := range e.Headers {
		if v.Name == key {
			return v.Value
		}
	}
	return ""
}

// setHeader sets the HTTP_* variable key, replacing its value if it is
// there.
func (e *Environ) setHeader(key, value string) {
	for i := range e.Headers {
		if e.Headers[i].Name == key {
			e.Headers[i].Value = value
			return
		}
	}
	e.Headers = append(e.Headers, Var{Name: key, Value: value})
}

// newEnviron builds the Environ for req, reading the body from body. It
// copies every string it needs out of req, so that nothing points into
// the connection's read buffer. It fails only when the target's path has
// an invalid percent-escape, which the caller answers with 400.
//
// The Environ, its header list and the bytes of its strings are one
// allocation for a typical request (see stringStore): a request costs
// the gateway few allocations, and nothing in an Environ is reused.
func (s *Server) newEnviron(req *http1.Request, body io.Reader, remoteAddr string) (*Environ, error) {
	e := &Environ{
		ServerName:     s.Name,
		ServerPort:     s.Port,
		ServerProtocol: req.Version.String(),
		Errors:         logWriter{s},
		URLScheme:      "http",
		Multithread:    s.Multithread,
		Multiprocess:   s.Multiprocess,
	}
	e.in.r = body
	if body == nil {
		e.in.r = noBody{}
	}
	e.Input = &e.in
	e.Headers = e.vars[:0]
	ts := stringStore{b: e.text[:0]}
	e.RequestMethod = ts.method(req.Method)
	e.RequestURI = ts.add(req.Target)
	e.RemoteAddr, e.RemotePort = splitAddr(remoteAddr)
	for _, f := range req.Fields {
		addField(e, &ts, f.Name, f.Value)
	}
	if err := e.setTarget(req); err != nil {
		return nil, err
	}
	switch {
	case req.ContentLength < 0:
		// CONTENT_LENGTH describes the body the app will read; a chunked
		// body has no declared length.
		e.ContentLength = ""
	case e.ContentLength != "":
		// The parsed length, not the field's text: "5, 5" is a valid
		// list form of 5 (RFC 9110 8.6), and an app that copies
		// CONTENT_LENGTH into its own response must get a number.
		e.ContentLength = strconv.FormatInt(req.ContentLength, 10)
	}
	return e, nil
}

// addField files one header field of the parser's under its CGI name,
// with its strings in ts.
func addField(e *Environ, ts *stringStore, name, value []byte) {
	switch {
	case hasUnderscore(name):
		// X-Foo and X_Foo would both become HTTP_X_FOO: a proxy that
		// checked one could be bypassed with the other. Like nginx and
		// gunicorn, drop names with an underscore.
	case fieldIs(string(name), "Content-Type"):
		e.ContentType = ts.add(value)
	case fieldIs(string(name), "Content-Length"):
		// Only whether it is there counts: newEnviron sets the parsed
		// length (the parser rejected differing repeats, RFC 9112 6.3).
		e.ContentLength = "present"
	default:
		e.addHeader(ts.cgiName(name), ts.add(value))
	}
}

// addHeader adds the value of one field to the HTTP_* variable key;
// repeated fields combine into one list (RFC 9110 section 5.3).
func (e *Environ) addHeader(key, value string) {
	for i := range e.Headers {
		if e.Headers[i].Name == key {
			e.Headers[i].Value += ", " + value
			return
		}
	}
	e.Headers = append(e.Headers, Var{Name: key, Value: value})
}

// cgiName returns "HTTP_" and the field name upper-cased with '-' turned
// into '_'.
func cgiName(name string) string {
	var ts stringStore
	return ts.cgiName([]byte(name))
}

// hasUnderscore reports whether name contains '_'.
func hasUnderscore[T ~string | ~[]byte](name T) bool {
	for i := 0; i < len(name); i++ {
		if name[i] == '_' {
			return true
		}
	}
	return false
}

// setTarget fills PATH_INFO and QUERY_STRING from the request-target. For
// the absolute-form the server must take the host from the target and
// ignore the Host field (RFC 9112 section 3.2.2): the parser has checked
// the authority, made it req.Host and split off the path (PathQuery), so
// HTTP_HOST is replaced.
func (e *Environ) setTarget(req *http1.Request) error {
	target := e.RequestURI
	if target == "*" {
		// asterisk-form, OPTIONS only (RFC 9112 section 3.2.4).
		e.PathInfo = "*"
		return nil
	}
	if !strings.HasPrefix(target, "/") {
		e.setHeader("HTTP_HOST", string(req.Host))
		target = target[len(target)-len(req.PathQuery):]
		if target == "" || target[0] == '?' {
			target = "/" + target // an empty path is "/" (RFC 9110 4.2.3)
		}
	}
	path, query, _ := strings.Cut(target, "?")
	p, err := url.PathUnescape(path)
	if err != nil {
		return fmt.Errorf("gateway: request-target %q: %w", target, err)
	}
	e.PathInfo, e.QueryString = p, query
	return nil
}

// noBody is the body of a request without one.
type noBody struct{}

// Read reports the end of the body.
func (noBody) Read([]byte) (int, error) { return 0, io.EOF }

// splitAddr splits "host:port"; an address without a port is all host.
func splitAddr(addr string) (host, port string) {
	h, p, err := sock.SplitHostPort(addr)
	if err != nil {
		return addr, ""
	}
	return h, p
}

// logWriter is wsgi.errors: every Write is logged as one line.
type logWriter struct {
	s *Server // server whose log receives the lines
}

// Write logs p, without its trailing newline, as one line.
func (w logWriter) Write(p []byte) (int, error) {
	w.s.logf("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
