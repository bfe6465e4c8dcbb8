//go:build linux && !sockportable

package sock

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestRetryAfterENONET(t *testing.T) {
	if _, retry := RetryAfter(unix.ENONET); !retry {
		t.Error("RetryAfter(ENONET) does not retry; accept(2) says to")
	}
}
