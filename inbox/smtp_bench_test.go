package inbox

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkListenerSMTP measures mails/s through the SMTP receiver over one
// client connection, on SQLite: each mail is recorded in flight, parsed, and
// committed before its 250.
//
//	go test -run '^$' -bench ListenerSMTP ./inbox/
func BenchmarkListenerSMTP(b *testing.B) {
	in := newIntake(b, filepath.Join(b.TempDir(), "t.db"))
	l := startListener(b, in.desk, ListenerConfig{})
	c := dialFor(b, l, false)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		raw := rawMail(fmt.Sprintf("bench-%d@x.test", i), "ann@company.test", fmt.Sprintf("Bench %d", i))
		if err := send(c, "ann@company.test", []string{"help@company.test"}, raw); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "mails/s")
}
