package loop

import (
	"log"
	"os"

	"lbws/shared/apps"
	"lbws/shared/stage"
)

// FlagConfig is the Config a readiness-loop stage named name runs with,
// from the flags every stage shares and its -workers: apps.Mux with the
// -delay, the timeouts, -body-buffer, -v, and a log on standard error prefixed with the
// stage's name. The loop's shutdown gets nine tenths of -shutdown, so
// serve returns before stage.Run gives up on it.
func FlagConfig(name string, f *stage.Flags, workers int) Config {
	return Config{
		App:             apps.Mux(f.Delay),
		Workers:         workers,
		HeaderTimeout:   f.HeaderTimeout,
		BodyTimeout:     f.BodyTimeout,
		BodyBuffer:      f.BodyBuffer,
		WriteTimeout:    f.WriteTimeout,
		IdleTimeout:     f.IdleTimeout,
		ShutdownTimeout: f.Shutdown * 9 / 10,
		Verbose:         f.Verbose,
		Log:             log.New(os.Stderr, name+": ", log.Ltime|log.Lmicroseconds),
	}
}
