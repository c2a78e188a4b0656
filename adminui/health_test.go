package adminui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

func serve(h http.Handler, method, path string) (*http.Response, string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	resp := rec.Result()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestHealthEndpoints(t *testing.T) {
	st := storagetest.Open(t, t.TempDir()+"/t.db")
	h, err := New(Deps{Desk: domain.NewDesk(st, nil, nil), Log: storagetest.Logger(t), Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, body := serve(h, "GET", path)
		if resp.StatusCode != 200 || body != "ok\n" || resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("GET %s = %d %q (request id %q)", path, resp.StatusCode, body, resp.Header.Get("X-Request-Id"))
		}
	}
	if resp, _ := serve(h, "POST", "/healthz"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz = %d, want 405", resp.StatusCode)
	}
	resp, body := serve(h, "GET", "/metrics")
	if resp.StatusCode != 200 || !strings.Contains(body, `ticketgate_http_requests_total{code="200",method="get",route="readyz"} 1`) {
		t.Errorf("GET /metrics = %d, body lacks the readyz count:\n%s", resp.StatusCode, body)
	}

	// With the database gone, the process is alive but not ready.
	st.Close()
	if resp, _ := serve(h, "GET", "/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz with the database closed = %d, want 200", resp.StatusCode)
	}
	if resp, body := serve(h, "GET", "/readyz"); resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(body, "sql") {
		t.Errorf("readyz with the database closed = %d %q, want 503 without details", resp.StatusCode, body)
	}
}

func TestRecovererTurnsPanicInto500(t *testing.T) {
	h := &Handler{log: storagetest.Logger(t)}
	wrapped := h.recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	resp, body := serve(wrapped, "GET", "/")
	if resp.StatusCode != 500 || strings.Contains(body, "boom") {
		t.Errorf("panic gave %d %q, want a 500 without the panic text", resp.StatusCode, body)
	}
}
