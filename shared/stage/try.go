package stage

import (
	"fmt"
	"time"

	"lbws/shared/sock"
)

// PrintTry tells the reader what to run against a stage just started on
// addr: a line naming the stage and its model, a curl for /hello (which
// answers after delay) and for /echo, and the stage's wrk.sh with the
// wrk command it runs.
func PrintTry(name, addr, model string, delay time.Duration) {
	host, port, _ := sock.SplitHostPort(addr)
	url := "http://" + addr
	fmt.Printf("%s: serving apps.Mux on %s, %s (Ctrl-C stops)\n", name, url, model)
	fmt.Printf("try:  curl -i %s/hello        (answers after -delay %v)\n", url, delay)
	fmt.Printf("      curl -i --data-binary 'some bytes' %s/echo\n", url)
	fmt.Printf("load: HOST=%s PORT=%s ./%s/wrk.sh   (wrk -t8 -c1000 -d60s %s/hello)\n", host, port, name, url)
}
