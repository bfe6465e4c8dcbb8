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
