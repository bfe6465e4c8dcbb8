// Package blocking serves HTTP/1.1 on one connection with blocking reads
// and writes: read a request with the shared parser, run the application
// through the shared gateway, write the response, and either wait for the
// next request or close gently. It is the per-connection half of the
// blocking stages: 02-simple-wsgi calls it for each connection it
// accepts, one at a time, and 03-fork's children call it for the one
// connection each of them serves. Only the accept loop around it differs.
//
// A stage uses it like this:
//
//	srv := &blocking.Server{Gateway: gw, HeaderTimeout: 5 * time.Second, Log: logger}
//	c := blocking.NewConn(sc)         // sc from sock.Listener.Accept
//	srv.ServeConn(c)                  // returns when the connection is done
//	c.Close()
//
// and, from the goroutine that handles SIGTERM, c.Stop() lets the request
// in progress finish and ends the connection after it.
//
// Every wait is bounded: the request head must arrive within
// HeaderTimeout of the connection (or of its first byte, on a kept-alive
// connection, which may first wait IdleTimeout), the body within
// BodyTimeout of the head (the body is read, up to BodyBuffer, before
// the app runs: see readFirst), and each write of the response within
// WriteTimeout. A head that does not arrive in time is answered 408
// (RFC 9110 15.5.9) and logged; a malformed request gets its status
// (400, 413, 414, 431, 501, 505); a panic in the app is a 500.
package blocking
