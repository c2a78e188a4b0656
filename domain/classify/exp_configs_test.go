package classify

import "strconv"

// experimentConfigs are the settings TestExperiment compares; edit them to
// try others (docs/classification.md lists what was tried).
func experimentConfigs() map[string]Config {
	base := DefaultConfig()
	base.Calibrate = false // the same answers in half the time
	lr := base
	lr.Solver, lr.Epochs = "", 5 // the logistic regression used before
	out := map[string]Config{"default": base, "logistic": lr}
	for _, c := range []float64{0.3, 1} {
		s := base
		s.C = c
		out["svm C="+strconv.FormatFloat(c, 'g', -1, 64)] = s
	}
	return out
}
