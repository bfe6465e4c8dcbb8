package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Results is what a bench run writes to bench/results/<date>-<host>.json,
// rewritten after every row, and what -render reads back.
type Results struct {
	// Command is the command line that produced the results.
	Command string `json:"command"`
	// Started is when the run began.
	Started time.Time `json:"started"`
	// Finished is when the last row was written; zero while running or
	// when the run was interrupted.
	Finished time.Time `json:"finished,omitzero"`
	// Quick is true for a -quick run.
	Quick bool `json:"quick"`
	// Duration is each wrk run's -d.
	Duration string `json:"duration"`
	// Machine describes where the numbers come from.
	Machine Machine `json:"machine"`
	// Workloads are the workloads of the run, in order.
	Workloads []Workload `json:"workloads"`
	// Rows holds one row per target and workload, in the order measured.
	Rows []Row `json:"rows"`
}

// Machine describes the computer and tools of a run.
type Machine struct {
	Host      string `json:"host"`       // host name
	CPU       string `json:"cpu"`        // model name from /proc/cpuinfo
	Cores     int    `json:"cores"`      // logical CPUs
	MemoryMiB int64  `json:"memory_mib"` // MemTotal
	Kernel    string `json:"kernel"`     // uname -sr
	Go        string `json:"go"`         // Go version that built bench
	Wrk       string `json:"wrk"`        // wrk -v
	NoFile    uint64 `json:"nofile"`     // ulimit -n after bench raised it
}

// Row is one target under one workload.
type Row struct {
	// Target is the target's name.
	Target string `json:"target"`
	// Kind is "stage" or "peer".
	Kind string `json:"kind"`
	// Workload is the workload's name.
	Workload string `json:"workload"`
	// Note is the target's note.
	Note string `json:"note,omitempty"`
	// Skipped says why the target did not run (not installed).
	Skipped string `json:"skipped,omitempty"`
	// Error says why the run failed (no build, no answer, no wrk summary).
	Error string `json:"error,omitempty"`
	// Wrk is the wrk command line.
	Wrk string `json:"wrk,omitempty"`
	// Raw is the file with wrk's output, relative to the JSON file.
	Raw string `json:"raw,omitempty"`
	// Connections is wrk's -c.
	Connections int `json:"connections"`
	// DelayMS is the app's sleep in milliseconds.
	DelayMS float64 `json:"delay_ms"`
	// KeepAlive is false when requests carried Connection: close.
	KeepAlive bool `json:"keep_alive"`
	// FixedBody is true when the target skipped the app (nginx).
	FixedBody bool `json:"fixed_body,omitempty"`

	// Requests is the number of complete responses.
	Requests int64 `json:"requests"`
	// Seconds is the measured duration.
	Seconds float64 `json:"seconds"`
	// QPS is Requests per second.
	QPS float64 `json:"qps"`
	// LatencyMS is wrk's latency distribution in milliseconds.
	LatencyMS Latency `json:"latency_ms"`
	// Errors counts socket errors by kind.
	Errors SocketErrors `json:"socket_errors"`
	// Non2xx counts responses with status >= 400 (wrk's errors.status).
	Non2xx int64 `json:"non_2xx"`
	// BoundQPS is the workload's Little's-law bound; 0 when there is none.
	BoundQPS float64 `json:"bound_qps"`
	// BoundShare is QPS / BoundQPS; 0 when there is no bound.
	BoundShare float64 `json:"bound_share"`
	// CPUSeconds is the server tree's user+system CPU time during wrk.
	CPUSeconds float64 `json:"cpu_seconds"`
	// CPUPer1000 is CPUSeconds per 1000 requests.
	CPUPer1000 float64 `json:"cpu_seconds_per_1000"`
	// PeakRSSKiB is the largest RSS summed over the server's processes,
	// sampled every 200 ms.
	PeakRSSKiB int64 `json:"peak_rss_kib"`
	// Procs is the number of processes in the server's tree at the peak.
	Procs int `json:"procs"`
	// Stop says how the server stopped.
	Stop string `json:"stop,omitempty"`
}

// Latency is a latency distribution in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`  // median
	P90  float64 `json:"p90"`  // 90th percentile
	P99  float64 `json:"p99"`  // 99th percentile
	Max  float64 `json:"max"`  // slowest response under wrk's timeout
	Mean float64 `json:"mean"` // average
}

// SocketErrors are wrk's socket error counts.
type SocketErrors struct {
	Connect int64 `json:"connect"` // failed connects
	Read    int64 `json:"read"`    // read errors and unexpected closes
	Write   int64 `json:"write"`   // write errors
	Timeout int64 `json:"timeout"` // requests slower than wrk's timeout
}

// Total returns the sum of all socket errors.
func (e SocketErrors) Total() int64 { return e.Connect + e.Read + e.Write + e.Timeout }

// writeResults writes r as indented JSON to path atomically: a reader (or
// an interrupted run) sees the previous complete file or the new one.
func writeResults(path string, r *Results) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	return writeFileAtomic(path, append(b, '\n'))
}

// writeFileAtomic writes data to a temporary file next to path and renames
// it over path.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(f.Name()) // after the rename, a no-op
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// readResults reads a results file.
func readResults(path string) (*Results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("read results %s: %w", path, err)
	}
	return &r, nil
}
