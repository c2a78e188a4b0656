//go:build race

package inbox

// raceEnabled: the race detector slows code unevenly, so CPU time ratios
// are not checked under it.
const raceEnabled = true
