package classify

// experimentConfigs are the settings TestExperiment compares; edit them to
// try others (docs/classification.md lists what was tried).
func experimentConfigs() map[string]Config {
	base := DefaultConfig()
	base.Calibrate = false // the same answers in half the time
	noHead := base
	noHead.HeadWords = 0
	withIDF := base
	withIDF.IDF = true
	unbalanced := base
	unbalanced.Balance = 0
	return map[string]Config{"default": base, "no head words": noHead, "idf": withIDF, "unbalanced": unbalanced}
}
