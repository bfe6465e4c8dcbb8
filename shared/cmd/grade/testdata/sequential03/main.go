// Command sequential03 is a broken server for the grader's golden tests:
// a correct HTTP/1.1 server with keep-alive (the stages' blocking request
// loop) that serves one connection at a time, as 02 does. It passes the
// HTTP checks; at stage 03 it fails the check that holds one connection
// in the middle of its request while another must be answered.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"

	"lbws/shared/apps"
	"lbws/shared/gateway"
	"lbws/shared/sock"
	"lbws/shared/stage"
	"lbws/shared/stage/blocking"
)

func main() {
	var f stage.Flags
	f.Register(flag.CommandLine)
	f.RegisterHTTP(flag.CommandLine)
	f.RegisterIdle(flag.CommandLine)
	flag.Parse()
	logger := log.New(os.Stderr, "sequential03: ", 0)
	lfd, err := sock.Listen(f.Addr)
	if err != nil {
		logger.Fatal(err)
	}
	local, _ := sock.LocalAddr(lfd)
	host, port, _ := sock.SplitHostPort(local)
	srv := &blocking.Server{
		Gateway: gateway.Server{App: apps.Mux(f.Delay), Name: host, Port: port, Log: logger},
		// No header or idle timeout: a timeout would end the held
		// connection after a while and let the next client in, which
		// only delays the failure the grader reports (it notices either
		// way); without, the report is the same on every run.
		KeepAlive: true, BodyTimeout: f.BodyTimeout, WriteTimeout: f.WriteTimeout, Log: logger,
	}
	ln := sock.NewListener(lfd)
	err = stage.Run(logger, "finishing the connection in progress", f.Shutdown, func(stop <-chan struct{}) error {
		fmt.Printf("sequential03: serving http://%s/, one connection at a time, with keep-alive\n", local)
		var cur *blocking.Conn // the connection being served; guarded by the loop's order
		curc := make(chan *blocking.Conn, 1)
		go func() {
			<-stop
			ln.Close()
			select {
			case c := <-curc:
				c.Stop()
			default:
			}
		}()
		for {
			sc, err := stage.Accept(ln, logger)
			if errors.Is(err, sock.ErrClosed) {
				return nil
			}
			if err != nil {
				return err
			}
			cur = blocking.NewConn(sc)
			select {
			case curc <- cur:
			default:
			}
			srv.ServeConn(cur) // BUG: every other client waits for this one
			select {
			case <-curc:
			default:
			}
			cur.Close()
		}
	})
	if err != nil {
		logger.Fatal(err)
	}
}
