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
	waiting int        // goroutines blocked on tasks that no task is promised to yet
	queued  int        // tasks in tasks that no goroutine has claimed yet
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
	switch {
	case p.waiting > 0:
		// A goroutine is blocked on tasks and will take it at once.
		// Count the hand-off now, not when that goroutine runs: until
		// then the next Submit would count it free too, and queue
		// behind a busy worker instead of starting one.
		p.waiting--
	case p.running < p.max:
		p.running++
		go p.work(t)
		return true
	case p.queued >= p.queue:
		return false
	default:
		p.queued++
	}
	p.tasks <- t // never blocks: at most max promised plus queue queued
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
// should exit: idle too long (and no task promised to it) or the pool
// closed.
//
// Goroutines blocked on tasks are alike: whichever receives a task, the
// counts hold, because each task in the channel is promised to one
// blocked goroutine (or counted in queued) and each receive removes one
// of each.
func (p *Pool) next(timer *time.Timer) (Task, bool) {
	p.mu.Lock()
	if p.queued > 0 {
		p.queued-- // claim a queued task: it is in the channel
	} else {
		p.waiting++
	}
	p.mu.Unlock()
	timer.Reset(p.idle)
	for {
		select {
		case t, ok := <-p.tasks:
			if !ok {
				// Closed and empty: no task was promised to anyone.
				p.mu.Lock()
				p.waiting--
				p.running--
				p.mu.Unlock()
			}
			return t, ok
		case <-timer.C:
			p.mu.Lock()
			if p.waiting == 0 {
				// Every blocked goroutine has a task coming, this one
				// too; stay for it.
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
