// Command early02 is a broken HTTP server for the grader's golden tests:
// it reads until the end of the request head, then answers at once, with
// whatever part of the body came with the head: it does not read the
// body Content-Length announces.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"net"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "where to listen")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("early02: serving http://%s/\n", ln.Addr())
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
	var req []byte
	buf := make([]byte, 4096)
	for !bytes.Contains(req, []byte("\r\n\r\n")) {
		n, err := c.Read(buf)
		req = append(req, buf[:n]...)
		if err != nil {
			return
		}
	}
	head, body, _ := bytes.Cut(req, []byte("\r\n\r\n")) // BUG: the body may not be all here
	line, _, _ := bytes.Cut(head, []byte("\r\n"))
	f := bytes.Fields(line)
	status, out := "404 Not Found", []byte("not found")
	switch {
	case len(f) != 3:
		status, out = "400 Bad Request", []byte("bad request")
	case string(f[1]) == "/hello":
		status, out = "200 OK", []byte("Hello World")
	case string(f[1]) == "/echo":
		status, out = "200 OK", body
	}
	fmt.Fprintf(c, "HTTP/1.1 %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", status, len(out), out)
}
