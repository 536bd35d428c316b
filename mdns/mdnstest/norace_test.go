//go:build !race

package mdnstest_test

const raceEnabled = false
