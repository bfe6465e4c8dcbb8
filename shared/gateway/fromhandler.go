package gateway

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// FromHandler returns an App that runs h, any net/http handler (a
// ServeMux, a router), on our servers: the article's point that one server
// runs any framework that speaks the gateway interface.
//
// The handler's response is collected in memory and then handed to
// start_response as one chunk with an exact Content-Length. As in net/http
// the status defaults to 200, only the first WriteHeader counts, and a
// missing Content-Type is sniffed from the body. Hop-by-hop fields the
// handler sets (a Connection: close, say) are dropped: the server decides
// about the connection.
func FromHandler(h http.Handler) App {
	return func(env *Environ, start StartResponse) Body {
		r, err := newHTTPRequest(env)
		if err != nil {
			msg := []byte("400 Bad Request: " + err.Error() + "\n")
			_, _ = start("400 Bad Request", []Header{
				{Name: "Content-Type", Value: "text/plain; charset=utf-8"},
				{Name: "Content-Length", Value: strconv.Itoa(len(msg))},
			}, nil)
			return Bytes(msg)
		}
		rw := &recorder{header: make(http.Header)}
		h.ServeHTTP(rw, r)
		return rw.finish(start)
	}
}

// newHTTPRequest builds the *http.Request net/http's server would have
// built for the request env describes.
func newHTTPRequest(env *Environ) (*http.Request, error) {
	target := env.RequestURI
	if target == "" {
		target = (&url.URL{Path: env.PathInfo, RawQuery: env.QueryString}).RequestURI()
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, fmt.Errorf("gateway: request-target: %w", err)
	}
	major, minor, ok := http.ParseHTTPVersion(env.ServerProtocol)
	if !ok {
		major, minor = 1, 1
	}
	r := &http.Request{
		Method:     env.RequestMethod,
		URL:        u,
		Proto:      env.ServerProtocol,
		ProtoMajor: major,
		ProtoMinor: minor,
		Header:     httpHeader(env),
		Host:       env.Headers["HTTP_HOST"],
		RemoteAddr: env.RemoteAddr,
		RequestURI: target,
		Body:       http.NoBody,
	}
	if env.RemotePort != "" {
		r.RemoteAddr = net.JoinHostPort(env.RemoteAddr, env.RemotePort)
	}
	if u.Host != "" {
		r.Host = u.Host
	}
	setHTTPBody(r, env)
	return r, nil
}

// httpHeader turns the HTTP_* variables back into canonical field names
// (HTTP_USER_AGENT becomes User-Agent). Host is carried in Request.Host
// and Transfer-Encoding in Request.TransferEncoding, as net/http does.
func httpHeader(env *Environ) http.Header {
	h := make(http.Header, len(env.Headers)+2)
	for k, v := range env.Headers {
		if k == "HTTP_HOST" || k == "HTTP_TRANSFER_ENCODING" || !strings.HasPrefix(k, "HTTP_") {
			continue
		}
		name := textproto.CanonicalMIMEHeaderKey(strings.ReplaceAll(k[len("HTTP_"):], "_", "-"))
		h[name] = []string{v}
	}
	if env.ContentType != "" {
		h["Content-Type"] = []string{env.ContentType}
	}
	if env.ContentLength != "" {
		h["Content-Length"] = []string{env.ContentLength}
	}
	return h
}

// setHTTPBody sets Body, ContentLength and TransferEncoding the way
// net/http's server does: ContentLength -1 for a chunked body, 0 and
// http.NoBody for none.
func setHTTPBody(r *http.Request, env *Environ) {
	if n, err := strconv.ParseInt(env.ContentLength, 10, 64); err == nil {
		r.ContentLength = n
	} else if te := env.Headers["HTTP_TRANSFER_ENCODING"]; te != "" {
		r.ContentLength, r.TransferEncoding = -1, []string{"chunked"}
	}
	if r.ContentLength != 0 && env.Input != nil {
		r.Body = io.NopCloser(env.Input)
	}
}

// recorder is the http.ResponseWriter FromHandler gives the handler.
type recorder struct {
	header http.Header  // fields the handler set
	code   int          // status; 0 until WriteHeader or Write
	body   bytes.Buffer // the whole body
}

// Header returns the response header map.
func (rw *recorder) Header() http.Header { return rw.header }

// WriteHeader records the status; later calls are ignored, as are 1xx
// informational statuses, which net/http would send ahead.
func (rw *recorder) WriteHeader(code int) {
	if rw.code != 0 || (code >= 100 && code < 200) {
		return
	}
	rw.code = code
}

// Write appends to the body, with an implicit 200 first.
func (rw *recorder) Write(p []byte) (int, error) {
	if rw.code == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	return rw.body.Write(p)
}

// finish passes the recorded response to start_response.
func (rw *recorder) finish(start StartResponse) Body {
	if rw.code == 0 {
		rw.code = http.StatusOK
	}
	body := rw.body.Bytes()
	bodyless := rw.code == 204 || rw.code == 304
	if _, ok := rw.header["Content-Type"]; !ok && len(body) > 0 && !bodyless {
		rw.header.Set("Content-Type", http.DetectContentType(body))
	}
	if rw.header.Get("Content-Length") == "" && !bodyless {
		rw.header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	status := fmt.Sprintf("%03d %s", rw.code, http.StatusText(rw.code))
	if _, err := start(status, flatten(rw.header), nil); err != nil {
		return nil
	}
	return Bytes(body)
}

// flatten lists the fields of h in name order, without hop-by-hop ones.
func flatten(h http.Header) []Header {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []Header
	for _, name := range names {
		if isHopByHop(name) {
			continue
		}
		for _, v := range h[name] {
			out = append(out, Header{Name: name, Value: v})
		}
	}
	return out
}

// isHopByHop reports whether name is a connection-specific field.
func isHopByHop(name string) bool {
	for _, h := range hopByHop {
		if fieldIs(name, h) {
			return true
		}
	}
	return false
}
