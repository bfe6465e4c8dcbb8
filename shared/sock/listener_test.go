package sock

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestListenerCloseWithoutAccept(t *testing.T) {
	lfd, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := NewListener(lfd)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := unix.FcntlInt(uintptr(lfd), unix.F_GETFD, 0); err != unix.EBADF {
		t.Fatalf("fd still open after Close with no Accept running (fcntl: %v)", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := l.Accept(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Accept after Close = %v; want ErrClosed", err)
	}
}

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		err   error
		pause time.Duration
		retry bool
	}{
		{unix.ECONNABORTED, 0, true},
		{fmt.Errorf("sock: accept: %w", unix.EPROTO), 0, true},
		// accept(2) on Linux: "should treat them like EAGAIN by retrying".
		{unix.ENOPROTOOPT, 0, true},
		{unix.ENETDOWN, 0, true},
		{unix.EHOSTDOWN, 0, true},
		{unix.EHOSTUNREACH, 0, true},
		{unix.EOPNOTSUPP, 0, true},
		{unix.ENETUNREACH, 0, true},
		{fmt.Errorf("sock: accept: %w", unix.EPERM), 0, true}, // a firewall rule
		{fmt.Errorf("sock: accept: %w", unix.EMFILE), 100 * time.Millisecond, true},
		{unix.ENFILE, 100 * time.Millisecond, true},
		{unix.ENOBUFS, 100 * time.Millisecond, true},
		{unix.ENOMEM, 100 * time.Millisecond, true},
		{fmt.Errorf("sock: accept: %w", unix.EBADF), 0, false},
		{unix.EINVAL, 0, false},
		{unix.ENOTSOCK, 0, false},
	} {
		pause, retry := RetryAfter(tc.err)
		if pause != tc.pause || retry != tc.retry {
			t.Errorf("RetryAfter(%v) = %v, %v; want %v, %v", tc.err, pause, retry, tc.pause, tc.retry)
		}
	}
}
