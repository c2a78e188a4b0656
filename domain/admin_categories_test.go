package domain_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestAdminCategoriesSaveDeleteMerge(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		v0, _ := s.CategoriesVersion(ctx)
		hw, err := d.SaveCategory(ctx, admin, domain.Category{Name: " Hardware ", Keywords: []string{"Laptop", "laptop", " "},
			ApprovalLevels: []domain.ApprovalLevel{
				{Rule: "all", Approvers: []string{"Lead@X.test", "", "fin@x.test"}},
				{Rule: "any", Approvers: []string{"cio@x.test"}},
			}})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetCategory(ctx, hw.ID)
		if got.Name != "Hardware" || strings.Join(got.Keywords, ",") != "laptop" || len(got.ApprovalLevels) != 2 ||
			strings.Join(got.ApprovalLevels[0].Approvers, ",") != "lead@x.test,fin@x.test" || got.ApprovalLevels[1].Rule != domain.RuleAny {
			t.Errorf("saved category = %+v", got)
		}
		if v1, _ := s.CategoriesVersion(ctx); v1 == v0 {
			t.Error("saving a category did not bump the categories version")
		}
		// Every kind of bad field at once; nothing is saved.
		_, err = d.SaveCategory(ctx, admin, domain.Category{Name: "hardware", ApprovalLevels: []domain.ApprovalLevel{
			{Rule: "all", Approvers: []string{"not an address"}},
			{Rule: "all", Approvers: []string{" "}},
			{Rule: "most", Approvers: []string{"a@x.test", "A@x.test"}},
		}})
		var fe domain.FieldErrors
		if !errors.As(err, &fe) {
			t.Fatalf("bad category: %v", err)
		}
		for _, k := range []string{"levels.0.approvers", "levels.1.approvers", "levels.2.rule", "levels.2.approvers"} {
			if fe[k] == "" {
				t.Errorf("no message for %s in %v", k, fe)
			}
		}
		_, err = d.SaveCategory(ctx, admin, domain.Category{Name: "HARDWARE"})
		if !errors.As(err, &fe) || fe["name"] != "Another category has this name." {
			t.Errorf("a taken name: %v", err)
		}
		if cs, _ := s.ListCategories(ctx); len(cs) != 1 {
			t.Errorf("categories = %d, want 1", len(cs))
		}
		// Renaming to its own name in another case is fine.
		hw.Name = "HARDWARE"
		if _, err := d.SaveCategory(ctx, admin, *hw); err != nil {
			t.Errorf("rename in place: %v", err)
		}

		sw, err := d.SaveCategory(ctx, admin, domain.Category{Name: "Software"})
		if err != nil {
			t.Fatal(err)
		}
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "s", From: "ann@x.test"})
		if err != nil {
			t.Fatal(err)
		}
		tk.CategoryID = sw.ID
		if err := s.UpdateTicket(ctx, tk, tk.Status); err != nil {
			t.Fatal(err)
		}
		var inUse *domain.CategoryInUseError
		if err := d.DeleteCategory(ctx, admin, sw.ID); !errors.As(err, &inUse) || inUse.Tickets != 1 {
			t.Errorf("delete a used category: %v", err)
		}
		if _, err := d.MergeCategory(ctx, admin, sw.ID, sw.ID); !errors.As(err, &fe) || fe["into"] == "" {
			t.Errorf("merge into itself: %v", err)
		}
		n, err := d.MergeCategory(ctx, admin, sw.ID, hw.ID)
		if err != nil || n != 1 {
			t.Fatalf("MergeCategory = %d, %v", n, err)
		}
		detail, _ := d.Ticket(ctx, tk.ID)
		last := detail.Events[len(detail.Events)-1]
		if detail.Ticket.CategoryID != hw.ID || detail.Ticket.ClassMethod != domain.MethodAdmin ||
			last.Kind != domain.EventRecategorized || !strings.Contains(last.Detail, "from Software to HARDWARE") {
			t.Errorf("merged ticket = %+v, last event %+v", detail.Ticket, last)
		}
		if _, err := s.GetCategory(ctx, sw.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("merged category still there: %v", err)
		}
		if ex, _ := s.TrainingExamples(ctx, 10); len(ex) != 1 || ex[0].Category != "HARDWARE" {
			t.Errorf("training examples after the merge = %+v", ex)
		}
		empty, _ := d.SaveCategory(ctx, admin, domain.Category{Name: "Empty"})
		if err := d.DeleteCategory(ctx, admin, empty.ID); err != nil {
			t.Errorf("delete an unused category: %v", err)
		}
		if err := d.DeleteCategory(ctx, domain.Actor{Email: "bob@x.test"}, hw.ID); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("delete as a non-admin: %v", err)
		}
	})
}
