package adminui

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// /metrics (Prometheus) tells a lot about the helpdesk: traffic, mail
// volumes, failures. It can leave the portal's listener for one of its own
// (Deps.MetricsElsewhere with MetricsHandler: METRICS_ADDR, typically on
// loopback or an internal network), and it can require a Bearer token
// (Deps.MetricsToken: METRICS_TOKEN). Both can be combined. See
// docs/portal.md.

// MetricsHandler serves GET /metrics alone, with the token check if a
// token is set, for a listener of its own; every other path is 404.
func (h *Handler) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h.metricsEndpoint())
	return h.recoverer(mux)
}

// metricsEndpoint is /metrics: the registry's metrics behind the token
// check, counted like every route.
func (h *Handler) metricsEndpoint() http.Handler {
	return h.instrument("metrics", h.requireMetricsToken(
		promhttp.HandlerFor(h.reg, promhttp.HandlerOpts{ErrorLog: slogErrorLog{h.log}})))
}

// requireMetricsToken answers 401 unless the request carries
// "Authorization: Bearer <MetricsToken>". Both tokens are hashed before
// the constant-time comparison, so neither the content nor the length of
// the token leaks through timing.
func (h *Handler) requireMetricsToken(next http.Handler) http.Handler {
	if h.metricsToken == "" {
		return next
	}
	want := sha256.Sum256([]byte(h.metricsToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		got := sha256.Sum256([]byte(strings.TrimSpace(token)))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			h.log.DebugContext(r.Context(), "metrics: no or wrong token", slog.String("client", clientAddr(r)))
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "401 Unauthorized: /metrics needs its Bearer token (METRICS_TOKEN)", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
