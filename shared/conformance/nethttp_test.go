package conformance

import (
	"io"
	"log"
	"net"
	"net/http"
	"testing"
	"time"

	"lbws/shared/apps"
	"lbws/shared/gateway"
	"lbws/shared/http1"
)

// netHTTPDeviations are the cases Go's net/http server (serving the App
// through gateway.ToHandler) answers differently from what RFC 9110/9112
// and our parser require. Found by running the suite; each reason says
// what net/http does.
var netHTTPDeviations = map[string]string{
	"requestline/long-target-414":          "net/http has no request-line limit of its own; only MaxHeaderBytes, and beyond it answers 431, not 414",
	"requestline/leading-empty-line":       "net/http answers 400 to an empty line before the request line (RFC 9112 2.2 says SHOULD ignore it)",
	"requestline/asterisk-get":             "net/http passes GET * to the handler (404) instead of rejecting the asterisk-form outside OPTIONS",
	"requestline/absolute-form-userinfo":   "net/http via ToHandler: url.ParseRequestURI moves userinfo to URL.User and the request is served (200); RFC 9110 4.2.4 says treat it as an error",
	"requestline/absolute-form-empty-host": "net/http via ToHandler: url.ParseRequestURI accepts \"http:///hello\" and the request is served (200); RFC 9110 4.2.1 says MUST reject",
	"requestline/fragment":                 "net/http via ToHandler: url.ParseRequestURI keeps \"#x\" in the path, so the app sees /hello#x (404) instead of a 400",
	"headers/too-large":                    "net/http allows MaxHeaderBytes plus 4096 bytes of slack, so a head just over the limit is served",
	"headers/too-many-fields":              "net/http has no limit on the number of fields, only on their total size",
	"length/too-large-413":                 "net/http has no body limit (a handler must wrap the body in http.MaxBytesReader), so it waits for the body",
	"length/too-large-expect-100":          "net/http has no body limit: it sends 100 Continue and waits for the body",
	"chunked/too-large-413":                "net/http has no body limit, so it waits for the chunk data",
	"chunked/extension-bws":                "net/http rejects whitespace before ';' in a chunk extension; the error reaches the app as a body read error, which the gateway answers 500",
	"smuggling/chunk-ext-control":          "net/http does not validate chunk extensions and accepts a control byte in one",
	"smuggling/chunk-data-too-long":        "net/http reports a bad chunked body to the handler as a read error after the head was accepted; the gateway can only answer 500",
	"smuggling/chunk-missing-crlf":         "net/http reports a bad chunked body to the handler as a read error; the gateway can only answer 500",
	"smuggling/chunk-size-overflow":        "net/http reports a bad chunk size to the handler as a read error; the gateway can only answer 500",
	"smuggling/chunk-size-empty":           "net/http reports a bad chunk size to the handler as a read error; the gateway can only answer 500",
	"smuggling/chunk-size-minus":           "net/http reports a bad chunk size to the handler as a read error; the gateway can only answer 500",
	"smuggling/chunk-size-plus":            "net/http reports a bad chunk size to the handler as a read error; the gateway can only answer 500",
	"smuggling/chunk-size-0x":              "net/http reports a bad chunk size to the handler as a read error; the gateway can only answer 500",
	"smuggling/te-no-chunked":              "net/http answers 501 for a Transfer-Encoding without chunked; RFC 9112 6.3 rule 4 requires 400",
	"smuggling/te-chunked-not-last":        "net/http answers 501 when chunked is not the final coding; RFC 9112 6.3 rule 4 requires 400",
	"smuggling/te-http10":                  "net/http ignores Transfer-Encoding in an HTTP/1.0 request and reads an empty body (RFC 9112 6.1: faulty framing)",
	"smuggling/cl-and-te":                  "net/http uses the chunked framing but keeps the connection open (RFC 9112 6.1: MUST close)",
	"smuggling/te-and-cl":                  "net/http uses the chunked framing but keeps the connection open (RFC 9112 6.1: MUST close)",
	"keepalive/unread-body":                "with full duplex on (Echo streams), net/http closes a connection whose body the handler left unread, without Connection: close",
	"keepalive/get-with-body":              "with full duplex on (Echo streams), net/http closes a connection whose body the handler left unread, without Connection: close",
	"robustness/h2-preface":                "net/http passes the HTTP/2 preface \"PRI * HTTP/2.0\" to the handler (404) instead of 505",
	"robustness/header-timeout-partial":    "net/http answers 400, not 408, when the header timeout hits a partial head",
}

// startNetHTTP serves apps.Mux(0) with net/http on 127.0.0.1:0, with the
// limits and timeouts our stages use, and returns its address.
func startNetHTTP(t *testing.T, headerTimeout time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:           gateway.ToHandler(apps.Mux(0)),
		ReadHeaderTimeout: headerTimeout,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    http1.DefaultMaxHeaderBytes,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// TestNetHTTP runs the whole suite against net/http, the reference: every
// case passes or is a listed deviation.
func TestNetHTTP(t *testing.T) {
	NoLeaks(t)
	const headerTimeout = 2 * time.Second
	addr := startNetHTTP(t, headerTimeout)
	Run(t, addr, Options{
		KeepAlive:       true,
		Pipelining:      true,
		Concurrent:      true,
		HeaderTimeout:   headerTimeout,
		KnownDeviations: netHTTPDeviations,
	})
}
