package main

import (
	"sync"
	"time"
)

// treeSample is the resource use of a server's process tree at one moment.
type treeSample struct {
	// CPU is user plus system time of every process in the tree, plus the
	// time of children they have already reaped (cutime, cstime), so a
	// process-per-connection server's finished children count too.
	CPU time.Duration
	// RSSKiB is the resident set size summed over the tree (the VmRSS of
	// each process, read from /proc/PID/stat), in KiB.
	RSSKiB int64
	// PSSKiB is the proportional set size summed over the tree
	// (/proc/PID/smaps_rollup), read by the sampler at an RSS peak of a
	// tree of several processes; 0 otherwise.
	PSSKiB int64
	// Procs is the number of processes in the tree.
	Procs int
	// pids are the processes of the tree.
	pids []int
}

// cpuTick is the resolution of the CPU times the kernel reports in
// /proc/PID/stat (USER_HZ = 100).
const cpuTick = 10 * time.Millisecond

// sampleInterval is how often the RSS sampler looks at the tree.
const sampleInterval = 200 * time.Millisecond

// rssSampler samples the tree's RSS every sampleInterval and keeps the
// largest sum, the tree's peak.
type rssSampler struct {
	stopc chan struct{}  // closed by stop
	wg    sync.WaitGroup // the sampling goroutine
	peak  treeSample     // the sample with the largest RSS, valid after stop
}

// startRSSSampler starts sampling the tree rooted at pid.
func startRSSSampler(pid int) *rssSampler {
	s := &rssSampler{stopc: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(sampleInterval)
		defer tick.Stop()
		for {
			if t, err := sampleTree(pid); err == nil && t.RSSKiB > s.peak.RSSKiB {
				if t.Procs > 1 {
					t.PSSKiB = sumPSS(t.pids)
				}
				s.peak = t
			}
			select {
			case <-s.stopc:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the peak.
func (s *rssSampler) stop() treeSample {
	close(s.stopc)
	s.wg.Wait()
	return s.peak
}
