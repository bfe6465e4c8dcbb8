package http1

import (
	"sync/atomic"
	"time"
)

// imfFixdate is the layout of the preferred HTTP date format (RFC 9110
// section 5.6.7): always GMT, fixed width, English day and month names.
const imfFixdate = "Mon, 02 Jan 2006 15:04:05 GMT"

// dateLine is one formatted Date header field and the second it names.
type dateLine struct {
	unix int64  // the second the line was formatted for
	line []byte // "Date: <IMF-fixdate>\r\n"
}

// dateCache holds the current Date line. Readers load it without locks; the
// first caller that sees the second change formats a new line and stores it.
// Two callers racing at a second boundary both format and one store wins,
// which is harmless: both lines are correct. No goroutine ticks in the
// background, so nothing leaks and an idle server does no work.
var dateCache atomic.Pointer[dateLine]

// clock is the time source; tests replace it to step the cache across
// seconds without sleeping.
var clock = time.Now

// !+date

// AppendDate appends a complete Date header field, "Date: <IMF-fixdate>\r\n",
// to dst and returns the extended slice. An origin server with a clock must
// send Date (RFC 9110 section 6.6.1); the text is formatted at most once per
// second and shared by every response in that second.
func AppendDate(dst []byte) []byte {
	now := clock()
	sec := now.Unix()
	d := dateCache.Load()
	if d == nil || d.unix != sec {
		d = formatDate(now)
		dateCache.Store(d)
	}
	return append(dst, d.line...)
}

// !-date

// formatDate formats the Date line for the second that contains t.
func formatDate(t time.Time) *dateLine {
	line := make([]byte, 0, len("Date: ")+len(imfFixdate)+2)
	line = append(line, "Date: "...)
	line = t.UTC().AppendFormat(line, imfFixdate)
	line = append(line, "\r\n"...)
	return &dateLine{unix: t.Unix(), line: line}
}
