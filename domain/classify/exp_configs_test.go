package classify

// experimentConfigs are the settings TestExperiment compares; edit them to
// try others (docs/classification.md lists what was tried).
func experimentConfigs() map[string]Config {
	base := DefaultConfig()
	base.Calibrate = false // learns from all of the four fifths
	calibrated := base
	calibrated.Calibrate = true
	linear := base
	linear.Dense = 0 // the SVM alone
	network := base
	network.DenseWeight = 1e6 // the network alone, in effect
	lr := linear
	lr.Solver, lr.Epochs = "", 5 // the logistic regression used before
	return map[string]Config{"default": base, "calibrated": calibrated, "svm alone": linear,
		"network alone": network, "logistic": lr}
}
