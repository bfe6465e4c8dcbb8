// Command minimal is the article's forking WSGI server written the naive
// way, on purpose: the parent accepts, starts a child for the connection,
// closes its copy and accepts again; the child does one read(2) of at most
// 1024 bytes, runs the app inline, writes once and exits. Nobody waits for
// the children, so each one that exits stays a zombie (state Z in ps)
// until the parent dies. Chapter docs/03-fork.md starts here, counts the
// zombies, and builds ../ (the stage) as the fix.
//
// The article calls os.fork(). Go cannot: fork copies only the calling
// thread of a runtime that has several, and the copy can hang on a lock
// no thread is left to release. So the parent starts its own executable
// again (fork+exec in one call) with the connection as fd 3, as ../ does.
//
//	go run ./03-fork/minimal -addr 127.0.0.1:8888 -delay 200ms
package main

import (
	"flag"
	"fmt"
	"log"
	"net/netip"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "where to listen (IPv4 host:port; port 0 picks one)")
	delay := flag.Duration("delay", 200*time.Millisecond, "how long the app sleeps")
	flag.Parse()
	if os.Getenv("MINIMAL_CHILD") == "1" {
		child(3, *delay) // the connection, as the parent passed it
		return
	}
	ap, err := netip.ParseAddrPort(*addr)
	if err != nil || !ap.Addr().Is4() {
		log.Fatalf("-addr %q: want an IPv4 host:port", *addr)
	}
	lfd, _ := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	unix.SetsockoptInt(lfd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if err := unix.Bind(lfd, &unix.SockaddrInet4{Addr: ap.Addr().As4(), Port: int(ap.Port())}); err != nil {
		log.Fatal("bind: ", err)
	}
	unix.Listen(lfd, 1024)
	sa, _ := unix.Getsockname(lfd)
	in := sa.(*unix.SockaddrInet4)
	fmt.Printf("03-fork minimal: serving http://%v:%d/, a process per connection (pid %d)\n", netip.AddrFrom4(in.Addr), in.Port, os.Getpid())
	exe, _ := os.Executable()
	// !+naive
	for {
		cfd, _, err := unix.Accept(lfd)
		if err != nil {
			log.Fatal("accept: ", err)
		}
		conn := os.NewFile(uintptr(cfd), "conn")
		_, err = os.StartProcess(exe, os.Args, &os.ProcAttr{
			Env:   append(os.Environ(), "MINIMAL_CHILD=1"),
			Files: []*os.File{os.Stdin, os.Stdout, os.Stderr, conn}, // conn becomes fd 3
		})
		if err != nil {
			log.Print("start child: ", err)
		}
		conn.Close() // the parent's copy; the child holds its own. No wait: a zombie per child.
	}
	// !-naive
}

// child serves the one request on fd, the article's handle_one_request.
func child(fd int, delay time.Duration) {
	buf := make([]byte, 1024)
	n, _ := unix.Read(fd, buf)
	line, _, _ := strings.Cut(string(buf[:max(n, 0)]), "\r\n")
	status, body := "404 Not Found", "not found"
	if f := strings.Fields(line); len(f) > 1 && f[1] == "/hello" {
		time.Sleep(delay) // the article's time.sleep(0.2)
		status, body = "200 OK", "Hello World"
	}
	date := time.Now().UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
	unix.Write(fd, []byte("HTTP/1.1 "+status+"\r\nContent-Type: text/plain\r\nDate: "+date+"\r\n\r\n"+body))
	unix.Close(fd)
}
