// Command mops is the mops binary: the server, the operator commands and
// the analyst's toolkit.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
