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
	// Partial is true when -targets, -workloads, -duration or -runs
	// narrowed the run: its docs do not replace docs/results.md.
	Partial bool `json:"partial,omitempty"`
	// Duration is each wrk run's -d.
	Duration string `json:"duration"`
	// Runs is the number of repetitions of each row.
	Runs int `json:"runs,omitempty"`
	// Machine describes where the numbers come from.
	Machine Machine `json:"machine"`
	// Workloads are the workloads of the run, in order.
	Workloads []Workload `json:"workloads"`
	// Rows holds one row per target and workload, in the order measured.
	Rows []Row `json:"rows"`
	// Merges lists the later runs whose rows -merge put into this file,
	// oldest first.
	Merges []Merge `json:"merges,omitempty"`
}

// Machine describes the computer and tools of a run: what a reader needs
// to reproduce it.
type Machine struct {
	Host      string `json:"host"`       // host name
	CPU       string `json:"cpu"`        // model name from /proc/cpuinfo
	Cores     int    `json:"cores"`      // logical CPUs
	MemoryMiB int64  `json:"memory_mib"` // MemTotal
	Kernel    string `json:"kernel"`     // uname -sr
	Go        string `json:"go"`         // Go version that built bench
	Wrk       string `json:"wrk"`        // wrk -v
	NoFile    uint64 `json:"nofile"`     // ulimit -n after bench raised it
	// Commit is the repository's git commit, with "+dirty" when the work
	// tree had changes.
	Commit string `json:"commit,omitempty"`
	// Versions holds the peers' versions: gunicorn, flask, python (gunicorn's),
	// python3 (the article's servers'), nginx.
	Versions map[string]string `json:"versions,omitempty"`
	// Sysctls holds the kernel settings that shape a loopback benchmark:
	// net.core.somaxconn, net.ipv4.tcp_tw_reuse, net.ipv4.ip_local_port_range.
	Sysctls map[string]string `json:"sysctls,omitempty"`
	// CPUs says which CPUs wrk and the servers ran on.
	CPUs string `json:"cpus,omitempty"`
}

// Row is one target under one workload: the median of its repetitions,
// with every repetition in Runs.
type Row struct {
	// Target is the target's name.
	Target string `json:"target"`
	// Label is the name readers know ("net/http"); empty means Target.
	Label string `json:"label,omitempty"`
	// Kind is "stage" or "peer".
	Kind string `json:"kind"`
	// Workload is the workload's name.
	Workload string `json:"workload"`
	// Note is the target's note.
	Note string `json:"note,omitempty"`
	// Mark is added to the target's name in the tables.
	Mark string `json:"mark,omitempty"`
	// Skipped says why the target did not run (not built yet, not
	// installed).
	Skipped string `json:"skipped,omitempty"`
	// Error says why the run failed: no build, no answer, a check that
	// failed, a server that died, wrong answers under load, wrk's error.
	// A failed row has no figures worth reading.
	Error string `json:"error,omitempty"`
	// Connections is wrk's -c.
	Connections int `json:"connections"`
	// DelayMS is the app's sleep in milliseconds.
	DelayMS float64 `json:"delay_ms"`
	// KeepAlive is false when requests carried Connection: close.
	KeepAlive bool `json:"keep_alive"`
	// ServerCloses is true when the server closed the connection after
	// each response although the workload kept it alive (02, gunicorn's
	// sync workers): its keep-alive row really measures new connections.
	ServerCloses bool `json:"server_closes,omitempty"`
	// FixedBody is true when the target skipped the app (nginx).
	FixedBody bool `json:"fixed_body,omitempty"`
	// Model is the target's concurrency model.
	Model Model `json:"model"`
	// Backlog is the target's listen queue and who sets it.
	Backlog string `json:"backlog,omitempty"`
	// BoundQPS is the model's Little's-law bound; 0 when there is none.
	BoundQPS float64 `json:"bound_qps"`
	// Bound is BoundQPS's arithmetic: "8 / 0.2 s = 40".
	Bound string `json:"bound,omitempty"`
	// BoundShare is QPS / BoundQPS; 0 when there is no bound.
	BoundShare float64 `json:"bound_share"`
	// QPSMin and QPSMax are the range of QPS over the repetitions.
	QPSMin float64 `json:"qps_min,omitempty"`
	QPSMax float64 `json:"qps_max,omitempty"`
	// Measure holds the figures of the repetition with the median QPS.
	Measure
	// Runs holds every repetition when there was more than one.
	Runs []Measure `json:"runs,omitempty"`
	// C10K holds the c10k workload's figures (its Measure stays empty).
	C10K *C10K `json:"c10k,omitempty"`
}

// Measure is one wrk run of a target.
type Measure struct {
	// Wrk is the wrk command line.
	Wrk string `json:"wrk,omitempty"`
	// Raw is the file with wrk's output, relative to the JSON file.
	Raw string `json:"raw,omitempty"`
	// CheckBytes is the size of the response to bench's check request,
	// which every response under load should match.
	CheckBytes int `json:"check_bytes,omitempty"`
	// Requests is the number of complete responses.
	Requests int64 `json:"requests"`
	// Bytes is the number of bytes wrk read.
	Bytes int64 `json:"bytes"`
	// Seconds is the measured duration.
	Seconds float64 `json:"seconds"`
	// QPS is Requests per second.
	QPS float64 `json:"qps"`
	// LatencyMS is wrk's latency distribution in milliseconds.
	LatencyMS Latency `json:"latency_ms"`
	// Samples is the number of responses in wrk's latency histogram: those
	// faster than its timeout (-T), which bench sets beyond the run, so
	// every response that arrived.
	Samples int64 `json:"latency_samples"`
	// Errors counts wrk's socket errors by kind, and its timeouts.
	Errors SocketErrors `json:"socket_errors"`
	// Status4xx5xx counts responses with status >= 400 (wrk's errors.status).
	Status4xx5xx int64 `json:"status_4xx_5xx"`
	// Little is the Little's-law check of the run.
	Little Little `json:"little"`
	// CPUSeconds is the server tree's user+system CPU time during wrk.
	CPUSeconds float64 `json:"cpu_seconds"`
	// CPUTicks is CPUSeconds in the kernel's 10 ms ticks: its resolution.
	CPUTicks int64 `json:"cpu_ticks"`
	// Cores is CPUSeconds / Seconds: how many CPUs the server kept busy.
	Cores float64 `json:"cores"`
	// CPUPer1000 is CPUSeconds per 1000 requests; 0 when the run had too
	// few ticks (minCPUTicks) for the division to mean something.
	CPUPer1000 float64 `json:"cpu_seconds_per_1000"`
	// PeakRSSKiB is the largest RSS summed over the server's processes,
	// sampled every 200 ms.
	PeakRSSKiB int64 `json:"peak_rss_kib"`
	// PeakPSSKiB is the proportional set size (smaps_rollup) summed over
	// the processes at the RSS peak, when there was more than one: shared
	// pages count once, split between the processes that share them.
	PeakPSSKiB int64 `json:"peak_pss_kib,omitempty"`
	// Procs is the number of processes in the server's tree at the peak.
	Procs int `json:"procs"`
	// Stop says how the server stopped.
	Stop string `json:"stop,omitempty"`
	// Error is why this run failed; the row's Error repeats it.
	Error string `json:"error,omitempty"`
}

// Latency is a latency distribution in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`  // median
	P90  float64 `json:"p90"`  // 90th percentile
	P99  float64 `json:"p99"`  // 99th percentile
	Max  float64 `json:"max"`  // slowest response
	Mean float64 `json:"mean"` // average
}

// SocketErrors are wrk's error counts.
type SocketErrors struct {
	Connect int64 `json:"connect"` // failed connects
	Read    int64 `json:"read"`    // read errors and unexpected closes
	Write   int64 `json:"write"`   // write errors
	// Timeout counts wrk's timeouts: responses slower than -T (which
	// succeed but leave the latency histogram) and, every 2 s, each
	// connection waiting longer than -T. They are not socket errors.
	Timeout int64 `json:"timeout"`
}

// Total returns the sum of the socket errors, timeouts excluded.
func (e SocketErrors) Total() int64 { return e.Connect + e.Read + e.Write }

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
