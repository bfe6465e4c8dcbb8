package conformance

import (
	"io"
	"log"
	"net"
	"net/http"
	"testing"
	"time"

	"lbws/shared/apps"
	"lbws/shared/gateway/nethttp"
	"lbws/shared/http1"
)

// netHTTPDeviations are the cases Go's net/http server (serving the App
// through nethttp.ToHandler) answers differently from what RFC 9110/9112
// and our parser require. Found by running the suite; each reason says
// what net/http does. What the adapter can fix it fixes (request-targets
// net/http accepts, body errors, an unread body): none of these comes from
// ToHandler itself.
var netHTTPDeviations = map[string]string{
	"requestline/long-target-414":       "net/http via ToHandler: net/http has no request-line limit of its own; only MaxHeaderBytes, and beyond it answers 431, not 414",
	"requestline/leading-empty-line":    "net/http via ToHandler: net/http answers 400 to an empty line before the request line (RFC 9112 2.2 says SHOULD ignore it)",
	"headers/too-large":                 "net/http via ToHandler: net/http allows MaxHeaderBytes plus 4096 bytes of slack, so a head just over the limit is served",
	"headers/too-many-fields":           "net/http via ToHandler: net/http has no limit on the number of fields, only on their total size",
	"length/too-large-413":              "net/http via ToHandler: net/http has no body limit (a handler must wrap the body in http.MaxBytesReader), so it waits for the body",
	"length/too-large-expect-100":       "net/http via ToHandler: net/http has no body limit: it sends 100 Continue and waits for the body",
	"chunked/too-large-413":             "net/http via ToHandler: net/http has no body limit, so it waits for the chunk data",
	"chunked/extension-bws":             "net/http via ToHandler: net/http rejects whitespace before ';' in a chunk extension (RFC 9112 7.1.1 allows it); the adapter answers that read error 400",
	"smuggling/chunk-ext-control":       "net/http via ToHandler: net/http does not validate chunk extensions and accepts a control byte in one",
	"smuggling/te-no-chunked":           "net/http via ToHandler: net/http answers 501 for a Transfer-Encoding without chunked; RFC 9112 6.3 rule 4 requires 400",
	"smuggling/te-chunked-not-last":     "net/http via ToHandler: net/http answers 501 when chunked is not the final coding; RFC 9112 6.3 rule 4 requires 400",
	"smuggling/te-http10":               "net/http via ToHandler: net/http ignores Transfer-Encoding in an HTTP/1.0 request and reads an empty body (RFC 9112 6.1: faulty framing)",
	"smuggling/cl-and-te":               "net/http via ToHandler: net/http uses the chunked framing but keeps the connection open (RFC 9112 6.1: MUST close)",
	"smuggling/te-and-cl":               "net/http via ToHandler: net/http uses the chunked framing but keeps the connection open (RFC 9112 6.1: MUST close)",
	"robustness/header-timeout-partial": "net/http via ToHandler: net/http answers 400, not 408, when the header timeout hits a partial head",
	"edges/request-line-over-limit":     "net/http via ToHandler: net/http has no request-line limit of its own, so a line one byte over ours is served",
	"edges/head-over-limit":             "net/http via ToHandler: net/http allows MaxHeaderBytes plus 4096 bytes of slack, so a head one byte over the limit is served",
	"edges/bare-lf":                     "net/http via ToHandler: net/http accepts lines that end in a bare LF (RFC 9112 2.2 allows it; our parser refuses them)",
	"edges/unread-body-clean-close":     "net/http via ToHandler: after a request with Connection: close, net/http closes without reading the body its handler left, and the client sees a reset",
	"unread/chunk-size-invalid":         unreadDeviation,
	"unread/chunk-size-0x":              unreadDeviation,
	"unread/chunk-size-underscore":      unreadDeviation,
	"unread/chunk-size-overflow":        unreadDeviation,
	"unread/chunk-data-too-long":        unreadDeviation,
	"unread/chunk-missing-crlf":         unreadDeviation,
	"unread/chunk-ext-cr":               unreadDeviation,
	"unread/chunk-ext-lf":               unreadDeviation,
	"unread/chunk-bare-lf":              unreadDeviation,
	"unread/chunked-too-large-413":      unreadDeviation,
	"unread/chunked-no-last-chunk":      unreadDeviation,
	"unread/length-cut-short":           unreadDeviation,
}

// unreadDeviation is why net/http fails every unread/ case: it runs the
// handler as soon as the head is in and reads the body only when the
// handler does, so a handler that ignores its body answers (here 404)
// before anything finds the broken framing; net/http then sends 400 after
// that response, or closes.
const unreadDeviation = "net/http via ToHandler: net/http runs the handler at the head and reads the body only when the handler does: an app that ignores its body answers before the framing error is found"

// startNetHTTP serves apps.Mux(0) with net/http on 127.0.0.1:0, with the
// limits and timeouts our stages use, and returns its address.
func startNetHTTP(t *testing.T, headerTimeout time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:           nethttp.ToHandler(apps.Mux(0)),
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
