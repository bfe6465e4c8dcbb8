package http1

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLimitsWithDefaults(t *testing.T) {
	d := DefaultLimits()
	for _, tt := range []struct {
		name    string
		in, out Limits
	}{
		{"zero is all defaults", Limits{}, d},
		{"negative is default", Limits{MaxRequestLine: -1, MaxHeaderBytes: -1, MaxFields: -1, MaxBody: -1}, d},
		{"set fields kept", Limits{MaxRequestLine: 10, MaxBody: 1},
			Limits{MaxRequestLine: 10, MaxHeaderBytes: d.MaxHeaderBytes, MaxFields: d.MaxFields, MaxBody: 1}},
		{"all set", Limits{MaxRequestLine: 1, MaxHeaderBytes: 2, MaxFields: 3, MaxBody: 4},
			Limits{MaxRequestLine: 1, MaxHeaderBytes: 2, MaxFields: 3, MaxBody: 4}},
	} {
		if diff := cmp.Diff(tt.out, tt.in.WithDefaults()); diff != "" {
			t.Errorf("%s: %+v.WithDefaults() (-want +got):\n%s", tt.name, tt.in, diff)
		}
	}
}

// BodyBuffer holds a Content-Length body that fits whole, and the bound
// of anything else.
func TestBodyBuffer(t *testing.T) {
	for _, c := range []struct {
		req  Request
		want int
	}{
		{Request{ContentLength: 5}, 5},
		{Request{ContentLength: 64}, 64},
		{Request{ContentLength: 65}, 64},
		{Request{ContentLength: -1, Chunked: true}, 64},
	} {
		if got := c.req.BodyBuffer(64); got != c.want {
			t.Errorf("ContentLength %d, Chunked %v: BodyBuffer(64) = %d, want %d", c.req.ContentLength, c.req.Chunked, got, c.want)
		}
	}
}
