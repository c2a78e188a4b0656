// Package adminui is ticketgate's web side: the portal's pages (later
// issues) and the operational endpoints /healthz, /readyz and /metrics.
// All routes are in routes.go; handlers are methods of Handler.
//
// Middleware order, outermost first: recover → request id and access log →
// metrics → the route. Session, CSRF and auth come in between as the portal
// grows.
package adminui

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"ticketgate/domain"
)

// Deps is what the web side needs.
type Deps struct {
	Desk *domain.Desk
	Log  *slog.Logger
	// Registry receives the HTTP metrics and serves /metrics with everything
	// registered in it.
	Registry *prometheus.Registry
}

// Handler serves every route.
type Handler struct {
	desk    *domain.Desk
	log     *slog.Logger
	reg     *prometheus.Registry
	metrics *httpMetrics
	router  http.Handler
}

// New returns the web handler with its routes and middleware.
func New(d Deps) (*Handler, error) {
	m, err := newHTTPMetrics(d.Registry)
	if err != nil {
		return nil, err
	}
	h := &Handler{desk: d.Desk, log: d.Log, reg: d.Registry, metrics: m}
	h.router = h.recoverer(h.requestLog(h.routes()))
	return h, nil
}

// ServeHTTP serves a request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.router.ServeHTTP(w, r) }
