package loop

import (
	"strings"
	"testing"

	"lbws/shared/sock"

	"golang.org/x/sys/unix"
)

// New refuses a Config.MaxFD below the stage's own descriptors: select
// cannot watch them, and x/sys's FdSet.Set would index past its bitmap.
func TestNewRefusesOwnFdsAboveMaxFD(t *testing.T) {
	lfd, err := sock.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewPipeWaker()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	l, err := New(lfd, w, Config{MaxFD: w.Fd()})
	if err == nil {
		l.Close()
		t.Fatal("New with MaxFD at the wake-up descriptor succeeded; want an error")
	}
	if !strings.Contains(err.Error(), "at or above") {
		t.Errorf("error %q does not say why", err)
	}
	unix.Close(lfd)
}
