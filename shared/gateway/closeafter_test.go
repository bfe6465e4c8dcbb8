package gateway_test

import (
	"bytes"
	"strings"
	"testing"

	"lbws/shared/gateway"
)

// CloseAfter, called after Start (the app has run) and before the head
// is produced, announces the close as the Close option does.
func TestExchangeCloseAfter(t *testing.T) {
	req := parseReq(t, get)
	var logb bytes.Buffer
	x := exchangeServer(appWith("200 OK", nil, gateway.Bytes([]byte("hi"))), &logb).Start(req, nil, "127.0.0.1:1", gateway.ExchangeOptions{})
	x.CloseAfter()
	var out []byte
	err := drive(t, x, 1<<10, &out)
	res := x.Result()
	x.Release()
	if err != nil || !strings.Contains(string(out), "\r\nConnection: close\r\n") || res.KeepAlive {
		t.Errorf("got %q, %+v, %v; want Connection: close and no keep-alive", out, res, err)
	}
}
