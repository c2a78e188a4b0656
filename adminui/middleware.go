package adminui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"ticketgate/domain"
)

type ctxKey int

const requestIDKey ctxKey = iota

// recoverer turns a panic in a handler into a logged 500, so one bad request
// never takes the process down.
func (h *Handler) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				h.log.ErrorContext(r.Context(), "panic in handler", slog.Any("panic", v),
					slog.String("stack", string(debug.Stack())), slog.String("path", logPath(r)))
				if h.templates == nil {
					http.Error(w, "internal error", http.StatusInternalServerError)
					return
				}
				h.internalError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// logPath is r's path for the log: a password link's token is a secret and
// never written there.
func logPath(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, domain.PasswordLinkPath) {
		return domain.PasswordLinkPath + "(token)"
	}
	return r.URL.Path
}

// requestID returns the id requestLog gave the request, or "".
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// securityHeaders sets the headers every answer carries: a Content
// Security Policy that allows no inline script or style and no framing
// (the manifest and the service worker come from the portal itself),
// no MIME sniffing, and no Referer (password links carry their token in
// the path).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// requestLog gives each request an id (X-Request-Id) and logs it at debug
// level, or at info when it failed.
func (h *Handler) requestLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
		level := slog.LevelDebug
		if sw.status >= 500 {
			level = slog.LevelInfo
		}
		h.log.Log(r.Context(), level, "http request", slog.String("request_id", id), slog.String("method", r.Method),
			slog.String("path", logPath(r)), slog.Int("status", sw.status), slog.Duration("took", time.Since(start)))
	})
}

// httpMetrics are the web side's Prometheus metrics.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) (*httpMetrics, error) {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketgate_http_requests_total", Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ticketgate_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register http metrics: %w", err)
		}
	}
	return m, nil
}

// instrument counts and times one route.
func (h *Handler) instrument(route string, next http.Handler) http.Handler {
	labels := prometheus.Labels{"route": route}
	return promhttp.InstrumentHandlerCounter(h.metrics.requests.MustCurryWith(labels),
		promhttp.InstrumentHandlerDuration(h.metrics.duration.MustCurryWith(labels), next))
}

// slogErrorLog lets promhttp report errors through slog.
type slogErrorLog struct{ log *slog.Logger }

func (l slogErrorLog) Println(v ...any) {
	l.log.Error("metrics", slog.String("error", fmt.Sprint(v...)))
}
