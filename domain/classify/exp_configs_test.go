package classify

import "fmt"

func experimentConfigs() map[string]Config {
	base := DefaultConfig()
	out := map[string]Config{}
	out["default"] = base
	for _, e := range []int{4, 6, 12} {
		c := base
		c.Epochs = e
		c.Calibrate = false
		out[fmt.Sprint("ep", e)] = c
	}
	return out
}
