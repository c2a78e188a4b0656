package domain_test

import (
	"context"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/classify"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestCategoryAddedWhileRunning: a category added by setup apply while the
// classifier runs is used for the next ticket, without a restart, because
// the Learner polls the categories version and retrains. It also checks
// that the background classifier picks up tickets opened before it started
// and tickets handed to ClassifyLater.
func TestCategoryAddedWhileRunning(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		local := classify.NewLocal(classify.DefaultConfig())
		d := domain.NewDesk(s, nil, storagetest.Logger(t), domain.WithClassifier(local, 0.5))
		applySetup(t, d, classifySetup)

		// Opened while nothing classified: picked up at start.
		early, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "VPN password expired", Body: "cannot connect to vpn", From: "bob@x.test"})
		if err != nil {
			t.Fatal(err)
		}

		trained := make(chan classify.TrainStats, 10)
		learner := classify.NewLearner(s, local, classify.LearnerOptions{Poll: 10 * time.Millisecond, Log: storagetest.Logger(t),
			OnTrained: func(st classify.TrainStats) { trained <- st }})
		done := make(chan struct{}, 2)
		go func() { learner.Run(ctx); done <- struct{}{} }()
		go func() { d.RunClassifier(ctx, time.Hour); done <- struct{}{} }()
		defer func() { cancel(); <-done; <-done }()

		waitTicket := func(id int64) *domain.Ticket {
			t.Helper()
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				tk, err := s.GetTicket(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if tk.ClassMethod != "" {
					return tk
				}
			}
			t.Fatalf("%s was not classified", domain.FormatRef(id))
			return nil
		}
		if tk := waitTicket(early.ID); tk.Category != "Access" {
			t.Errorf("early ticket classified as %q, want Access", tk.Category)
		}
		var first classify.TrainStats
		select {
		case first = <-trained:
		case <-time.After(10 * time.Second):
			t.Fatal("no training at start")
		}

		// Before the category exists nothing can name it.
		const subject, body = "Voicemail full", "my desk phone says the voicemail box is full, and the headset crackles"
		before, err := d.OpenTicket(ctx, domain.NewTicket{Subject: subject, Body: body, From: "bob@x.test"})
		if err != nil {
			t.Fatal(err)
		}
		d.ClassifyLater(before.ID)
		if tk := waitTicket(before.ID); tk.Category == "Telephony" {
			t.Fatalf("classified as Telephony before the category existed")
		}

		applySetup(t, d, `{"categories": [{"name": "Telephony", "description": "Desk phones, voicemail, headsets",
			"keywords": ["phone", "voicemail", "headset"]}]}`)
		deadline := time.After(10 * time.Second)
		for retrained := false; !retrained; {
			select {
			case st := <-trained:
				retrained = st.Version > first.Version && st.Categories == 3
			case <-deadline:
				t.Fatal("the categories version poll did not retrain")
			}
		}
		after, err := d.OpenTicket(ctx, domain.NewTicket{Subject: subject, Body: body, From: "bob@x.test"})
		if err != nil {
			t.Fatal(err)
		}
		d.ClassifyLater(after.ID)
		if tk := waitTicket(after.ID); tk.Category != "Telephony" || tk.Status != domain.StatusUnassigned {
			t.Errorf("after the category was added: %q in %s, want Telephony, unassigned", tk.Category, tk.Status)
		}
	})
}
