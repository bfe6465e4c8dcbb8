package gateway_test

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"lbws/shared/gateway"
)

// feed is a Body whose chunks arrive over time: Next blocks until the
// feeding goroutine sends the next chunk, as a Body that waits on a
// database would. It records, for each Next call, how many response bytes
// the driver had received by then (seen), and the calls of Close.
type feed struct {
	ch     chan string  // chunks; closed after the last
	got    func() int   // response bytes the driver has so far
	mu     sync.Mutex   // guards the fields below
	seen   []int        // got() at each call of Next
	closed int          // Close calls
	hook   func(n int)  // called at the start of the n-th Next, if set
	write  func([]byte) // set by the app: PEP 3333's write
}

// Next waits for the next chunk.
func (f *feed) Next() ([]byte, error) {
	f.mu.Lock()
	n := len(f.seen)
	f.seen = append(f.seen, f.got())
	f.mu.Unlock()
	if f.hook != nil {
		f.hook(n)
	}
	s, ok := <-f.ch
	if !ok {
		return nil, io.EOF
	}
	return []byte(s), nil
}

// Close records the call.
func (f *feed) Close() error {
	f.mu.Lock()
	f.closed++
	f.mu.Unlock()
	return nil
}

// sendOverTime feeds chunks to ch with a pause before each, then closes
// it.
func sendOverTime(ch chan<- string, chunks ...string) {
	for _, c := range chunks {
		time.Sleep(2 * time.Millisecond)
		ch <- c
	}
	close(ch)
}

// exchangeServer is a Server for the exchange tests.
func exchangeServer(app gateway.App, logb *bytes.Buffer) *gateway.Server {
	return newServer(app, logb)
}

// drive calls Next with bound max until done, appending to *out, and
// checks that no call produced more than max bytes or nothing at all.
func drive(t *testing.T, x *gateway.Exchange, max int, out *[]byte) error {
	t.Helper()
	for i := 0; ; i++ {
		before := len(*out)
		b, done, err := x.Next(*out, max)
		*out = b
		if n := len(b) - before; n > max || (n == 0 && !done) {
			t.Fatalf("Next #%d produced %d bytes with bound %d, done %v", i, n, max, done)
		}
		if done {
			return err
		}
		if i > 1<<16 {
			t.Fatal("Next never done")
		}
	}
}

// With a 1-byte bound the exchange hands out one byte per call, sends the
// head once and the chunks in order, pulls the next chunk only once every
// byte of the previous ones has been handed out, and closes the Body once.
func TestExchangeOneByteBound(t *testing.T) {
	var out []byte
	body := &feed{ch: make(chan string), got: func() int { return len(out) }}
	go sendOverTime(body.ch, "ab", "cde", "f")
	app := appWith("200 OK", textPlain, body)
	var logb bytes.Buffer
	x := exchangeServer(app, &logb).Start(parseReq(t, get), nil, "127.0.0.1:1", gateway.ExchangeOptions{})
	err := drive(t, x, 1, &out)
	res := x.Result()
	x.Release()

	head := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nTransfer-Encoding: chunked\r\n\r\n"
	want := head + "2\r\nab\r\n3\r\ncde\r\n1\r\nf\r\n0\r\n\r\n"
	got := dateRE.ReplaceAllString(string(out), "Date: X\r\n")
	if err != nil || got != want {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
	if strings.Count(got, "HTTP/1.1") != 1 {
		t.Errorf("head sent %d times", strings.Count(got, "HTTP/1.1"))
	}
	// The first chunk is held (it might be the only one), so the first
	// two calls come before any byte; the third only once the head and
	// both chunks were handed out, the last once "f" was.
	dateLen := len(out) - len(got) // the real Date is longer than "X"
	afterTwo := len(head) + dateLen + len("2\r\nab\r\n3\r\ncde\r\n")
	wantSeen := []int{0, 0, afterTwo, afterTwo + len("1\r\nf\r\n")}
	if !equalInts(body.seen, wantSeen) {
		t.Errorf("Body.Next called when the driver had %v bytes, want %v", body.seen, wantSeen)
	}
	if body.closed != 1 {
		t.Errorf("Close called %d times, want 1", body.closed)
	}
	if res.Status != 200 || res.Bytes != 6 || !res.KeepAlive {
		t.Errorf("Result %+v, want 200, 6 bytes, keep-alive", res)
	}
}

// equalInts reports whether a and b hold the same numbers.
func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A driver that gives up (the client went away) releases the exchange
// before the end: the Body is closed then, once, and not pulled again.
func TestExchangeReleaseBeforeEnd(t *testing.T) {
	for _, steps := range []int{0, 1, 40} {
		var out []byte
		body := &feed{ch: make(chan string, 3), got: func() int { return len(out) }}
		body.ch <- "first"
		body.ch <- "second"
		body.ch <- "third"
		close(body.ch)
		var logb bytes.Buffer
		x := exchangeServer(appWith("200 OK", nil, body), &logb).Start(parseReq(t, get), nil, "127.0.0.1:1", gateway.ExchangeOptions{})
		for i := 0; i < steps; i++ {
			out, _, _ = x.Next(out, 1)
		}
		calls := len(body.seen)
		x.Release()
		if body.closed != 1 || len(body.seen) != calls {
			t.Errorf("after %d steps: Close called %d times, Next %d more times; want 1 and 0",
				steps, body.closed, len(body.seen)-calls)
		}
		if steps == 0 && calls != 0 {
			t.Errorf("Start pulled the Body %d times, want 0", calls)
		}
	}
}

// Close in the options announces the close and reports no keep-alive,
// without touching the request.
func TestExchangeCloseOption(t *testing.T) {
	req := parseReq(t, get)
	var logb bytes.Buffer
	x := exchangeServer(appWith("200 OK", nil, gateway.Bytes([]byte("hi"))), &logb).Start(req, nil, "127.0.0.1:1", gateway.ExchangeOptions{Close: true})
	var out []byte
	err := drive(t, x, 1<<10, &out)
	res := x.Result()
	x.Release()
	if err != nil || !strings.Contains(string(out), "\r\nConnection: close\r\n") || res.KeepAlive {
		t.Errorf("got %q, %+v, %v; want Connection: close and no keep-alive", out, res, err)
	}
	if !req.KeepAlive {
		t.Error("Start changed the request's KeepAlive")
	}
}

// Closing is asked once, when the head is encoded, not when the exchange
// starts: a stop that comes after Start (while the app runs) is still
// announced in the head, and the result says the connection closes.
func TestExchangeClosingOption(t *testing.T) {
	for _, stop := range []bool{false, true} {
		stopping, calls := false, 0
		closing := func() bool { calls++; return stopping }
		var logb bytes.Buffer
		app := appWith("200 OK", nil, gateway.Bytes([]byte("hi")))
		x := exchangeServer(app, &logb).Start(parseReq(t, get), nil, "127.0.0.1:1", gateway.ExchangeOptions{Closing: closing})
		stopping = stop // the app has run; Next produces the head
		var out []byte
		err := drive(t, x, 1<<10, &out)
		res := x.Result()
		x.Release()
		said := strings.Contains(string(out), "\r\nConnection: close\r\n")
		if err != nil || said != stop || res.KeepAlive == stop || calls != 1 {
			t.Errorf("stop %v: got %q, %+v, %v, Closing asked %d times; want Connection: close %v, keep-alive %v, asked once",
				stop, out, res, err, calls, stop, !stop)
		}
	}
}

// Without a Sink, what the app pushes through write is kept in the
// exchange and handed out by Next, in order, within the bound.
func TestExchangeWriteWithoutSink(t *testing.T) {
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		write, _ := start("200 OK", nil, nil)
		write([]byte("pushed "))
		return gateway.Bytes([]byte("body"))
	}
	var logb bytes.Buffer
	x := exchangeServer(app, &logb).Start(parseReq(t, get), nil, "127.0.0.1:1", gateway.ExchangeOptions{})
	var out []byte
	err := drive(t, x, 3, &out)
	x.Release()
	got := dateRE.ReplaceAllString(string(out), "Date: X\r\n")
	want := "HTTP/1.1 200 OK\r\nDate: X\r\nTransfer-Encoding: chunked\r\n\r\n7\r\npushed \r\n4\r\nbody\r\n0\r\n\r\n"
	if err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}

// Under a Sink, write's bytes go to the Sink before write returns, and
// never ahead of bytes Next produced earlier: Next does not pull the Body
// (where the app may write) while it holds bytes the caller has not got.
func TestExchangeWriteToSinkKeepsOrder(t *testing.T) {
	var stream []byte
	body := &feed{ch: make(chan string, 3), got: func() int { return len(stream) }}
	body.ch <- "a"
	body.ch <- "b"
	body.ch <- "c"
	close(body.ch)
	var during []byte
	body.hook = func(n int) {
		if n == 2 {
			body.write([]byte("w"))
			during = append([]byte(nil), stream...)
		}
	}
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		write, _ := start("200 OK", nil, nil)
		body.write = func(p []byte) {
			if err := write(p); err != nil {
				t.Errorf("write: %v", err)
			}
		}
		return body
	}
	sink := func(p []byte) error {
		stream = append(stream, p...)
		return nil
	}
	var logb bytes.Buffer
	x := exchangeServer(app, &logb).Start(parseReq(t, get), nil, "127.0.0.1:1", gateway.ExchangeOptions{Sink: sink})
	for {
		out, done, err := x.Next(nil, 1<<20)
		stream = append(stream, out...)
		if err != nil {
			t.Fatal(err)
		}
		if done {
			break
		}
	}
	x.Release()
	got := dateRE.ReplaceAllString(string(stream), "Date: X\r\n")
	want := "HTTP/1.1 200 OK\r\nDate: X\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n1\r\nw\r\n1\r\nc\r\n0\r\n\r\n"
	if got != want {
		t.Errorf("stream %q, want %q", got, want)
	}
	if !bytes.HasSuffix(during, []byte("1\r\nw\r\n")) {
		t.Errorf("after write returned the sink had %q, want the pushed chunk", during)
	}
}

// A Sink that fails (the client went away) fails write and ends the
// exchange with the error; the Body is closed.
func TestExchangeSinkError(t *testing.T) {
	var werr error
	body := &chunks{list: []string{"never"}}
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		write, _ := start("200 OK", nil, nil)
		werr = write([]byte("x"))
		return body
	}
	sink := func(p []byte) error { return io.ErrClosedPipe }
	var logb bytes.Buffer
	x := exchangeServer(app, &logb).Start(parseReq(t, get), nil, "127.0.0.1:1", gateway.ExchangeOptions{Sink: sink})
	out, done, err := x.Next(nil, 100)
	res := x.Result()
	x.Release()
	if werr == nil || !done || err == nil || len(out) != 0 || res.KeepAlive {
		t.Errorf("write %v; Next %q, %v, %v; %+v: want errors, done, nothing more, no keep-alive", werr, out, done, err, res)
	}
	if body.calls != 0 || body.closed != 1 {
		t.Errorf("Next called %d times, Close %d; want 0 and 1", body.calls, body.closed)
	}
}
