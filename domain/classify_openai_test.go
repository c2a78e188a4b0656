package domain_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/classify"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

const testAPIKey = "sk-test-SECRET-4242"

// lockedBuffer collects log output from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// chatAnswer is a chat completions response whose message says content.
func chatAnswer(content string) string {
	b, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-test",
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content}}},
	})
	return string(b)
}

func TestOpenAIClassifier(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		delay   time.Duration
		down    bool   // the server is gone: a network error
		want    string // final category
		method  string
		event   string // the classified event's detail starts with this
		explain string // and contains this
	}{
		{name: "valid", status: 200, body: chatAnswer(`{"category":"Access","confidence":0.93,"reason":"asks for VPN rights"}`),
			want: "Access", method: "openai", event: "classified as Access by openai, confidence 0.93 — gpt-test: asks for VPN rights"},
		{name: "unknown category", status: 200, body: chatAnswer(`{"category":"Printers","confidence":0.9,"reason":"x"}`),
			want: "Hardware Request", method: "local", event: "classified as Hardware Request by local, confidence ",
			explain: `local decided because openai failed: answered "Printers", which is not a category; local model`},
		{name: "malformed JSON", status: 200, body: chatAnswer(`Sure! It is Access.`),
			want: "Hardware Request", method: "local", event: "classified as Hardware Request by local",
			explain: "local decided because openai failed: malformed JSON answer: Sure! It is Access."},
		{name: "refusal", status: 200, body: `{"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"","refusal":"I cannot help with that."}}]}`,
			want: "Hardware Request", method: "local", event: "classified as Hardware Request by local",
			explain: "local decided because openai failed: the model refused: I cannot help with that."},
		{name: "429", status: 429, body: `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`,
			want: "Hardware Request", method: "local", event: "classified as Hardware Request by local",
			explain: "local decided because openai failed: rate limited (HTTP 429)"},
		{name: "500", status: 500, body: `{"error":{"message":"Incorrect API key provided: ` + testAPIKey + `","type":"server_error"}}`,
			want: "Hardware Request", method: "local", event: "classified as Hardware Request by local",
			explain: "local decided because openai failed: HTTP 500: Incorrect API key provided: [key]"},
		{name: "slower than the timeout", status: 200, delay: 2 * time.Second,
			body: chatAnswer(`{"category":"Access","confidence":0.93,"reason":"late"}`),
			want: "Hardware Request", method: "local", event: "classified as Hardware Request by local",
			explain: "local decided because openai failed: no answer within 100ms"},
		{name: "network error", down: true,
			want: "Hardware Request", method: "local", event: "classified as Hardware Request by local",
			explain: "local decided because openai failed: network error: "},
	}
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		for _, tt := range tests {
			t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
				ctx := context.Background()
				var mu sync.Mutex
				var reqs []map[string]any
				var auth string
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					b, _ := io.ReadAll(r.Body)
					var req map[string]any
					json.Unmarshal(b, &req)
					mu.Lock()
					reqs, auth = append(reqs, req), r.Header.Get("Authorization")
					mu.Unlock()
					if r.URL.Path != "/v1/chat/completions" {
						http.NotFound(w, r)
						return
					}
					select {
					case <-time.After(tt.delay):
					case <-r.Context().Done():
						return
					}
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(tt.status)
					io.WriteString(w, tt.body)
				}))
				defer srv.Close()
				if tt.down {
					srv.Close()
				}
				logs := &lockedBuffer{}
				log := slog.New(slog.NewTextHandler(io.MultiWriter(logs, testLogWriter{t}), nil))
				oa := classify.NewOpenAI(classify.OpenAIConfig{APIKey: testAPIKey, BaseURL: srv.URL + "/v1",
					Model: "gpt-test", Timeout: 100 * time.Millisecond})
				chain := classify.Chain{Primary: oa, Fallback: classify.NewLocal(classify.DefaultConfig()), PrimaryName: "openai",
					OnFallback: func(err error) { log.Warn("openai classifier failed", slog.Any("error", err)) }}
				d := domain.NewDesk(s, fixedClock{}, log, domain.WithClassifier(chain, 0.3))
				applySetup(t, d, classifySetup)
				tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "Laptop broken",
					Body: "Hello,\nmy laptop does not start and the monitor stays black.\n\nBest regards,\nBob", From: "bob@x.test"})
				if err != nil {
					t.Fatal(err)
				}
				if err := d.ClassifyTicket(ctx, tk.ID); err != nil {
					t.Fatal(err)
				}
				detail, err := d.Ticket(ctx, tk.ID)
				if err != nil {
					t.Fatal(err)
				}
				if g := detail.Ticket; g.Category != tt.want || g.ClassMethod != tt.method {
					t.Errorf("ticket is %q by %q, want %q by %q", g.Category, g.ClassMethod, tt.want, tt.method)
				}
				var classified string
				for _, e := range detail.Events {
					if e.Kind == domain.EventClassified {
						classified = e.Detail
					}
					if strings.Contains(e.Detail, testAPIKey) {
						t.Errorf("event %s shows the API key: %s", e.Kind, e.Detail)
					}
				}
				if !strings.HasPrefix(classified, tt.event) || !strings.Contains(classified, tt.explain) {
					t.Errorf("classified event = %q\nwant it to start with %q and contain %q", classified, tt.event, tt.explain)
				}
				if strings.Contains(logs.String(), testAPIKey) {
					t.Errorf("the logs show the API key:\n%s", logs.String())
				}
				mu.Lock()
				defer mu.Unlock()
				if tt.down {
					return
				}
				if len(reqs) != 1 || auth != "Bearer "+testAPIKey {
					t.Fatalf("server saw %d requests, Authorization %q", len(reqs), auth)
				}
				req := reqs[0]
				temp, ok := req["temperature"].(float64)
				if !ok || temp > 1e-30 || req["model"] != "gpt-test" {
					t.Errorf("request model %v temperature %v (sent: %v), want gpt-test at 0", req["model"], req["temperature"], ok)
				}
				rf, _ := json.Marshal(req["response_format"])
				if !strings.Contains(string(rf), `"type":"json_schema"`) || !strings.Contains(string(rf), `"enum":["Hardware Request","Access"]`) {
					t.Errorf("response_format = %s, want a JSON schema with the category names as enum", rf)
				}
			})
		}
	})
}

// TestOpenAIPlainJSONMode: a server that refuses JSON schemas gets plain
// JSON mode, then and afterwards.
func TestOpenAIPlainJSONMode(t *testing.T) {
	var mu sync.Mutex
	var formats []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ResponseFormat struct {
				Type string `json:"type"`
			} `json:"response_format"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		formats = append(formats, req.ResponseFormat.Type)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if req.ResponseFormat.Type == "json_schema" {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":{"message":"response_format json_schema is not supported by this model","type":"invalid_request_error","param":"response_format"}}`)
			return
		}
		io.WriteString(w, chatAnswer(`{"category":"access","confidence":0.7,"reason":"vpn"}`))
	}))
	defer srv.Close()
	oa := classify.NewOpenAI(classify.OpenAIConfig{APIKey: testAPIKey, BaseURL: srv.URL + "/v1", Model: "llama", Timeout: time.Second})
	cats := []domain.Category{{Name: "Hardware Request"}, {Name: "Access"}}
	for i := 0; i < 2; i++ {
		res, err := oa.Classify(context.Background(), "vpn", "need vpn", cats)
		if err != nil || res.Category != "Access" || res.Method != "openai" || res.Confidence != 0.7 {
			t.Fatalf("Classify = %+v, %v; want Access by openai 0.7", res, err)
		}
	}
	if got := strings.Join(formats, ","); got != "json_schema,json_object,json_object" {
		t.Errorf("response formats asked = %s, want json_schema,json_object,json_object", got)
	}
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
