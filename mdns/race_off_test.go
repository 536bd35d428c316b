//go:build !race

package mdns_test

const raceOn = false
