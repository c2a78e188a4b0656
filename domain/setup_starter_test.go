package domain_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/domain/classify"
	"ticketgate/domain/classify/starter"
	"ticketgate/inbox"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestApplyStarter: the starter set creates its eight categories with
// their keys and no approval levels; applied again it duplicates nothing;
// a renamed starter category keeps its key (and counts as there), a
// deleted one comes back; next to categories of the helpdesk's own it
// changes nothing and says why; the portal's way is for admins only.
func TestApplyStarter(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		if _, err := d.AdminApplyStarter(ctx, domain.Actor{Email: "bob@company.test"}); !errors.Is(err, domain.ErrForbidden) {
			t.Fatalf("AdminApplyStarter by a non-admin: %v, want ErrForbidden", err)
		}
		rep, err := d.AdminApplyStarter(ctx, admin)
		if err != nil || rep.Created != 8 || rep.Unchanged != 0 {
			t.Fatalf("first apply = %+v, %v", rep, err)
		}
		cats, _ := s.ListCategories(ctx)
		want := domain.StarterCategories()
		if len(cats) != len(want) {
			t.Fatalf("%d categories, want %d", len(cats), len(want))
		}
		for i, c := range cats {
			if c.Name != want[i].Name || c.StarterKey != want[i].StarterKey || len(c.ApprovalLevels) != 0 ||
				c.Description == "" || len(c.Keywords) < 8 {
				t.Errorf("category %d = %+v, want %s (%s) with description and keywords, no levels", i, c, want[i].Name, want[i].StarterKey)
			}
		}
		v1, _ := s.CategoriesVersion(ctx)

		rep, err = d.ApplyStarter(ctx)
		if err != nil || rep.Created != 0 || rep.Unchanged != 8 {
			t.Fatalf("second apply = %+v, %v", rep, err)
		}
		if v2, _ := s.CategoriesVersion(ctx); v2 != v1 {
			t.Errorf("a second apply changed the categories version")
		}

		// Renamed on the portal and edited by setup apply: still the
		// starter's Hardware.
		hw, _ := s.GetCategoryByName(ctx, "Hardware")
		hw.Name = "Devices"
		if _, err := d.SaveCategory(ctx, admin, *hw); err != nil {
			t.Fatal(err)
		}
		applySetup(t, d, `{"categories": [{"name": "Devices", "description": "Anything with a plug", "keywords": ["monitor"]}]}`)
		if got, err := s.GetCategory(ctx, hw.ID); err != nil || got.StarterKey != "hardware" || got.Description != "Anything with a plug" {
			t.Fatalf("renamed Hardware = %+v, %v; want key hardware", got, err)
		}
		// Purchase deleted: the next apply brings it back, and only it.
		pu, _ := s.GetCategoryByName(ctx, "Purchase")
		if err := d.DeleteCategory(ctx, admin, pu.ID); err != nil {
			t.Fatal(err)
		}
		rep, err = d.ApplyStarter(ctx)
		if err != nil || rep.Created != 1 || rep.Unchanged != 7 || !slices.Contains(rep.Lines, `category "Hardware": already there, renamed Devices`) ||
			!slices.Contains(rep.Lines, `category "Purchase": created`) {
			t.Fatalf("apply after a rename and a delete = %+v, %v", rep, err)
		}
		if _, err := s.GetCategoryByName(ctx, "Hardware"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("a second Hardware was created beside the renamed one: %v", err)
		}

		// A category of the helpdesk's own: the starter set changes nothing.
		if _, err := d.SaveCategory(ctx, admin, domain.Category{Name: "Telephony"}); err != nil {
			t.Fatal(err)
		}
		pu, _ = s.GetCategoryByName(ctx, "Purchase")
		if err := d.DeleteCategory(ctx, admin, pu.ID); err != nil {
			t.Fatal(err)
		}
		_, err = d.ApplyStarter(ctx)
		var se *domain.StarterError
		if !errors.As(err, &se) || !errors.Is(err, domain.ErrConflict) || !strings.Contains(err.Error(), "Telephony") ||
			!strings.Contains(err.Error(), "nothing was changed") {
			t.Fatalf("apply beside an own category: %v, want a StarterError naming Telephony", err)
		}
		if _, err := s.GetCategoryByName(ctx, "Purchase"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("the refused apply created Purchase: %v", err)
		}
	})
}

// starterRows is the warm-start history the tests learn from: one row in
// every of each key's rows of the embedded history (1: all of it). Under the
// race detector, where training on 38,285 rows takes minutes, at least
// every twentieth.
func starterRows(t *testing.T, every int) func() ([]starter.Row, error) {
	rows, err := starter.Rows()
	if err != nil {
		t.Fatal(err)
	}
	if raceEnabled {
		every = max(every, 20)
	}
	seen := map[string]int{}
	var some []starter.Row
	for _, r := range rows {
		if seen[r.Key]%every == 0 {
			some = append(some, r)
		}
		seen[r.Key]++
	}
	return func() ([]starter.Row, error) { return some, nil }
}

// monitorMail is a mail about a broken monitor as an employee writes it.
const monitorMail = "From: Anna Berg <anna@company.test>\r\nTo: help@company.test\r\nSubject: second screen dead\r\n" +
	"Message-ID: <%s@mail.company.test>\r\nDate: Mon, 7 Dec 2026 09:12:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
	"Hi team,\r\n\r\nsince this morning my external monitor stays black, the power light blinks but no picture.\r\n" +
	"I tried another cable already. Could someone have a look or bring a replacement?\r\n\r\n" +
	"Thanks a lot!\r\nAnna\r\n\r\n-- \r\nAnna Berg | Finance | +49 30 1234567\r\n"

// TestStarterSetClassifiesRawMail: on a fresh database, the starter set
// and the Learner's warm start put a raw mail about a broken monitor in
// Hardware, by the local model, above the triage threshold, through the
// Desk's intake. Renamed, Hardware keeps its predictions; a deleted
// starter category's history is no longer learnt.
func TestStarterSetClassifiesRawMail(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		const minConf = 0.55 // CLASSIFY_MIN_CONFIDENCE's default
		local := classify.NewLocal(classify.DefaultConfig())
		d := domain.NewDesk(s, fixedClock{}, storagetest.Logger(t),
			domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}),
			domain.WithClassifier(local, minConf))
		if _, err := d.ApplyStarter(ctx); err != nil {
			t.Fatal(err)
		}
		rows := starterRows(t, 1)
		all, _ := rows()
		learner := classify.NewLearner(s, local, classify.LearnerOptions{WarmStart: rows, Log: storagetest.Logger(t)})
		st, err := learner.Retrain(ctx)
		if err != nil || st.Warm != len(all) {
			t.Fatalf("Retrain = %+v, %v; want %d warm rows", st, err, len(all))
		}
		receive := func(id string) *domain.Ticket {
			t.Helper()
			in, err := inbox.Parse([]byte(strings.ReplaceAll(monitorMail, "%s", id)))
			if err != nil {
				t.Fatal(err)
			}
			o := receive1(t, d, domain.Received{Source: domain.Source{Channel: "smtp"}, Raw: []byte(id), Mail: in})
			if o.Kind != domain.OutcomeTicket {
				t.Fatalf("outcome = %+v", o)
			}
			tk, err := s.GetTicket(ctx, o.TicketID)
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		tk := receive("m1")
		if tk.Category != "Hardware" || tk.ClassMethod != domain.MethodLocal || tk.ClassConfidence < minConf || tk.Status == domain.StatusTriage {
			t.Fatalf("monitor mail: %s by %s %.2f, status %s; want Hardware by local above %.2f", tk.Category, tk.ClassMethod, tk.ClassConfidence, tk.Status, minConf)
		}
		t.Logf("monitor mail: %s by %s, confidence %.3f", tk.Category, tk.ClassMethod, tk.ClassConfidence)

		// Renamed: the same mail goes to the category under its new name.
		// (From here on a tenth of the history, for the test's time.)
		rows = starterRows(t, 10)
		all, _ = rows()
		learner = classify.NewLearner(s, local, classify.LearnerOptions{WarmStart: rows, Log: storagetest.Logger(t)})
		hw, _ := s.GetCategoryByName(ctx, "Hardware")
		hw.Name = "Devices & Peripherals"
		if _, err := d.SaveCategory(ctx, admin, *hw); err != nil {
			t.Fatal(err)
		}
		if st, err = learner.Retrain(ctx); err != nil || st.Warm != len(all) {
			t.Fatalf("Retrain after the rename = %+v, %v; want %d warm rows", st, err, len(all))
		}
		if tk := receive("m2"); tk.Category != hw.Name || tk.ClassConfidence < minConf {
			t.Fatalf("after the rename: %s %.2f, want %s above %.2f", tk.Category, tk.ClassConfidence, hw.Name, minConf)
		}

		// Deleted: Purchase's history goes with it.
		purchase := 0
		for _, r := range all {
			if r.Key == "purchase" {
				purchase++
			}
		}
		pu, _ := s.GetCategoryByName(ctx, "Purchase")
		if err := d.DeleteCategory(ctx, admin, pu.ID); err != nil {
			t.Fatal(err)
		}
		if st, err = learner.Retrain(ctx); err != nil || st.Warm != len(all)-purchase || st.Categories != 7 {
			t.Fatalf("Retrain after deleting Purchase = %+v, %v; want %d warm rows", st, err, len(all)-purchase)
		}
		for _, l := range local.Model().Labels() {
			if l == "Purchase" {
				t.Errorf("the model still knows Purchase")
			}
		}
	})
}
