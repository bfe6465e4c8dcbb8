package main

import (
	"fmt"
	"time"
)

// Concurrency values of a Model that are not a fixed count.
const (
	perConnection = 0  // one request in flight per connection: the workload's connections
	unknownModel  = -1 // a stage bench has no declaration for
)

// Model is a target's concurrency model as Little's law sees it: how many
// requests it can work on at once. With the app sleeping W, a model that
// works on L requests at once answers at most L / W requests per second,
// whatever the load.
type Model struct {
	// Says names the model in the table: "one connection at a time".
	Says string `json:"says"`
	// Concurrency is the number of requests the model serves at once;
	// perConnection means one per connection (so the workload's
	// connections), unknownModel that bench does not know.
	Concurrency int `json:"concurrency"`
}

// inFlight is the number of requests the model serves at once under w,
// or 0 when the model is unknown.
func (m Model) inFlight(w Workload) int {
	switch {
	case m.Concurrency == perConnection:
		return w.Connections
	case m.Concurrency < 0:
		return 0
	}
	return min(m.Concurrency, w.Connections)
}

// Bound returns the model's Little's-law bound under w in requests per
// second and its arithmetic ("8 / 0.2 s = 40"); 0 and "" when the app
// does not sleep (nothing bounds the server but itself) or the model is
// unknown.
func (m Model) Bound(w Workload) (float64, string) {
	l := m.inFlight(w)
	b := littleBound(l, w.Delay)
	if b == 0 {
		return 0, ""
	}
	return b, fmt.Sprintf("%d / %s = %s", l, fmtSeconds(w.Delay.Seconds()), fmtQPS(b))
}

// littleBound returns concurrency/latency in requests per second, or 0 when
// latency or concurrency is not positive.
func littleBound(concurrency int, latency time.Duration) float64 {
	if latency <= 0 || concurrency <= 0 {
		return 0
	}
	return float64(concurrency) / latency.Seconds()
}
