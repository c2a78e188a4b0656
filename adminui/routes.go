package adminui

import (
	"net/http"

	"github.com/julienschmidt/httprouter"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes is every route of the web side.
func (h *Handler) routes() http.Handler {
	r := httprouter.New()
	r.HandleMethodNotAllowed = true
	r.NotFound = http.HandlerFunc(h.notFound)

	r.Handler(http.MethodGet, "/healthz", h.instrument("healthz", http.HandlerFunc(h.healthz)))
	r.Handler(http.MethodGet, "/readyz", h.instrument("readyz", http.HandlerFunc(h.readyz)))
	r.Handler(http.MethodGet, "/metrics", h.instrument("metrics",
		promhttp.HandlerFor(h.reg, promhttp.HandlerOpts{ErrorLog: slogErrorLog{h.log}})))
	return r
}
