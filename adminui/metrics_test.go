package adminui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestMetricsTokenAndListener: with a token, /metrics answers 401 without
// it, with another one or another scheme, and 200 with it; moved
// elsewhere, the portal answers 404 and MetricsHandler serves it (and
// nothing else).
func TestMetricsTokenAndListener(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		const token = "a-metrics-token-0123456789"
		get := func(h http.Handler, path, auth string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec
		}
		for _, elsewhere := range []bool{false, true} {
			h, err := New(Deps{Desk: f.desk, Registry: prometheus.NewRegistry(), MetricsToken: token, MetricsElsewhere: elsewhere})
			if err != nil {
				t.Fatal(err)
			}
			serving := http.Handler(h)
			if elsewhere {
				if rec := get(h, "/metrics", "Bearer "+token); rec.Code != http.StatusNotFound {
					t.Errorf("portal /metrics when moved = %d, want 404", rec.Code)
				}
				serving = h.MetricsHandler()
				if rec := get(serving, "/healthz", "Bearer "+token); rec.Code != http.StatusNotFound {
					t.Errorf("metrics listener /healthz = %d, want 404", rec.Code)
				}
			}
			for _, auth := range []string{"", "Bearer", "Bearer wrong", "Bearer " + token + "x", "Basic " + token, token} {
				rec := get(serving, "/metrics", auth)
				if rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") ||
					strings.Contains(rec.Body.String(), "go_goroutines") {
					t.Errorf("elsewhere=%v: /metrics with Authorization %q = %d, want 401", elsewhere, auth, rec.Code)
				}
			}
			for _, auth := range []string{"Bearer " + token, "bearer " + token} {
				if rec := get(serving, "/metrics", auth); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "ticketgate_http_requests_total") {
					t.Errorf("elsewhere=%v: /metrics with the token (%q) = %d", elsewhere, auth, rec.Code)
				}
			}
		}
		// Without a token /metrics stays open, on the portal by default.
		h, err := New(Deps{Desk: f.desk, Registry: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		if rec := get(h, "/metrics", ""); rec.Code != http.StatusOK {
			t.Errorf("/metrics without METRICS_TOKEN = %d, want 200", rec.Code)
		}
	})
}
