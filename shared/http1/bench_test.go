package http1

import (
	"bufio"
	"bytes"
	"net/http"
	"testing"
)

// chromeGET is a request head as Chrome sends it for a page on a site with
// a few cookies: 487 bytes, 10 fields.
var chromeGET = []byte("GET /articles/lets-build HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"Connection: keep-alive\r\n" +
	"Upgrade-Insecure-Requests: 1\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n" +
	"Sec-Fetch-Mode: navigate\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Accept-Language: en-US,en;q=0.9\r\n" +
	"Cookie: session=4f1a9c2e7b; theme=dark; _ga=GA1.2.1234567890\r\n" +
	"\r\n")

// BenchmarkParse parses the head with a reused Parser: the path a server
// takes for every request on a keep-alive connection.
func BenchmarkParse(b *testing.B) {
	var p Parser
	b.SetBytes(int64(len(chromeGET)))
	b.ReportAllocs()
	for b.Loop() {
		p.Reset()
		if _, err := p.Parse(chromeGET); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNetHTTPReadRequest parses the same bytes with net/http, reusing
// the bufio.Reader and bytes.Reader as net/http's server reuses its
// connection reader.
func BenchmarkNetHTTPReadRequest(b *testing.B) {
	src := bytes.NewReader(chromeGET)
	br := bufio.NewReader(src)
	b.SetBytes(int64(len(chromeGET)))
	b.ReportAllocs()
	for b.Loop() {
		src.Reset(chromeGET)
		br.Reset(src)
		if _, err := http.ReadRequest(br); err != nil {
			b.Fatal(err)
		}
	}
}
