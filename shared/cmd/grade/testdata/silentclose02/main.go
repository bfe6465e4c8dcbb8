// Command silentclose02 is a broken HTTP server for the grader's golden
// tests: it reads one whole request per connection, answers it correctly
// and closes, but its response does not say "Connection: close", so a
// client may send its next request on a connection the server is
// closing (RFC 9112 section 9.6).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "where to listen")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("silentclose02: serving http://%s/\n", ln.Addr())
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		serve(c)
		c.Close()
	}
}

// serve answers one request on c.
func serve(c net.Conn) {
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil {
		return
	}
	n := 0
	for {
		h, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if h == "\r\n" {
			break
		}
		if k, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(k, "Content-Length") {
			n, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(br, body); err != nil {
		return
	}
	f := strings.Fields(line)
	status, out := "404 Not Found", []byte("not found")
	switch {
	case len(f) != 3:
		status, out = "400 Bad Request", []byte("bad request")
	case f[1] == "/hello":
		status, out = "200 OK", []byte("Hello World")
	case f[1] == "/echo":
		status, out = "200 OK", body
	}
	// BUG: no "Connection: close", though the server closes.
	fmt.Fprintf(c, "HTTP/1.1 %s\r\nContent-Length: %d\r\n\r\n%s", status, len(out), out)
}
