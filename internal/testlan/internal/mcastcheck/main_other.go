//go:build !linux

// Command mcastcheck is Linux only (it runs inside testlan namespaces).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "mcastcheck: Linux only")
	os.Exit(2)
}
