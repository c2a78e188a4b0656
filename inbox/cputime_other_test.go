//go:build !unix

package inbox

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
