package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"syscall"
)

// Linux's sock_diag interface (linux/inet_diag.h, linux/sock_diag.h).
const (
	sockDiagByFamily = 20 // SOCK_DIAG_BY_FAMILY
	inetDiagSockID   = 48 // sizeof(struct inet_diag_sockid)
	inetDiagReqV2    = 8 + inetDiagSockID
	inetDiagMsg      = 4 + inetDiagSockID + 20
)

// diagSock asks the kernel for the one TCP socket local -> remote (keys
// as tcpKey makes them, IPv4) over netlink: its state, as /proc/net/tcp
// writes it, its receive queue and its send queue. found is false if the
// kernel has no such socket.
func diagSock(local, remote string) (state string, rx, tx int64, found bool, err error) {
	req := make([]byte, syscall.NLMSG_HDRLEN+inetDiagReqV2)
	binary.NativeEndian.PutUint32(req[0:], uint32(len(req)))
	binary.NativeEndian.PutUint16(req[4:], sockDiagByFamily)
	binary.NativeEndian.PutUint16(req[6:], syscall.NLM_F_REQUEST)
	r := req[syscall.NLMSG_HDRLEN:]
	r[0], r[1] = syscall.AF_INET, syscall.IPPROTO_TCP
	binary.NativeEndian.PutUint32(r[4:], ^uint32(0)) // every state
	id := r[8:]
	if err := putKey(id[0:], id[4:], local); err != nil { // sport, src
		return "", 0, 0, false, err
	}
	if err := putKey(id[2:], id[20:], remote); err != nil { // dport, dst
		return "", 0, 0, false, err
	}
	// The cookie: INET_DIAG_NOCOOKIE, the socket is found by its
	// addresses alone.
	binary.NativeEndian.PutUint32(id[40:], ^uint32(0))
	binary.NativeEndian.PutUint32(id[44:], ^uint32(0))

	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, syscall.NETLINK_INET_DIAG)
	if err != nil {
		return "", 0, 0, false, fmt.Errorf("sock_diag: %w", err)
	}
	defer syscall.Close(fd)
	if err := syscall.Sendto(fd, req, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return "", 0, 0, false, fmt.Errorf("sock_diag: %w", err)
	}
	buf := make([]byte, 8192)
	n, _, err := syscall.Recvfrom(fd, buf, 0)
	if err != nil {
		return "", 0, 0, false, fmt.Errorf("sock_diag: %w", err)
	}
	msgs, err := syscall.ParseNetlinkMessage(buf[:n])
	if err != nil || len(msgs) == 0 {
		return "", 0, 0, false, errors.New("sock_diag: no answer")
	}
	m := msgs[0]
	switch {
	case m.Header.Type == syscall.NLMSG_ERROR && len(m.Data) >= 4:
		errno := -int32(binary.NativeEndian.Uint32(m.Data))
		if syscall.Errno(errno) == syscall.ENOENT {
			return "", 0, 0, false, nil
		}
		return "", 0, 0, false, fmt.Errorf("sock_diag: %w", syscall.Errno(errno))
	case m.Header.Type != sockDiagByFamily || len(m.Data) < inetDiagMsg:
		return "", 0, 0, false, errors.New("sock_diag: an answer of another kind")
	}
	d := m.Data
	rq := binary.NativeEndian.Uint32(d[4+inetDiagSockID+4:])
	wq := binary.NativeEndian.Uint32(d[4+inetDiagSockID+8:])
	return fmt.Sprintf("%02X", d[1]), int64(rq), int64(wq), true, nil
}

// putKey writes the address of a tcpKey ("0100007F:1F90": the address as
// a host-order word, the port) into a sock_diag socket id: the port at
// port, big-endian; the address at addr, in network order.
func putKey(port, addr []byte, key string) error {
	if len(key) != 13 || key[8] != ':' {
		return fmt.Errorf("sock_diag: %q is not an IPv4 key", key)
	}
	a, err := strconv.ParseUint(key[:8], 16, 32)
	if err != nil {
		return err
	}
	p, err := strconv.ParseUint(key[9:], 16, 16)
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint16(port, uint16(p))
	// The key's word is the address as the machine stores it (see
	// tcpKey): write it back the same way.
	binary.NativeEndian.PutUint32(addr, uint32(a))
	return nil
}
