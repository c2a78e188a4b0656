package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// TestClassifyCommandOpenAI: with OPENAI_API_KEY, `classify` asks the
// OpenAI-compatible server with the categories and the closest confirmed
// ticket as an example, and answers a mail worded like a ticket an admin
// filed with the admin's category without asking: the wiring serve uses
// (newClassification).
func TestClassifyCommandOpenAI(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		var systems []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var req struct {
				Messages []struct {
					Content string `json:"content"`
				} `json:"messages"`
				ResponseFormat json.RawMessage `json:"response_format"`
			}
			json.NewDecoder(r.Body).Decode(&req)
			mu.Lock()
			if len(req.Messages) > 0 {
				systems = append(systems, req.Messages[0].Content+"\n"+string(req.ResponseFormat))
			}
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant",`+
				`"content":"{\"category\":\"Access\",\"confidence\":0.9,\"reason\":\"vpn\"}"}}]}`)
		}))
		defer srv.Close()

		st := storagetest.Open(t, db.URL)
		d := domain.NewDesk(st, nil, storagetest.Logger(t))
		storagetest.ApplySetup(t, d, hardwareAccessSetup)
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "Token app on new phone",
			Body: "I got a new phone and need the token app for the VPN moved to it.", From: "ann@company.test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Categorize(ctx, tk.ID, "Hardware", domain.Actor{Email: "boss@company.test", Admin: true}); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"DATABASE_URL": db.URL, "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": srv.URL + "/v1"}

		out, errOut, code := runCLI(t, env, "", "classify", "Subject: VPN token\nMy VPN token app stopped working on my phone.")
		if code != 0 || !strings.Contains(out, "category:    Access\n") || !strings.Contains(out, "method:      openai\n") {
			t.Errorf("classify: code %d, stderr %q\n%s", code, errOut, out)
		}
		mu.Lock()
		if len(systems) != 1 || !strings.Contains(systems[0], "<example category=\"Hardware\">\nToken app on new phone\n") ||
			!strings.Contains(systems[0], `"enum":["Hardware","Access","none"]`) {
			t.Errorf("server saw %d requests: %q, want one with the example and the enum", len(systems), systems)
		}
		mu.Unlock()

		out, errOut, code = runCLI(t, env, "", "classify", "Subject: RE: Token app on new phone\nHi, I got a new phone and need the token app for the VPN moved to it.\n\nThanks,\nAnn")
		if code != 0 || !strings.Contains(out, "category:    Hardware\n") || !strings.Contains(out, "method:      local\n") ||
			!strings.Contains(out, "worded like "+tk.Ref()+", which an admin filed under Hardware") {
			t.Errorf("classify the same wording: code %d, stderr %q\n%s", code, errOut, out)
		}
		mu.Lock()
		if len(systems) != 1 {
			t.Errorf("server saw %d requests, want the same wording not sent", len(systems))
		}
		mu.Unlock()
	})
}
