//go:build race

package mdns_test

// raceOn: the race detector is on; the largest scenarios are skipped.
const raceOn = true
