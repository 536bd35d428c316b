package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// RunFunc is the shape of a command: it reads args, writes data to stdout
// and diagnostics to stderr, stops when ctx is done and returns an exit
// code.
type RunFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) int

// Main runs run with the process's arguments and standard streams and
// exits with its code. The first SIGINT or SIGTERM cancels run's context,
// so the command can shut down cleanly (an announcer sends its goodbyes);
// a second one during that shutdown exits at once with ExitInterrupted.
func Main(name string, run RunFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cancel()
		<-sigs
		fmt.Fprintf(os.Stderr, "%s: interrupted again, exiting without finishing shutdown\n", name)
		os.Exit(ExitInterrupted)
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	signal.Stop(sigs)
	cancel()
	os.Exit(code)
}
