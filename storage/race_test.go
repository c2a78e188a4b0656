//go:build race

package storage_test

// raceEnabled: the race detector slows the pure-Go SQLite driver tenfold
// and more, so timings mean nothing under it.
const raceEnabled = true
