package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// conv is one client connection of a check. It records every write and
// every byte read, so that a failure can show them exactly.
type conv struct {
	id     int          // 1-based, in dial order within the check
	nc     *net.TCPConn // the socket
	writes [][]byte     // each write, in order
	recv   []byte       // every byte read
	end    string       // how reading ended: endEOF, endReset, another error; "" while open
	werr   error        // the write that failed, if one did
	closed bool         // the client closed or reset its end
}

// dial connects to the server. The connection is closed when the check
// ends.
func (e *env) dial() (*conv, error) {
	c, err := net.DialTimeout("tcp", e.addr, ioTimeout)
	if err != nil {
		return nil, err
	}
	v := &conv{id: len(e.convs) + 1, nc: c.(*net.TCPConn)}
	e.convs = append(e.convs, v)
	return v, nil
}

// send writes b in one write(2) (TCP_NODELAY is on: it leaves as its own
// segment).
func (v *conv) send(b []byte) error {
	v.nc.SetWriteDeadline(time.Now().Add(ioTimeout))
	n, err := v.nc.Write(b)
	if n > 0 {
		v.writes = append(v.writes, b[:n])
	}
	if err != nil {
		v.werr = err
		return fmt.Errorf("writing %d bytes: %w", len(b), err)
	}
	return nil
}

// closeWrite half-closes: the server reads end of file.
func (v *conv) closeWrite() error { return v.nc.CloseWrite() }

// reset closes with SO_LINGER 0, so the server gets a reset, not a FIN.
func (v *conv) reset() {
	v.nc.SetLinger(0)
	v.nc.Close()
	v.closed = true
}

// close closes the connection.
func (v *conv) close() {
	v.nc.Close()
	v.closed = true
}

// readUntil reads until done(recv) holds (nil), end of file (io.EOF),
// an error, or d passes (a timeout error). done nil reads to end of file
// and returns nil there.
func (v *conv) readUntil(d time.Duration, done func([]byte) bool) error {
	if v.end != "" {
		if done != nil && done(v.recv) {
			return nil
		}
		if done == nil && v.end == endEOF {
			return nil
		}
		return errors.New(v.end)
	}
	v.nc.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 32<<10)
	for done == nil || !done(v.recv) {
		n, err := v.nc.Read(buf)
		v.recv = append(v.recv, buf[:n]...)
		switch {
		case err == io.EOF:
			v.end = endEOF
			if done == nil || done(v.recv) {
				return nil
			}
			return io.EOF
		case err != nil:
			if kindOf(err) != kindTimeout {
				v.end = endOf(err)
			}
			return err
		}
	}
	return nil
}

// readToEOF reads until the server closes, for at most d.
func (v *conv) readToEOF(d time.Duration) error { return v.readUntil(d, nil) }

// How reading ended, as the report says it.
const (
	endEOF   = "end of file"
	endReset = "connection reset"
)

// endOf names the error that ended reading.
func endOf(err error) string {
	if kindOf(err) == kindReset {
		return endReset
	}
	return errText(err)
}

// kindOf classifies a socket error.
func kindOf(err error) kind {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, syscall.ECONNREFUSED):
		return kindRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), err.Error() == endReset:
		return kindReset
	case errors.Is(err, os.ErrDeadlineExceeded):
		return kindTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), err.Error() == endEOF:
		return kindEOF
	}
	return kindOther
}

// waitRead waits until the server has read every byte this connection
// sent: the receive queue of the server's end of the connection
// (rx_queue in /proc/net/tcp) is empty, or the server's end is gone. It
// returns false if it cannot tell (not Linux, not IPv4) or if the server
// still has not read them after d; the check goes on either way, and a
// server that does not read fails it. Waiting for the kernel's state,
// not for a time, is what makes a check that splits a request
// deterministic: the second part is sent only after the server has taken
// the first.
func (v *conv) waitRead(d time.Duration) bool {
	server := tcpKey(v.nc.RemoteAddr())
	client := tcpKey(v.nc.LocalAddr())
	if server == "" || client == "" {
		time.Sleep(100 * time.Millisecond)
		return false
	}
	for deadline := time.Now().Add(d); ; time.Sleep(2 * time.Millisecond) {
		rx, found, err := rxQueue(server, client)
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			return false
		}
		if !found || rx == 0 {
			if !found {
				// The server closed: wait until the client's end
				// has seen the FIN or the reset too, so what the
				// check does next does not race with it.
				v.waitPeerGone(client, server, d)
			}
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// waitPeerGone waits, up to d, until the client's end of the connection
// has left ESTABLISHED (the server's FIN or reset has arrived).
func (v *conv) waitPeerGone(client, server string, d time.Duration) {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		st, found := tcpState(client, server)
		if !found || st != tcpEstablished {
			return
		}
	}
}

// tcpEstablished is the ESTABLISHED state in /proc/net/tcp.
const tcpEstablished = "01"

// tcpKey is addr as /proc/net/tcp writes it ("0100007F:1F90"), or "" if
// it is not IPv4.
func tcpKey(addr net.Addr) string {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil || !ap.Addr().Unmap().Is4() {
		return ""
	}
	ip := ap.Addr().Unmap().As4()
	// The address is a 32-bit word in host order (little-endian on the
	// machines this runs on), the port big-endian.
	return fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], ap.Port())
}

// tcpSock returns the state ("01" is ESTABLISHED, as /proc/net/tcp
// writes it), the receive queue (bytes not yet read) and the send queue
// (bytes the peer has not acknowledged) of the socket local -> remote,
// both keys as tcpKey makes them. It asks the kernel for that one socket
// (sock_diag, on Linux), or else scans /proc/net/tcp, which lists every
// TCP socket of the machine: thousands in TIME_WAIT after a few runs of
// the grader.
func tcpSock(local, remote string) (state string, rx, tx int64, found bool, err error) {
	if st, rx, tx, found, err := diagSock(local, remote); err == nil {
		return st, rx, tx, found, nil
	}
	return procSock(local, remote)
}

// procSock is tcpSock from /proc/net/tcp.
func procSock(local, remote string) (state string, rx, tx int64, found bool, err error) {
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return "", 0, 0, false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) > 4 && fs[1] == local && fs[2] == remote {
			txs, rxs, _ := strings.Cut(fs[4], ":")
			tx, err := strconv.ParseInt(txs, 16, 64)
			if err != nil {
				return "", 0, 0, false, err
			}
			rx, err := strconv.ParseInt(rxs, 16, 64)
			return fs[3], rx, tx, true, err
		}
	}
	return "", 0, 0, false, sc.Err()
}

// rxQueue returns the bytes waiting to be read on the socket local ->
// remote.
func rxQueue(local, remote string) (int64, bool, error) {
	_, rx, _, found, err := tcpSock(local, remote)
	return rx, found, err
}

// txQueue returns the bytes the socket local -> remote holds that the
// peer has not acknowledged (sent or not yet sent).
func txQueue(local, remote string) (int64, bool, error) {
	_, _, tx, found, err := tcpSock(local, remote)
	return tx, found, err
}

// tcpState returns the state of the socket local -> remote.
func tcpState(local, remote string) (string, bool) {
	st, _, _, found, err := tcpSock(local, remote)
	if err != nil || !found {
		return "", false
	}
	return st, true
}

// quote shows bytes as Go's %q does, cutting long ones: the first and
// the last bytes, and the count.
func quote(b []byte) string {
	const head, tail = 64, 16
	if len(b) <= head+tail+16 {
		return strconv.Quote(string(b))
	}
	return fmt.Sprintf("%s ... %s (%d bytes)", strconv.Quote(string(b[:head])), strconv.Quote(string(b[len(b)-tail:])), len(b))
}

// describe shows what the connection sent and received, for the report.
func (v *conv) describe(indent string) string {
	var b strings.Builder
	label := fmt.Sprintf("conn %d ", v.id)
	total := 0
	for _, w := range v.writes {
		total += len(w)
	}
	switch {
	case len(v.writes) == 0:
		fmt.Fprintf(&b, "%s%ssent: nothing", indent, label)
	case len(v.writes) <= 3:
		qs := make([]string, len(v.writes))
		for i, w := range v.writes {
			qs[i] = quote(w)
		}
		fmt.Fprintf(&b, "%s%ssent: %s", indent, label, strings.Join(qs, " then "))
	default:
		fmt.Fprintf(&b, "%s%ssent: %d bytes in %d writes: %s", indent, label, total, len(v.writes), quote(join(v.writes)))
	}
	if v.werr != nil {
		fmt.Fprintf(&b, ", then a write failed (%s)", endOf(v.werr))
	}
	b.WriteString("\n")
	switch {
	case len(v.recv) == 0:
		fmt.Fprintf(&b, "%s%srecv: nothing", indent, label)
	default:
		fmt.Fprintf(&b, "%s%srecv: %s", indent, label, quote(v.recv))
	}
	if v.end != "" {
		fmt.Fprintf(&b, ", then %s", v.end)
	}
	b.WriteString("\n")
	return b.String()
}

// join concatenates the writes.
func join(ws [][]byte) []byte {
	var out []byte
	for _, w := range ws {
		out = append(out, w...)
	}
	return out
}
