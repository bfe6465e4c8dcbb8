package sock

import (
	"testing"
	"time"
)

// A read deadline bounds the whole wait, however many reads it takes:
// it is neither early (no timeout before it) nor late (a client that
// trickles bytes cannot stretch it; each read gets only the time left).
func TestReadDeadlineNeitherEarlyNorLate(t *testing.T) {
	const d = 600 * time.Millisecond
	c, client := pair(t)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				client.Write([]byte("x"))
			}
		}
	}()
	start := time.Now()
	c.SetReadDeadline(start.Add(d))
	buf := make([]byte, 16)
	var err error
	reads := 0
	for err == nil {
		_, err = c.Read(buf)
		reads++
		if time.Since(start) > d+5*time.Second {
			t.Fatalf("still reading %v after a %v deadline (%d reads)", time.Since(start), d, reads)
		}
	}
	took := time.Since(start)
	checkTimeout(t, err)
	if took < d {
		t.Errorf("timed out after %v; the deadline was %v away", took, d)
	}
	// Generous: a loaded machine may schedule the reader late, but a
	// deadline re-armed per read would never fire while bytes trickle.
	if took > d+2*time.Second {
		t.Errorf("timed out after %v; the deadline was %v away", took, d)
	}
	if reads < 3 {
		t.Errorf("only %d reads before the deadline; the trickle did not arrive", reads)
	}
}
