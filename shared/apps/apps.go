// Package apps holds the applications every stage serves, written against
// the gateway interface (lbws/shared/gateway), Go's WSGI.
//
// Hello is the article's Flask app: it sleeps, the article's
// time.sleep(0.2) standing in for a database call, then answers
// "Hello World". That sleep is what makes the concurrency models differ:
// a server that runs one request at a time can answer at most 1/delay
// requests per second, whatever its I/O model (Little's law).
//
// Echo sends the request body back; Environ shows what the server passed
// to the app. Mux serves all three:
//
//	GET or HEAD /hello   Hello World, after the delay
//	POST or PUT /echo    the request body
//	any method /environ  the environ, one KEY=value per line, and the
//	                     number of body bytes read
//
// Anything else is 404; a known path with the wrong method is 405. Under
// /misbehave/ Mux also serves apps that do what a server must handle (see
// misbehave.go), for the conformance suite.
package apps

import (
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"lbws/shared/gateway"
)

// !+hello

// helloBody is Hello's answer.
var helloBody = []byte("Hello World")

// helloHeaders are Hello's fixed headers; Content-Length lets a
// keep-alive client find the end of the body (RFC 9112 section 6.3).
var helloHeaders = []gateway.Header{
	{Name: "Content-Type", Value: "text/plain"},
	{Name: "Content-Length", Value: strconv.Itoa(len(helloBody))},
}

// Hello returns the article's app: it answers any request, after sleeping
// delay, with 200 "Hello World" as text/plain. Mux routes GET and HEAD
// /hello to it.
func Hello(delay time.Duration) gateway.App {
	return func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		if delay > 0 {
			time.Sleep(delay)
		}
		if _, err := start("200 OK", helloHeaders, nil); err != nil {
			return nil
		}
		return gateway.Bytes(helloBody)
	}
}

// !-hello

// echoChunk is the largest chunk Echo reads and sends at a time.
const echoChunk = 32 << 10

// Echo sends the request body back with the request's Content-Type (or
// application/octet-stream), streamed in chunks of up to 32 KiB, with the
// request's Content-Length when it had one (a chunked request is answered
// chunked).
func Echo(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	ct := env.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	hs := []gateway.Header{{Name: "Content-Type", Value: ct}}
	if env.ContentLength != "" {
		hs = append(hs, gateway.Header{Name: "Content-Length", Value: env.ContentLength})
	}
	if _, err := start("200 OK", hs, nil); err != nil {
		return nil
	}
	return gateway.FromReader(env.Input, echoChunk)
}

// Environ answers with a text/plain dump of env: every variable, one
// "KEY=value" line each, sorted by name. It first reads the whole of
// wsgi.input, and one more line, "wsgi.input_read=N", says how many body
// bytes the server delivered (followed by the read error, if there was
// one), so the dump shows everything the server passed on.
func Environ(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	n, rerr := io.Copy(io.Discard, env.Input)
	read := strconv.FormatInt(n, 10)
	if rerr != nil {
		read += " error: " + rerr.Error()
	}
	keys := append(env.Keys(), inputReadKey)
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v := env.Get(k)
		if k == inputReadKey {
			v = read
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	body := b.String()
	_, err := start("200 OK", []gateway.Header{
		{Name: "Content-Type", Value: "text/plain; charset=utf-8"},
		{Name: "Content-Length", Value: strconv.Itoa(len(body))},
	}, nil)
	if err != nil {
		return nil
	}
	return gateway.Bytes([]byte(body))
}

// inputReadKey names Environ's line with the number of body bytes read.
const inputReadKey = "wsgi.input_read"

// route is one path Mux serves.
type route struct {
	app     gateway.App // the handler
	methods []string    // allowed methods; nil means any
}

// Mux returns an App that serves Hello(delay) at /hello, Echo at /echo and
// Environ at /environ, the misbehaving apps under /misbehave/, 404
// elsewhere and 405 with Allow (RFC 9110 section 15.5.6) for a method the
// path does not take.
func Mux(delay time.Duration) gateway.App {
	routes := map[string]route{
		"/hello":   {app: Hello(delay), methods: []string{"GET", "HEAD"}},
		"/echo":    {app: Echo, methods: []string{"POST", "PUT"}},
		"/environ": {app: Environ},
	}
	return func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		if app, ok := misbehaving[env.PathInfo]; ok {
			return app(env, start)
		}
		r, ok := routes[env.PathInfo]
		if !ok {
			return plain(start, "404 Not Found", nil)
		}
		if r.methods != nil && !contains(r.methods, env.RequestMethod) {
			allow := gateway.Header{Name: "Allow", Value: strings.Join(r.methods, ", ")}
			return plain(start, "405 Method Not Allowed", []gateway.Header{allow})
		}
		return r.app(env, start)
	}
}

// plain answers with status as a one-line text body.
func plain(start gateway.StartResponse, status string, extra []gateway.Header) gateway.Body {
	body := []byte(status + "\n")
	hs := append([]gateway.Header{
		{Name: "Content-Type", Value: "text/plain; charset=utf-8"},
		{Name: "Content-Length", Value: strconv.Itoa(len(body))},
	}, extra...)
	if _, err := start(status, hs, nil); err != nil {
		return nil
	}
	return gateway.Bytes(body)
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
