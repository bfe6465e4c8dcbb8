// Command minimal is the article's WSGI server written the naive way, on
// purpose: one connection at a time, one read(2) of at most 1024 bytes
// taken as the whole request, the request line split on spaces, the app
// called inline through a WSGI-like start_response, one write(2) of the
// response, close. No parser, no limits, no timeouts. Chapter
// docs/02-simple-wsgi.md starts here, runs h1check against it, and builds
// ../ (the stage) as the fix of each failure.
//
//	go run ./02-simple-wsgi/minimal -addr 127.0.0.1:8888 -delay 200ms
package main

import (
	"flag"
	"fmt"
	"log"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// app is the article's hello_world in the shape of a WSGI app: it gets the
// environ, calls startResponse with the status and headers, returns the body.
func app(env map[string]string, startResponse func(status string, headers [][2]string)) []byte {
	if env["PATH_INFO"] != "/hello" {
		startResponse("404 Not Found", [][2]string{{"Content-Type", "text/plain"}})
		return []byte("not found")
	}
	time.Sleep(*delay) // the article's time.sleep(0.2): the business logic
	startResponse("200 OK", [][2]string{{"Content-Type", "text/plain"}})
	return []byte("Hello World")
}

var delay = flag.Duration("delay", 200*time.Millisecond, "how long the app sleeps")

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "where to listen (IPv4 host:port; port 0 picks one)")
	flag.Parse()
	ap, err := netip.ParseAddrPort(*addr)
	if err != nil || !ap.Addr().Is4() {
		log.Fatalf("-addr %q: want an IPv4 host:port", *addr)
	}
	lfd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		log.Fatal("socket: ", err)
	}
	unix.SetsockoptInt(lfd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if err := unix.Bind(lfd, &unix.SockaddrInet4{Addr: ap.Addr().As4(), Port: int(ap.Port())}); err != nil {
		log.Fatal("bind: ", err)
	}
	unix.Listen(lfd, 5)
	sa, _ := unix.Getsockname(lfd)
	in := sa.(*unix.SockaddrInet4)
	fmt.Printf("02-simple-wsgi minimal: serving http://%v:%d/, one connection at a time\n", netip.AddrFrom4(in.Addr), in.Port)

	// !+naive
	for {
		cfd, _, err := unix.Accept(lfd)
		if err != nil {
			log.Fatal("accept: ", err)
		}
		buf := make([]byte, 1024)
		n, _ := unix.Read(cfd, buf) // the whole request, we hope
		line, _, _ := strings.Cut(string(buf[:max(n, 0)]), "\r\n")
		method, rest, _ := strings.Cut(line, " ")
		path, version, _ := strings.Cut(rest, " ")
		env := map[string]string{"REQUEST_METHOD": method, "PATH_INFO": path, "SERVER_PROTOCOL": version}

		var head string
		body := app(env, func(status string, headers [][2]string) {
			head = "HTTP/1.1 " + status + "\r\n"
			headers = append(headers, [2]string{"Date", time.Now().UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")})
			for _, h := range headers {
				head += h[0] + ": " + h[1] + "\r\n"
			}
		})
		unix.Write(cfd, append([]byte(head+"\r\n"), body...)) // one write, hope it all goes
		unix.Close(cfd)
	}
	// !-naive
}
