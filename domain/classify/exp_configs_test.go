package classify

// experimentConfigs are the settings TestExperiment and
// TestExperimentRealistic compare; edit them to try others
// (docs/classification.md lists what was tried).
func experimentConfigs() map[string]Config {
	base := DefaultConfig()
	out := map[string]Config{"a default": base}
	add := func(name string, f func(c *Config)) {
		c := base
		f(&c)
		out[name] = c
	}
	add("j kw 6", func(c *Config) { c.KeywordBoost = 6 })
	add("l kw 8", func(c *Config) { c.KeywordBoost = 8 })
	add("m kw 6 seed 40", func(c *Config) { c.KeywordBoost, c.SeedWeight = 6, 40 })
	add("n kw 6 head 3", func(c *Config) { c.KeywordBoost, c.HeadWords = 6, 3 })
	return out
}
