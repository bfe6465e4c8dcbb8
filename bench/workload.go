package main

import (
	"fmt"
	"strings"
	"time"
)

// Workload is one load pattern that wrk puts on every target.
type Workload struct {
	// Name identifies the workload in flags, rows and file names.
	Name string `json:"name"`
	// Group is "article" or "overhead"; -workloads accepts a group name
	// for both of its variants.
	Group string `json:"group"`
	// Delay is the app's sleep before it answers, passed to each target
	// (-delay for Go targets, LBWS_DELAY for the Flask app).
	Delay time.Duration `json:"delay_ns"`
	// Threads is wrk's -t.
	Threads int `json:"threads"`
	// Connections is wrk's -c: the number of requests in flight.
	Connections int `json:"connections"`
	// KeepAlive is false when every request carries "Connection: close",
	// so every request pays for a new TCP connection (RFC 9112 9.6).
	KeepAlive bool `json:"keep_alive"`
	// Summary says in a few words what the workload shows.
	Summary string `json:"summary"`
}

// c10kGroup is the group of the c10k workload, which holds connections
// instead of running wrk.
const c10kGroup = "c10k"

// workloads lists every workload in the order bench runs them.
var workloads = []Workload{
	{Name: "article-keepalive", Group: "article", Delay: 200 * time.Millisecond, Threads: 8, Connections: 1000, KeepAlive: true,
		Summary: "the article's run: 200 ms app, wrk -t8 -c1000, keep-alive"},
	{Name: "article-close", Group: "article", Delay: 200 * time.Millisecond, Threads: 8, Connections: 1000, KeepAlive: false,
		Summary: "the article's run with Connection: close on every request"},
	{Name: "overhead-keepalive", Group: "overhead", Delay: 0, Threads: 1, Connections: 50, KeepAlive: true,
		Summary: "no sleep, wrk -t1 -c50, keep-alive: the cost of the server itself"},
	{Name: "overhead-close", Group: "overhead", Delay: 0, Threads: 1, Connections: 50, KeepAlive: false,
		Summary: "no sleep, wrk -t1 -c50, a new connection per request"},
}

// Bound is the Little's-law ceiling on throughput for this workload:
// L = λW, so with L requests in flight (the connections) and each taking at
// least W (the app's delay), λ <= L/W. It returns 0 when the app does not
// sleep: then W is the server's own time, which is what we measure, so no
// bound is known in advance.
func (w Workload) Bound() float64 {
	return littleBound(w.Connections, w.Delay)
}

// selectWorkloads returns the workloads named in list (names or groups, in
// the canonical order, c10k last), or an error naming the unknown ones.
func selectWorkloads(list []string) ([]Workload, error) {
	want := map[string]bool{}
	for _, name := range list {
		want[name] = true
	}
	var out []Workload
	for _, w := range append(workloads, c10kWorkload) {
		if want[w.Name] || want[w.Group] {
			out = append(out, w)
			delete(want, w.Name)
		}
	}
	for _, w := range append(workloads, c10kWorkload) {
		delete(want, w.Group)
	}
	if len(want) > 0 {
		return nil, fmt.Errorf("unknown workload(s) %s; known: %s", strings.Join(sortedKeys(want), ", "), workloadNames())
	}
	return out, nil
}

// workloadNames lists the accepted -workloads values.
func workloadNames() string {
	names := []string{"article", "overhead", c10kGroup}
	for _, w := range workloads {
		names = append(names, w.Name)
	}
	return strings.Join(names, ", ")
}
