package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress prints one line per run and, on a terminal, a live bar of the
// expected time.
type progress struct {
	mu       sync.Mutex               // serialises lines and bar renders
	w        io.Writer                // where lines go
	bar      *progressbar.ProgressBar // nil when w is not a terminal
	start    time.Time                // when the runs began
	expected time.Duration            // expected time of all runs
	done     time.Duration            // expected time of the finished runs
	stopc    chan struct{}            // closed by finish: stops the ticker
	wg       sync.WaitGroup           // the ticker goroutine
}

// isTerminal reports whether f is a character device (a terminal), without
// a dependency on a terminal package.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// newProgress starts tracking; bar enables the live bar.
func newProgress(w io.Writer, expected time.Duration, bar bool) *progress {
	p := &progress{w: w, start: time.Now(), expected: expected, stopc: make(chan struct{})}
	if !bar {
		return p
	}
	p.bar = progressbar.NewOptions64(int64(expected.Seconds())+1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("bench"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSetItsString("s"),
		progressbar.OptionClearOnFinish(),
	)
	p.wg.Add(1)
	go p.tick()
	return p
}

// tick moves the bar with the clock, since a run is one long wait.
func (p *progress) tick() {
	defer p.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-p.stopc:
			return
		case <-t.C:
			p.mu.Lock()
			secs := int64(time.Since(p.start).Seconds())
			if secs >= p.bar.GetMax64() {
				p.bar.ChangeMax64(secs + 1)
			}
			_ = p.bar.Set64(secs)
			p.mu.Unlock()
		}
	}
}

// begin prints the line for run n of total.
func (p *progress) begin(n, total int, r plannedRun) {
	elapsed := time.Since(p.start)
	p.printf("[%d/%d] %s %s  elapsed %v  left ~%v\n", n, total, r.t.Name, r.w.Name,
		elapsed.Round(time.Second), p.left(elapsed).Round(time.Second))
	if p.bar != nil {
		p.mu.Lock()
		p.bar.Describe(r.t.Name + " " + r.w.Name)
		p.mu.Unlock()
	}
}

// left estimates the time still to go, scaling the expected remainder by
// how the finished runs compared with their estimate.
func (p *progress) left(elapsed time.Duration) time.Duration {
	remaining := p.expected - p.done
	if p.done > 0 && elapsed > 0 {
		remaining = time.Duration(float64(remaining) * float64(elapsed) / float64(p.done))
	}
	return max(remaining, 0)
}

// end prints a run's result and counts its expected time as done.
func (p *progress) end(r plannedRun, row Row, d time.Duration) {
	p.done += r.expected(d)
	switch {
	case row.Skipped != "":
		p.printf("      %s\n", row.Skipped)
	case row.Error != "":
		p.printf("      failed: %s\n", oneLine(row.Error, 200))
	case row.C10K != nil:
		c := row.C10K
		p.printf("      held %s  memory %s -> %s  %s bytes per connection  fresh request p50 %s  held ones answering %d of %d\n",
			thousands(int64(c.Held)), kibCell(c.MemoryBeforeKiB, c.PSS), kibCell(c.MemoryHeldKiB, c.PSS),
			sig3(c.BytesPerConn), fmtMS(c.FreshP50MS), c.Answering, c.Rechecked)
	default:
		p.printf("      %s req/s  p50 %s  p99 %s  samples %s  in flight %s  errors %d  timeouts %d  status>=400 %d  cores %.2f  peak %s\n",
			rowQPS(&row), fmtMS(row.LatencyMS.P50), fmtMS(row.LatencyMS.P99), samplesCell(&row), inFlightCell(&row),
			row.Errors.Total(), row.Errors.Timeout, row.Status4xx5xx, row.Cores, memCell(&row))
	}
}

// printf prints a line above the bar.
func (p *progress) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintf(p.w, format, args...)
	if p.bar != nil {
		_ = p.bar.RenderBlank()
	}
}

// finish stops the bar.
func (p *progress) finish() {
	close(p.stopc)
	p.wg.Wait()
	if p.bar != nil {
		p.mu.Lock()
		_ = p.bar.Finish()
		p.mu.Unlock()
	}
}
