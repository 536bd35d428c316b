//go:build race

package mdnstest_test

// raceEnabled shrinks the scale tests: the race detector slows channel
// hand-offs between a thousand goroutines about fivefold.
const raceEnabled = true
