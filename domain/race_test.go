//go:build race

package domain_test

// raceEnabled: the race detector makes dataset-sized training take minutes.
const raceEnabled = true
