package loop

import (
	"sync"
	"time"
)

// Task is work for a Pool: a request whose app a worker runs.
type Task interface {
	Run()
}

// Pool is a bounded pool of worker goroutines for apps that block (the
// article's app sleeps 200 ms). Goroutines start on demand, up to a bound,
// and exit after they have been idle for a while, so an idle server holds
// none. When every worker is busy, up to a bounded number of tasks wait;
// beyond that Submit refuses, and the loop answers 503 instead of letting
// the queue, and the latency, grow without end.
//
// Workers never touch a socket: they hand what they produce to the loop
// (see slot) and wake it.
type Pool struct {
	max   int           // most goroutines
	queue int           // most tasks waiting while all goroutines are busy
	idle  time.Duration // how long a goroutine waits for work before it exits
	tasks chan Task     // handed to idle goroutines, or waiting

	mu      sync.Mutex // guards the fields below, and every send on tasks
	running int        // goroutines alive
	waiting int        // goroutines blocked on tasks
	closed  bool       // Close was called
}

// NewPool returns a pool of at most workers goroutines (at least 1) and a
// queue of at most queue tasks (0: DefaultQueue).
func NewPool(workers, queue int) *Pool {
	workers = max(workers, 1)
	if queue <= 0 {
		queue = DefaultQueue
	}
	return &Pool{
		max:   workers,
		queue: queue,
		idle:  DefaultWorkerIdle,
		// Room for a task per waiting goroutine, plus the queue.
		tasks: make(chan Task, workers+queue),
	}
}

// !+submit

// Submit runs t on a worker: an idle one, a new one, or the first to
// become free. It returns false if all workers are busy and the queue is
// full, or the pool is closed; t then does not run.
func (p *Pool) Submit(t Task) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	queued := len(p.tasks)
	switch {
	case p.waiting > queued:
		// A goroutine is blocked on tasks and will take it at once.
	case p.running < p.max:
		p.running++
		go p.work(t)
		return true
	case queued-p.waiting >= p.queue:
		return false
	}
	p.tasks <- t // never blocks: len(tasks) < waiting + queue <= cap
	return true
}

// !-submit

// work runs t, then further tasks, until it has been idle for p.idle or
// the pool is closed.
func (p *Pool) work(t Task) {
	timer := time.NewTimer(p.idle)
	defer timer.Stop()
	for {
		t.Run()
		var ok bool
		if t, ok = p.next(timer); !ok {
			return
		}
	}
}

// next waits for the next task. It returns false when the goroutine
// should exit: idle too long (and nothing queued) or the pool closed.
func (p *Pool) next(timer *time.Timer) (Task, bool) {
	p.mu.Lock()
	p.waiting++
	p.mu.Unlock()
	timer.Reset(p.idle)
	for {
		select {
		case t, ok := <-p.tasks:
			p.mu.Lock()
			p.waiting--
			if !ok {
				p.running--
			}
			p.mu.Unlock()
			return t, ok
		case <-timer.C:
			p.mu.Lock()
			if len(p.tasks) > 0 {
				// Submit counted on this goroutine; stay for it.
				p.mu.Unlock()
				timer.Reset(p.idle)
				continue
			}
			p.waiting--
			p.running--
			p.mu.Unlock()
			return nil, false
		}
	}
}

// Close stops the pool: tasks already submitted still run, then every
// goroutine exits. Submit refuses from now on.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.tasks)
	}
}

// Running returns the number of worker goroutines alive.
func (p *Pool) Running() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running
}
