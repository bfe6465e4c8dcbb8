// Package gateway is Go's WSGI: the interface between a web server and a
// web application, after PEP 3333, and the code that runs an application
// for one parsed request.
//
// An application is an App:
//
//	func hello(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
//		start("200 OK", []gateway.Header{{Name: "Content-Type", Value: "text/plain"}}, nil)
//		return gateway.Bytes([]byte("Hello World"))
//	}
//
// env carries the CGI variables of PEP 3333 (REQUEST_METHOD, PATH_INFO,
// HTTP_USER_AGENT, ...) and the wsgi.* entries as typed fields; Get and
// Keys read them by their PEP 3333 names. start is start_response: it
// takes the status line and headers and returns PEP 3333's write callable.
// The Body is the iterable of byte chunks; the server always closes it.
//
// A server parses a request with lbws/shared/http1 and calls Server.Serve,
// which builds the Environ, runs the App, checks what the App did (start
// called once, a well-formed status, no hop-by-hop headers, no panic, a
// body as long as its Content-Length) and encodes the response with the
// right framing. Serve writes only to the io.Writer it is given, so the
// blocking stages pass the connection and the event loops a buffer.
//
// Package lbws/shared/gateway/nethttp adapts to net/http both ways:
// FromHandler runs any net/http handler as an App, ToHandler serves an App
// with net/http (through ServeFramed). They live apart so that a stage
// links neither net/http nor net: every process 03-fork starts would pay
// for their initialisation.
package gateway
