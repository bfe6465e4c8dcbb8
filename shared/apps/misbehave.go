package apps

import (
	"lbws/shared/gateway"
)

// Misbehaving apps, served by Mux under /misbehave/ so the conformance
// suite can check what the server (through the gateway) does with an
// app that answers without a body or gets PEP 3333 wrong.
//
//	/misbehave/204           204 No Content, and the app returns no body
//	/misbehave/304           304 Not Modified, no body
//	/misbehave/start-twice   calls start_response twice without an error: 500
//	/misbehave/panic         panics: 500, and the server goes on
var misbehaving = map[string]gateway.App{
	"/misbehave/204":         noBody("204 No Content"),
	"/misbehave/304":         noBody("304 Not Modified"),
	"/misbehave/start-twice": startTwice,
	"/misbehave/panic":       panicking,
}

// noBody answers status with no body and no Content-Length: the server
// must not add a body or a Content-Length to a 204 or 304 (RFC 9110
// 8.6, 15.3.5, 15.4.5).
func noBody(status string) gateway.App {
	return func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		start(status, nil, nil)
		return nil
	}
}

// startTwice calls start_response a second time without exc_info, which
// PEP 3333 forbids: the server must answer 500, not the second status.
func startTwice(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	start("200 OK", []gateway.Header{{Name: "Content-Type", Value: "text/plain"}}, nil)
	start("201 Created", []gateway.Header{{Name: "Content-Type", Value: "text/plain"}}, nil)
	return gateway.Bytes([]byte("should not be sent\n"))
}

// panicking panics before it answers.
func panicking(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	panic("apps: /misbehave/panic")
}
