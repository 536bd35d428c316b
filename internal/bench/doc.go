// Package bench measures mdnskit as a whole and against its peers. It holds
// no code outside its tests: `go test -bench . ./internal/bench/` runs the
// Go benchmarks, `go test -v -run Chatter ./internal/bench/` the exact
// packet counts on the virtual clock of mdnstest, and
// `MDNS_BENCH=1 go test -v -run 'LANBench|LoopbackBench' ./internal/bench/`
// (as root) the real-socket harness on internal/testlan, which times our
// browser and publisher against Avahi, python-zeroconf and hashicorp/mdns
// and compares the CPU cost of answering a query with hashicorp/mdns's.
// BENCH.md at the repository root holds the results and how to reproduce
// them.
//
// Numbers are measured here, never asserted by timed unit tests: the
// machines this project runs on are small and shared. What the tests of
// this package check is that each measurement does what it claims (every
// query was answered, every registration established, the protocol
// stayed within its RFC 6762 bounds).
package bench
