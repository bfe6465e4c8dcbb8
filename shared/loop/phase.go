package loop

// !+phase

// Phase is where a connection is in its life, named after what it waits
// for. Each phase has at most one deadline, and when it passes the
// connection leaves the phase (Expire):
//
//	Head       a request head is awaited or arriving    HeaderTimeout: 408, or close if nothing came
//	Body       a request body is arriving               BodyTimeout: 408
//	App        the app is answering; nothing to write   none (the shutdown's)
//	Writing    response bytes wait for the socket       WriteTimeout without progress: close
//	Idle       keep-alive, between requests             IdleTimeout: close
//	Lingering  last response sent, sending side shut    250 ms: close
//	Closing    done: the stage must close it            none
//	Closed     the stage has closed the descriptor      none
//
// With pipelining, several requests are in flight at once; the phase is
// the first that applies, in the order Lingering, Writing, Body, Head,
// App, Idle: a connection writing one response while a later head
// arrives is Writing, and becomes Head once the response is out if the
// head is still incomplete. Transitions lists every move between phases.
type Phase uint8

// The phases, in order of life.
const (
	Head Phase = iota
	Body
	App
	Writing
	Idle
	Lingering
	Closing
	Closed
)

// !-phase

var phaseNames = [...]string{"Head", "Body", "App", "Writing", "Idle", "Lingering", "Closing", "Closed"}

// String returns the phase's name, as in the table above.
func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "Phase(?)"
}

// Transition is one move of a connection between two phases, and what
// causes it.
type Transition struct {
	From, To Phase
	Why      string
}

// !+transitions

// Transitions is every move a connection can make between two phases.
// The loop's tests walk each one, and check that no other happens; the
// state diagram in docs/04-select.md is drawn from this table, and a
// test keeps the two equal.
var Transitions = []Transition{
	{Head, Body, "a head that announces a body is complete"},
	{Head, App, "a head without a body is complete: the app starts"},
	{Head, Writing, "a malformed head, or one too late, is answered; or an inline app answered"},
	{Head, Closing, "end of file or an error before a complete head, or nothing sent in time"},
	{Head, Lingering, "the response before a pipelined head, already out, ends the connection (its app ended late)"},
	{Body, App, "the body is complete, or fills its pipe: the app starts"},
	{Body, Writing, "a broken, too large or too late body is answered"},
	{Body, Closing, "the client left in the middle of its body"},
	{Body, Head, "the body is complete and its app starts; the next head has begun"},
	{Body, Idle, "the rest of a body its app did not read is discarded, after the response went out"},
	{Body, Lingering, "the response before a pipelined body, already out, ends the connection (its app ended late)"},
	{App, Head, "a pipelined request begins while the app runs"},
	{App, Body, "a pipelined request's head and part of its body arrive while the app runs"},
	{App, Writing, "the app's response begins"},
	{App, Closing, "the client reset or hung up while its app ran"},
	{App, Idle, "the worker ends after every byte of its response went out (streamed or pushed through write)"},
	{App, Lingering, "the same, for the last response"},
	{Writing, Head, "the response is out; the next request's head is incomplete"},
	{Writing, Body, "the response is out; the next request's body is arriving"},
	{Writing, App, "the response is out; the next pipelined response is not ready"},
	{Writing, Idle, "the response is out; keep-alive"},
	{Writing, Lingering, "the last response is out: shut down the sending side"},
	{Writing, Closing, "the last response is out and the client has closed its side; or no progress in time; or an error"},
	{Idle, Head, "the next request's first byte"},
	{Idle, Body, "the next request's head arrives whole, with part of its body"},
	{Idle, App, "the next request arrives whole: the app starts"},
	{Idle, Writing, "the next request arrives whole and is answered at once: an inline app, or a malformed head"},
	{Idle, Closing, "idle too long, end of file, or shutdown"},
	{Lingering, Closing, "the client closed, or lingered too long or sent too much"},
	{Closing, Closed, "the stage closed the descriptor"},
}

// !-transitions
