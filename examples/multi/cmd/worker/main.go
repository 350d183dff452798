// Command worker is the batch half of the go-app multi-binary example: it
// does its (tiny) job and exits.
package main

import (
	"fmt"
	"os"
)

func main() {
	if g := os.Getenv("GREETING"); g != "" {
		fmt.Fprintf(os.Stderr, "%s from worker\n", g)
	}
	fmt.Println("worker done")
}
