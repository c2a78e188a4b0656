//go:build race

package classify

// raceEnabled: the race detector makes dataset-sized training take minutes.
const raceEnabled = true
