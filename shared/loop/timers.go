package loop

import "container/heap"

// timers is the loop's one timer structure: a min-heap of connections by
// their next deadline. There is no timer and no goroutine per connection;
// the earliest deadline becomes the readiness wait's timeout, and after
// the wait the loop handles the connections whose deadline has passed.
// A connection has one deadline at a time, the earliest of those its
// state calls for (see Conn.deadline).
type timers []*Conn

func (t timers) Len() int           { return len(t) }
func (t timers) Less(i, j int) bool { return t[i].due < t[j].due }
func (t timers) Swap(i, j int) {
	t[i], t[j] = t[j], t[i]
	t[i].ti, t[j].ti = i, j
}

// Push and Pop are for container/heap only.
func (t *timers) Push(x any) {
	c := x.(*Conn)
	c.ti = len(*t)
	*t = append(*t, c)
}

func (t *timers) Pop() any {
	old := *t
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*t = old[:len(old)-1]
	c.ti = -1
	return c
}

// set gives c the deadline due (loop time, see Loop.clock); 0 removes it.
func (t *timers) set(c *Conn, due int64) {
	switch {
	case due == c.due && (due == 0) == (c.ti < 0):
	case due == 0:
		heap.Remove(t, c.ti)
		c.due = 0
	case c.ti < 0:
		c.due = due
		heap.Push(t, c)
	default:
		c.due = due
		heap.Fix(t, c.ti)
	}
}

// next returns the earliest deadline, or 0 if there is none.
func (t timers) next() int64 {
	if len(t) == 0 {
		return 0
	}
	return t[0].due
}
