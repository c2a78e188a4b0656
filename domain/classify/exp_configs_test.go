package classify

// experimentConfigs are the settings TestExperiment and
// TestExperimentRealistic compare; edit them to try others
// (docs/classification.md lists what was tried).
func experimentConfigs() map[string]Config {
	base := DefaultConfig()
	out := map[string]Config{"default": base}
	add := func(name string, f func(c *Config)) {
		c := base
		f(&c)
		out[name] = c
	}
	add("keywords 1.5", func(c *Config) { c.KeywordBoost = 1.5 })
	add("keywords 6", func(c *Config) { c.KeywordBoost = 6 })
	add("keywords 8", func(c *Config) { c.KeywordBoost = 8 })
	add("svm alone", func(c *Config) { c.Dense = 0 })
	add("char 4-grams", func(c *Config) { c.CharGrams = true })
	add("char 4-grams 0.5", func(c *Config) { c.CharGrams, c.CharWeight = true, 0.5 })
	add("seed cost 40", func(c *Config) { c.SeedWeight = 40 })
	add("balance 1", func(c *Config) { c.Balance = 1 })
	return out
}
