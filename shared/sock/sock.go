// Package sock is the socket plumbing every stage of this tutorial shares:
// a listening TCP socket made from raw system calls, accept, and a small
// blocking connection type. It talks to the kernel through
// golang.org/x/sys/unix and never through net.Listener, so the reader sees
// each call the article makes (socket, setsockopt, bind, listen, accept)
// and what it costs.
//
// A server built on it looks like this:
//
//	lfd, err := sock.Listen("127.0.0.1:8888") // socket, SO_REUSEADDR, bind, listen
//	if err != nil { ... }
//	addr, _ := sock.LocalAddr(lfd)             // the real port after ":0"
//	for {
//		c, err := sock.Accept(lfd)              // accept4, SOCK_CLOEXEC
//		if err != nil { ... }
//		c.SetReadDeadline(time.Now().Add(5 * time.Second))
//		n, err := c.Read(buf)                   // read(2), EINTR retried
//		...
//		_, err = c.Write(resp)                  // write(2) until all is sent
//		c.Close()
//	}
//
// To stop such a loop from another goroutine (on SIGTERM), wrap the
// descriptor in a Listener: its Close wakes a blocked Accept, which then
// returns ErrClosed. RetryAfter says which accept errors an accept loop
// should survive.
//
// Conn blocks the calling goroutine (and its OS thread) in the kernel, the
// way the article's Python server blocks; how many connections are served
// at once is the business of each stage, not of this package. Readiness
// loops (stages 04 to 06) use Listen and Accept and then switch the
// accepted descriptor to non-blocking mode themselves.
//
// Deadlines are kept with SO_RCVTIMEO and SO_SNDTIMEO: before each blocking
// call the remaining time is written to the socket, so a deadline bounds
// the whole operation, not each call. A call that runs past its deadline
// returns an error for which errors.Is(err, os.ErrDeadlineExceeded) holds
// and which reports Timeout() == true, like the net package's.
package sock
