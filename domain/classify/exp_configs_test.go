package classify

import "fmt"

func experimentConfigs() map[string]Config {
	base := DefaultConfig()
	base.Calibrate = false
	out := map[string]Config{}
	out["default"] = base
	return out
}

var _ = fmt.Sprint
