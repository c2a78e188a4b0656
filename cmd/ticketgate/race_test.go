//go:build race

package main

// raceEnabled: the race detector makes dataset-sized training take minutes.
const raceEnabled = true
