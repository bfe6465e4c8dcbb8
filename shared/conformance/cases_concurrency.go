package conformance

import (
	"bytes"
	"fmt"
	"sync"
	"time"
)

// concurrencyCases check that one connection does not hold up the others.
func concurrencyCases() []Case {
	return []Case{
		{Name: "concurrency/sequential-connections",
			Why:        "100 connections one after another are each served: nothing leaks between them",
			Sequential: 100,
			Run: func(t *T) error {
				for i := range 100 {
					if err := sendExpect(t, get("/hello", "Connection: close\r\n"), want{status: []int{200}, body: new(helloBody), close: true}); err != nil {
						return fmt.Errorf("connection %d: %w", i+1, err)
					}
					t.closeAll()
				}
				return nil
			}},
		{Name: "concurrency/parallel-echo",
			Why: "20 clients posting different 64 KiB bodies at once each get their own body back",
			Run: parallelEcho},
		{Name: "concurrency/many-connections", Needs: Concurrency,
			Why: "200 connections open at once each get their answer",
			Run: manyConnections},
		{Name: "concurrency/idle-client", Needs: Concurrency,
			Why: "a connected client that sends nothing does not delay another client",
			Run: func(t *T) error { return notBlockedBy(t, "") }},
		{Name: "concurrency/slow-head-client", Needs: Concurrency,
			Why: "a client stuck halfway through its head does not delay another client",
			Run: func(t *T) error { return notBlockedBy(t, "GET /hello HTTP/1.1\r\nHo") }},
		{Name: "concurrency/stalled-reader", Needs: Concurrency,
			Why: "while one client does not read its 4 MiB response, another is served; then the first gets every byte",
			Run: func(t *T) error {
				c, data, err := stalledEcho(t)
				if err != nil {
					return err
				}
				if err := promptHello(t); err != nil {
					return err
				}
				return readEcho(c, data)
			}},
		{Name: "concurrency/keepalive-clients", Needs: Concurrency | KeepAlive,
			Why: "20 persistent connections taking turns, 5 requests each, all get their answers (RFC 9112 9.3)",
			Run: keepAliveClients},
	}
}

// promptHello checks that a new client gets /hello within 3 seconds: far
// more than a free server needs, far less than a blocked one would take.
func promptHello(t *T) error {
	c, err := t.DialSend(helloReq)
	if err != nil {
		return err
	}
	if err := c.SetReadTimeout(3 * time.Second); err != nil {
		return err
	}
	_, err = c.expect("GET", wantBody(helloBody))
	return err
}

// notBlockedBy holds a connection that sent partial, then checks that
// another client is served promptly.
func notBlockedBy(t *T, partial string) error {
	// The connection stays open, holding the server, until the case ends.
	if _, err := t.DialSend(partial); err != nil {
		return err
	}
	time.Sleep(50 * time.Millisecond)
	return promptHello(t)
}

// parallelEcho runs 20 echo exchanges at once with distinct bodies.
func parallelEcho(t *T) error {
	const n, size = 20, 64 << 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := bytes.Repeat([]byte{byte('A' + i)}, size)
			errs[i] = sendExpect(t, post(string(body), "Connection: close\r\n"), wantBody(string(body)))
		})
	}
	wg.Wait()
	return firstErr(errs)
}

// manyConnections opens 200 connections, then sends on all, then reads all.
func manyConnections(t *T) error {
	const n = 200
	conns := make([]*Conn, n)
	for i := range conns {
		c, err := t.Dial()
		if err != nil {
			return fmt.Errorf("connection %d: %w", i+1, err)
		}
		conns[i] = c
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			if err := c.Send(helloReq); err != nil {
				errs[i] = err
				return
			}
			if _, err := c.expect("GET", wantBody(helloBody)); err != nil {
				errs[i] = fmt.Errorf("connection %d: %w", i+1, err)
			}
		})
	}
	wg.Wait()
	return firstErr(errs)
}

// keepAliveClients runs 20 persistent clients of 5 requests each.
func keepAliveClients(t *T) error {
	const n, rounds = 20, 5
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			steps := make([]any, 0, 2*rounds)
			for range rounds {
				steps = append(steps, helloReq, wantBody(helloBody))
			}
			errs[i] = sequence(steps...)(t)
		})
	}
	wg.Wait()
	return firstErr(errs)
}

// firstErr returns the first error and how many there were.
func firstErr(errs []error) error {
	var first error
	k := 0
	for _, err := range errs {
		if err != nil {
			k++
			if first == nil {
				first = err
			}
		}
	}
	if first == nil {
		return nil
	}
	return fmt.Errorf("%d of %d clients failed; the first: %w", k, len(errs), first)
}
