package adminui

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
)

// TestQueueByDueTime: the agent's queue lists the open tickets by their
// resolution due time by default, those without one after them; its
// "Oldest first" link (?sort=queue) keeps the queue's own order, also in
// its page links; an unknown order is a message (422), never a 500, and
// is not echoed.
func TestQueueByDueTime(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		// Three more tickets of bob's: a, due later; b, due sooner; c
		// without a due time (t1 has none either, and is older).
		now := time.Now().UTC().Truncate(time.Second)
		mk := func(subject string, due *time.Time) *domain.Ticket {
			tk, err := f.desk.OpenTicket(ctx, domain.NewTicket{Subject: subject, Body: "b", From: "ann@company.test", Channel: "test"})
			if err != nil {
				t.Fatal(err)
			}
			tk, err = f.desk.Transition(ctx, tk.ID, domain.Change{To: domain.StatusAssigned, Actor: domain.SystemActor, AssigneeID: f.users["bob"].ID})
			if err != nil {
				t.Fatal(err)
			}
			if due != nil {
				tk.SLA.State, tk.SLA.ResolutionDueAt = domain.SLAOK, due
				if err := f.st.UpdateTicket(ctx, tk, tk.Status); err != nil {
					t.Fatal(err)
				}
			}
			return tk
		}
		later, sooner := now.Add(5*time.Hour), now.Add(time.Hour)
		a, b, c := mk("QUEUEA later", &later), mk("QUEUEB sooner", &sooner), mk("QUEUEC none", nil)

		bob := f.signedIn("bob")
		order := func(body string, tks ...*domain.Ticket) bool {
			last := -1
			for _, tk := range tks {
				i := strings.Index(body, ">"+tk.Ref()+"<")
				if i < 0 || i < last {
					return false
				}
				last = i
			}
			return true
		}
		resp, body := bob.get("/queue")
		if resp.StatusCode != http.StatusOK || !order(body, b, a, f.t1, c) || !strings.Contains(body, `id="queue-sort"`) {
			t.Errorf("the queue by due time = %d, want %s %s %s %s:\n%s", resp.StatusCode, b.Ref(), a.Ref(), f.t1.Ref(), c.Ref(), body)
		}
		resp, body = bob.get("/queue?sort=queue")
		if resp.StatusCode != http.StatusOK || !order(body, f.t1, a, b, c) {
			t.Errorf("the queue's own order = %d, want %s %s %s %s:\n%s", resp.StatusCode, f.t1.Ref(), a.Ref(), b.Ref(), c.Ref(), body)
		}
		if resp, body := bob.get("/queue?sort=%3Cscript%3Ealert(1)%3C/script%3E"); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "no such order") || strings.Contains(body, "<script>alert") || !order(body, b, a, f.t1, c) {
			t.Errorf("a hostile order = %d:\n%s", resp.StatusCode, body)
		}

		// Enough tickets for a second page: its link keeps the order.
		for i := 0; i < domain.TicketPageSize; i++ {
			mk("QUEUEMORE", nil)
		}
		_, body = bob.get("/queue?sort=queue")
		if !regexp.MustCompile(`href="/queue\?[^"]*after=[^"]*sort=queue|href="/queue\?sort=queue[^"]*after=`).MatchString(body) {
			t.Errorf("the next page of the queue's own order loses it:\n%s", body)
		}
		_, body = bob.get("/queue")
		if !strings.Contains(body, `href="/queue?after=`) || strings.Contains(body, "after=") && strings.Contains(body, "&amp;sort=queue") {
			t.Errorf("the next page by due time:\n%s", body)
		}
	})
}
