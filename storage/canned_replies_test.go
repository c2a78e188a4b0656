package storage_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// titles lists the replies' titles, in order.
func titles(cs []domain.CannedReply) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Title)
	}
	return out
}

func TestCannedReplyCRUD(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		cats := map[string]*domain.Category{}
		for _, name := range []string{"VPN", "Hardware", "Old"} {
			c := &domain.Category{Name: name, CreatedAt: t0, UpdatedAt: t0}
			if err := s.CreateCategory(ctx, c); err != nil {
				t.Fatal(err)
			}
			cats[name] = c
		}
		restart := domain.CannedReply{Title: "Restart the VPN client", Body: "Hello {{requester.name}},\n\nplease restart it.",
			CategoryID: &cats["VPN"].ID, CreatedAt: t0, UpdatedAt: t0}
		thanks := domain.CannedReply{Title: "thanks", Body: "Thank you, {{agent.name}}", CreatedAt: t0, UpdatedAt: t0}
		monitor := domain.CannedReply{Title: "Monitor on its way", Body: "It ships today.", CategoryID: &cats["Hardware"].ID, CreatedAt: t0, UpdatedAt: t0}
		old := domain.CannedReply{Title: "Old answer", Body: "Old.", CategoryID: &cats["Old"].ID, CreatedAt: t0, UpdatedAt: t0}
		for _, c := range []*domain.CannedReply{&restart, &thanks, &monitor, &old} {
			if err := s.CreateCannedReply(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		dup := domain.CannedReply{Title: "THANKS", Body: "x", CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateCannedReply(ctx, &dup); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("CreateCannedReply(same title, other case) = %v, want ErrConflict", err)
		}
		nowhere := int64(999999)
		bad := domain.CannedReply{Title: "Nowhere", Body: "x", CategoryID: &nowhere, CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateCannedReply(ctx, &bad); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("CreateCannedReply(no such category) = %v, want ErrConflict", err)
		}

		got, err := s.GetCannedReply(ctx, restart.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := restart
		want.Category = "VPN"
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("GetCannedReply =\n%+v\nwant\n%+v", *got, want)
		}
		if got, err := s.GetCannedReplyByTitle(ctx, "THANKS"); err != nil || got.ID != thanks.ID || got.Category != "" || got.CategoryID != nil {
			t.Errorf("GetCannedReplyByTitle(THANKS) = %+v, %v", got, err)
		}
		if _, err := s.GetCannedReply(ctx, 424242); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("GetCannedReply(missing) = %v, want ErrNotFound", err)
		}

		all, err := s.ListCannedReplies(ctx, domain.CannedReplyFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := titles(all), []string{"Monitor on its way", "Old answer", "Restart the VPN client", "thanks"}; !reflect.DeepEqual(got, want) {
			t.Errorf("ListCannedReplies(all) = %v, want %v", got, want)
		}
		fit := func(catID int64) []string {
			t.Helper()
			cs, err := s.ListCannedReplies(ctx, domain.CannedReplyFilter{FitFor: true, CategoryID: catID})
			if err != nil {
				t.Fatal(err)
			}
			return titles(cs)
		}
		if got, want := fit(cats["VPN"].ID), []string{"Restart the VPN client", "thanks"}; !reflect.DeepEqual(got, want) {
			t.Errorf("fit for VPN = %v, want %v", got, want)
		}
		if got, want := fit(0), []string{"thanks"}; !reflect.DeepEqual(got, want) {
			t.Errorf("fit for no category = %v, want %v", got, want)
		}

		// Update: another title, body and no category.
		restart.Title, restart.Body, restart.CategoryID, restart.UpdatedAt = "Restart VPN", "Restart it.", nil, t0.Add(time.Hour)
		if err := s.UpdateCannedReply(ctx, &restart); err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetCannedReply(ctx, restart.ID); err != nil || got.Title != "Restart VPN" || got.Body != "Restart it." ||
			got.CategoryID != nil || !got.UpdatedAt.Equal(t0.Add(time.Hour)) || !got.CreatedAt.Equal(t0) {
			t.Errorf("after update: %+v, %v", got, err)
		}
		thanks.Title = "restart vpn"
		if err := s.UpdateCannedReply(ctx, &thanks); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("UpdateCannedReply(taken title) = %v, want ErrConflict", err)
		}
		missing := domain.CannedReply{ID: 424242, Title: "x", Body: "x"}
		if err := s.UpdateCannedReply(ctx, &missing); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("UpdateCannedReply(missing) = %v, want ErrNotFound", err)
		}

		// A merge moves a category's replies; a deleted category leaves
		// its replies for every ticket.
		if err := s.MoveCannedReplies(ctx, cats["Hardware"].ID, cats["VPN"].ID); err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetCannedReply(ctx, monitor.ID); err != nil || got.CategoryID == nil || *got.CategoryID != cats["VPN"].ID || got.Category != "VPN" {
			t.Errorf("after the move: %+v, %v", got, err)
		}
		if err := s.DeleteCategory(ctx, cats["Old"].ID); err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetCannedReply(ctx, old.ID); err != nil || got.CategoryID != nil || got.Category != "" {
			t.Errorf("after its category's delete: %+v, %v", got, err)
		}

		if err := s.DeleteCannedReply(ctx, old.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCannedReply(ctx, old.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("DeleteCannedReply twice = %v, want ErrNotFound", err)
		}
		if got, want := fit(cats["VPN"].ID), []string{"Monitor on its way", "Restart VPN", "thanks"}; !reflect.DeepEqual(got, want) {
			t.Errorf("fit for VPN at the end = %v, want %v", got, want)
		}
	})
}
