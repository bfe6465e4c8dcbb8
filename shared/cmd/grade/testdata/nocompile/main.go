// Command nocompile does not compile, on purpose: the grader's golden
// tests check that it shows the compiler's error and exits with status 2.
package main

import "fmt"

func main() {
	var port int = "8888" // a string is not an int
	fmt.Println(port)
}
