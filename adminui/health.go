package adminui

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// healthz answers while the process serves HTTP at all.
func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz answers 200 while the database answers. Mail outages do not make
// the portal unready: they are reported on /metrics and the admin pages.
func (h *Handler) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := h.desk.Ready(ctx); err != nil {
		h.log.WarnContext(ctx, "not ready", slog.Any("error", err))
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unreachable\n"))
		return
	}
	w.Write([]byte("ok\n"))
}
