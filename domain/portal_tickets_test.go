package domain_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestTicketPagesAndQueueOrder(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, _ := portalDesk(t, s)
		agent := userWithPassword(t, s, "gus@x.test", domain.RoleAgent, "agent password 1")
		var ids []int64
		for i := 0; i < 5; i++ {
			tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "q", From: "req@x.test"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Transition(ctx, tk.ID, domain.Change{To: domain.StatusAssigned, AssigneeID: agent.ID, Actor: domain.SystemActor}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tk.ID)
		}
		// The second and the fourth are done.
		for _, id := range []int64{ids[1], ids[3]} {
			if _, err := d.ResolveAs(ctx, agent, id, "done"); err != nil {
				t.Fatal(err)
			}
		}
		p, err := d.MyQueue(ctx, agent, domain.SortQueue, domain.PageAt{})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, tk := range p.Tickets {
			got = append(got, tk.ID)
		}
		want := []int64{ids[0], ids[2], ids[4], ids[3], ids[1]} // open oldest first, then done newest first
		if fmt.Sprint(got) != fmt.Sprint(want) || p.Total != 5 || p.Pages != 1 {
			t.Errorf("queue = %v (total %d, pages %d), want %v", got, p.Total, p.Pages, want)
		}
		req, _ := s.GetUserByEmail(ctx, "req@x.test")
		after := &domain.TicketCursor{Sort: domain.SortCreated, ID: ids[4]}
		ts, err := s.ListTickets(ctx, domain.TicketQuery{RequesterID: req.ID, After: after, Limit: 2})
		if err != nil || len(ts) != 2 || ts[0].ID != ids[3] || ts[1].ID != ids[2] {
			t.Errorf("page of 2 after the newest = %v, %v", ts, err)
		}
		ts, _ = s.ListTickets(ctx, domain.TicketQuery{RequesterID: req.ID, Status: domain.StatusResolved, Limit: 10})
		if total, _ := s.CountTickets(ctx, domain.TicketQuery{RequesterID: req.ID, Status: domain.StatusResolved}, 10); total != 2 || len(ts) != 2 {
			t.Errorf("resolved = %d of %d", len(ts), total)
		}

		a := &domain.Attachment{TicketID: ids[0], Name: "x.bin", ContentType: "application/octet-stream", Size: 3, Content: []byte{1, 2, 3}, CreatedAt: time.Now()}
		if err := s.AddAttachment(ctx, a); err != nil {
			t.Fatal(err)
		}
		got2, err := readAttachment(t, s, a.ID)
		if err != nil || string(got2.Content) != "\x01\x02\x03" || got2.TicketID != ids[0] {
			t.Errorf("GetAttachment = %+v, %v", got2, err)
		}
		if _, err := readAttachment(t, s, a.ID+100); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("GetAttachment of nothing = %v", err)
		}
	})
}
