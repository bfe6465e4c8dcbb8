package gateway_test

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"strings"
	"testing"

	"lbws/shared/gateway"
	"lbws/shared/http1"
)

// BenchmarkServe runs a Hello-like app (no delay) for a typical GET
// through Server.Serve into a reused buffer: the gateway's own cost per
// request, Environ included.
func BenchmarkServe(b *testing.B) {
	raw := "GET /hello?x=1 HTTP/1.1\r\nHost: localhost:8888\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n"
	req, err := http1.NewReader(strings.NewReader(raw), http1.Limits{}).ReadRequest()
	if err != nil {
		b.Fatal(err)
	}
	body := []byte("Hello World")
	hs := []gateway.Header{{Name: "Content-Type", Value: "text/plain"}, {Name: "Content-Length", Value: "11"}}
	srv := &gateway.Server{
		App: func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
			start("200 OK", hs, nil)
			return gateway.Bytes(body)
		},
		Name: "localhost", Port: "8888", Log: log.New(io.Discard, "", 0),
	}
	var out bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if _, err := srv.Serve(&out, req, http.NoBody, "127.0.0.1:1234"); err != nil {
			b.Fatal(err)
		}
	}
}
