package classify

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header, value string
		want          time.Duration
		ok            bool
	}{
		{"Retry-After", "30", 30 * time.Second, true},
		{"Retry-After", "0", 0, true},
		{"Retry-After", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"Retry-After", now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"Retry-After", "99999999", time.Hour, true},
		{"Retry-After", "-5", 0, false},
		{"Retry-After", "soon", 0, false},
		{"Retry-After-Ms", "250.5", 250500 * time.Microsecond, true},
		{"Retry-After-Ms", "1e300", time.Hour, true},
		{"Retry-After-Ms", "NaN", 0, false},
		{"Retry-After-Ms", "-1", 0, false},
		{"X-Other", "5", 0, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		h.Set(tt.header, tt.value)
		if got, ok := retryAfter(h, now); got != tt.want || ok != tt.ok {
			t.Errorf("%s: %s → %v, %v; want %v, %v", tt.header, tt.value, got, ok, tt.want, tt.ok)
		}
	}
	// retry-after-ms is the more precise of the two.
	h := http.Header{"Retry-After": {"2"}, "Retry-After-Ms": {"1500"}}
	if got, ok := retryAfter(h, now); got != 1500*time.Millisecond || !ok {
		t.Errorf("both headers: %v, %v; want 1.5s from retry-after-ms", got, ok)
	}
}
