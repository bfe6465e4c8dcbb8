package gateway_test

import (
	"errors"
	"strings"
	"testing"

	"lbws/shared/apps"
	"lbws/shared/gateway"
)

// clList is a request whose Content-Length is the list form "5, 5", which
// the parser accepts as 5 (RFC 9110 8.6).
const clList = "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 5, 5\r\n\r\nhello"

// CONTENT_LENGTH is the parsed length, not the field's text: the app sees
// "5" for "Content-Length: 5, 5".
func TestEnvironContentLengthIsParsed(t *testing.T) {
	var got string
	app := func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		got = env.ContentLength
		start("204 No Content", nil, nil)
		return nil
	}
	serve(t, app, clList)
	if got != "5" {
		t.Errorf("CONTENT_LENGTH %q, want \"5\"", got)
	}
}

// Echo, which passes CONTENT_LENGTH on as its Content-Length, answers the
// list form with the body.
func TestEchoContentLengthList(t *testing.T) {
	s := serve(t, apps.Echo, clList)
	if s.err != nil || !strings.HasPrefix(s.out, "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(s.out, "\r\n\r\nhello") {
		t.Errorf("got %q, %v; want 200 with the body", s.out, s.err)
	}
}

// PEP 3333: once a non-empty chunk was yielded the headers count as sent,
// even though the gateway held the chunk back to compute a Content-Length.
// start_response with exc_info then fails, and the abandoned chunk is not
// sent in front of an error page.
func TestServeExcInfoAfterHeldChunk(t *testing.T) {
	var late error
	var start gateway.StartResponse
	body := &chunks{list: []string{"abandoned", "error page"}}
	body.before = func(i int) {
		if i == 1 {
			_, late = start("500 Oops", nil, errors.New("failed after a chunk"))
		}
	}
	app := func(env *gateway.Environ, s gateway.StartResponse) gateway.Body {
		start = s
		s("200 OK", textPlain, nil)
		return body
	}
	s := serve(t, app, get)
	if !errors.Is(late, gateway.ErrStartLate) {
		t.Errorf("start with exc_info after a chunk returned %v, want ErrStartLate", late)
	}
	if strings.Contains(s.out, "abandoned") || s.out != internalError {
		t.Errorf("response %q, want the gateway's 500 without the abandoned chunk", s.out)
	}
}
