package domain_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/classify"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestAssistantWordingFromOpenAI: with an OpenAI-compatible model (a fake
// server here), the assistant's questions are worded by the model and the
// agent gets its one-line summary in the history; when the model fails,
// the admins' wording is asked and the ticket opens all the same, with
// its fields. Which questions are asked and which answers are kept never
// depend on the model.
func TestAssistantWordingFromOpenAI(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		var failing atomic.Bool
		var srv *fakeChat
		srv = newFakeChat(t, func(n int, w http.ResponseWriter, r *http.Request) {
			if failing.Load() {
				w.WriteHeader(http.StatusInternalServerError)
				io.WriteString(w, `{"error": {"message": "down"}}`)
				return
			}
			var reqs string
			for _, m := range srv.requests()[n].Messages {
				reqs += m.Content + "\n"
			}
			switch {
			case strings.Contains(reqs, "Reword each numbered question"):
				io.WriteString(w, chatAnswer(`{"questions": ["What is the tag on the sticker under your laptop?", "Which model is it, ThinkPad or MacBook?"]}`))
			case strings.Contains(reqs, "Summarize this IT helpdesk ticket"):
				io.WriteString(w, chatAnswer(`{"summary": "Flickering screen on ThinkPad LT-0042 after the update: check the display driver."}`))
			default:
				w.WriteHeader(http.StatusBadRequest)
			}
		})
		local := classify.NewLocal(classify.DefaultConfig())
		oa := classify.NewOpenAI(classify.OpenAIConfig{APIKey: testAPIKey, BaseURL: srv.URL + "/v1", Model: "gpt-test", Timeout: 5 * time.Second})
		log := slog.New(slog.NewTextHandler(testLogWriter{t}, nil))
		d := domain.NewDesk(s, nil, log, domain.WithClassifier(local, 0.3), domain.WithSimilarity(local), domain.WithAssistWriter(oa))
		admin := domain.Actor{Email: "root@x.test", Admin: true}
		hw, err := d.SaveCategory(ctx, admin, domain.Category{Name: "Hardware", Description: "Laptops and screens",
			Keywords: []string{"laptop", "screen"}, Questions: []domain.Question{{Text: "Asset tag", Required: true, Kind: domain.QuestionAssetTag},
				{Text: "Which laptop model", Kind: domain.QuestionChoice, Choices: []string{"ThinkPad", "MacBook"}}}})
		if err != nil {
			t.Fatal(err)
		}
		ann := mustUser(t, s, "ann@x.test", domain.RoleEmployee)

		a, err := d.Assist(ctx, ann, "Laptop screen flickers", "My laptop screen flickers.", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Questions) != 2 || a.Questions[0].Prompt != "What is the tag on the sticker under your laptop?" ||
			a.Questions[0].Text != "Asset tag" || !a.Questions[0].Required {
			t.Fatalf("questions = %+v, want the model's wording of Hardware's questions", a.Questions)
		}
		tk, err := d.OpenAssisted(ctx, ann, domain.AssistedTicket{PortalTicket: domain.PortalTicket{Subject: "Laptop screen flickers",
			Body: "My laptop screen flickers."}, CategoryID: hw.ID, Answers: []string{"lt-0042", "thinkpad"}})
		if err != nil {
			t.Fatal(err)
		}
		if !hasEvent(t, s, tk.ID, "summary for the agent: Flickering screen on ThinkPad LT-0042") {
			t.Error("no summary for the agent in the history")
		}

		// The model fails: the admins' words, no summary, the same fields.
		failing.Store(true)
		a, err = d.Assist(ctx, ann, "Laptop screen flickers", "My laptop screen flickers.", hw.ID)
		if err != nil || len(a.Questions) != 2 || a.Questions[0].Prompt != "Asset tag" {
			t.Fatalf("questions without the model = %+v, %v", a.Questions, err)
		}
		tk, err = d.OpenAssisted(ctx, ann, domain.AssistedTicket{PortalTicket: domain.PortalTicket{Subject: "Laptop screen flickers",
			Body: "My laptop screen flickers."}, CategoryID: hw.ID, Answers: []string{"lt-0043", ""}})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetTicket(ctx, tk.ID)
		if len(got.Fields) != 1 || got.Fields[0] != (domain.TicketField{Question: "Asset tag", Answer: "LT-0043"}) {
			t.Errorf("fields = %+v", got.Fields)
		}
		if hasEvent(t, s, tk.ID, "summary for the agent") {
			t.Error("a summary without the model")
		}
		if n := historyInEveryLanguage(t, s); n < 5 {
			t.Errorf("%d details checked", n)
		}
	})
}

// hasEvent says whether ticket id's history has an event whose detail
// holds s.
func hasEvent(t *testing.T, s *storage.Store, id int64, text string) bool {
	t.Helper()
	es, err := s.ListEvents(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if strings.Contains(e.Detail, text) {
			return true
		}
	}
	return false
}
