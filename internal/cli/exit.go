package cli

// Exit codes, documented in each command's --help and in README.md.
const (
	ExitOK       = 0 // success, also "nothing found" for a browse
	ExitFailure  = 1 // a runtime failure: no interface, no socket, ...
	ExitUsage    = 2 // bad flags or arguments
	ExitConflict = 3 // mdns-announce: a name could not be established
	ExitNotFound = 4 // mdns-resolve: something was not found in time
	// ExitInterrupted is used when a second SIGINT/SIGTERM arrives while
	// the program is still shutting down (sending goodbyes): it gives up
	// at once, as restic and most shells do (128 + SIGINT).
	ExitInterrupted = 130
)
