package http1

import (
	"bytes"
	"testing"
	"time"
)

// setClock makes the Date cache read t, until the test ends.
func setClock(t *testing.T, now *time.Time) {
	t.Helper()
	old := clock
	clock = func() time.Time { return *now }
	dateCache.Store(nil)
	t.Cleanup(func() { clock = old; dateCache.Store(nil) })
}

func TestAppendDateFormat(t *testing.T) {
	now := time.Date(1994, time.November, 6, 8, 49, 37, 0, time.FixedZone("CET", 3600))
	setClock(t, &now)
	// RFC 9110 section 5.6.7's own example, in GMT whatever the zone.
	want := "Date: Sun, 06 Nov 1994 07:49:37 GMT\r\n"
	if got := string(AppendDate([]byte("x"))); got != "x"+want {
		t.Errorf("AppendDate = %q, want %q", got, "x"+want)
	}
}

func TestAppendDateCachedPerSecond(t *testing.T) {
	now := time.Date(2026, time.January, 2, 3, 4, 5, 100, time.UTC)
	setClock(t, &now)
	first := AppendDate(nil)
	line := dateCache.Load()

	now = now.Add(800 * time.Millisecond) // same second
	if got := AppendDate(nil); !bytes.Equal(got, first) || dateCache.Load() != line {
		t.Errorf("within the second: %q (reformatted: %v), want the cached %q", got, dateCache.Load() != line, first)
	}

	now = now.Add(200 * time.Millisecond) // next second
	want := "Date: Fri, 02 Jan 2026 03:04:06 GMT\r\n"
	if got := string(AppendDate(nil)); got != want {
		t.Errorf("next second: %q, want %q", got, want)
	}
}

func TestAppendDateRealClock(t *testing.T) {
	before := time.Now().Truncate(time.Second)
	line := string(AppendDate(nil))
	after := time.Now()
	v, ok := bytes.CutPrefix([]byte(line), []byte("Date: "))
	if !ok || !bytes.HasSuffix(v, []byte("\r\n")) {
		t.Fatalf("AppendDate = %q", line)
	}
	d, err := time.Parse(imfFixdate, string(bytes.TrimSuffix(v, []byte("\r\n"))))
	if err != nil {
		t.Fatalf("Date does not parse: %v", err)
	}
	// Bounded by the clock around the call, not by an assumed delay: a
	// loaded machine may run this goroutine late.
	if d.Before(before) || d.After(after) {
		t.Errorf("Date %v is not within the second of the call (%v to %v)", d, before, after)
	}
}

func TestAppendDateDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 64)
	AppendDate(buf)
	if n := testing.AllocsPerRun(100, func() { AppendDate(buf[:0]) }); n > 0 {
		t.Errorf("AppendDate allocates %v times per call", n)
	}
}
