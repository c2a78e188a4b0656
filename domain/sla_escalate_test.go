package domain_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// slaMails counts the outbox's SLA mails: "kind to" → how many.
func slaMails(t *testing.T, s *storage.Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range outboxRows(t, s) {
		if m.Kind == string(domain.MailSLAAtRisk) || m.Kind == string(domain.MailSLABreached) {
			out[fmt.Sprintf("%s %s %s", domain.FormatRef(m.TicketID), m.Kind, m.To)]++
		}
	}
	return out
}

func mailList(m map[string]int) string {
	var ks []string
	for k, n := range m {
		ks = append(ks, fmt.Sprintf("%s ×%d", k, n))
	}
	sort.Strings(ks)
	return strings.Join(ks, "\n")
}

// TestSLAEscalationOnce moves a clock by hand over two tickets, with two
// Desks on one database running the jobs at once (two serve instances),
// then a third one (a restart): one at-risk and one breached mail for the
// ticket that was watched all along, and only a breached one, with its
// real due time, for the ticket found past its due time after a
// downtime.
func TestSLAEscalationOnce(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		cat := slaSetup(t, s, true)
		cat.SLA.EscalationContacts = []string{"lead@company.test"}
		if err := s.SetCategorySLA(ctx, cat.ID, nil, cat.SLA); err != nil {
			t.Fatal(err)
		}
		bob := addUser(t, s, "bob@company.test", "Bob", domain.RoleAgent)
		addUser(t, s, "root@company.test", "Root", domain.RoleAdmin)
		root := domain.Actor{Email: "root@company.test", Admin: true}
		clock := storagetest.NewMovingClock(slaStart)
		one, two := mailDesk(t, s, clock, false), mailDesk(t, s, clock, false)
		watched := inCategory(t, s, one, cat, "VPN down")
		if _, err := one.Transition(ctx, watched.ID, domain.Change{To: domain.StatusAssigned, AssigneeID: bob.ID, Actor: root}); err != nil {
			t.Fatal(err)
		}
		late := inCategory(t, s, one, cat, "VPN slow")
		if _, err := one.Transition(ctx, late.ID, domain.Change{To: domain.StatusAssigned, AssigneeID: bob.ID, Actor: root}); err != nil {
			t.Fatal(err)
		}
		both := func(step string) {
			t.Helper()
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, d := range []*domain.Desk{one, two} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = d.RunJobs(ctx)
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatalf("%s: RunJobs: %v", step, err)
				}
			}
		}
		// Only the watched ticket is looked at while the other waits: its
		// clock is moved past its dues in one jump below. Here both are
		// on the same clock, so the late one is parked by pausing it.
		if _, err := one.Transition(ctx, late.ID, domain.Change{To: domain.StatusWaitingOnRequester, Actor: root}); err != nil {
			t.Fatal(err)
		}
		for _, m := range []int{10, 30, 47} { // 80 % of 60 min is +48m
			clock.Add(at(m).Sub(clock.Now()))
			both(fmt.Sprintf("+%dm", m))
		}
		if got := slaMails(t, s); len(got) != 0 {
			t.Fatalf("mails before 80 %%:\n%s", mailList(got))
		}
		for _, m := range []int{48, 50, 55} {
			clock.Add(at(m).Sub(clock.Now()))
			both(fmt.Sprintf("+%dm", m))
		}
		want := map[string]int{watched.Ref() + " sla_at_risk bob@company.test": 1}
		if got := slaMails(t, s); mailList(got) != mailList(want) {
			t.Errorf("at +55m:\n%s\nwant\n%s", mailList(got), mailList(want))
		}
		if tk, _ := s.GetTicket(ctx, watched.ID); tk.SLA.State != domain.SLAAtRisk {
			t.Errorf("state at +55m = %s, want at_risk", tk.SLA.State)
		}
		for _, m := range []int{60, 61, 90, 200, 250} { // first response due +60m, resolution +240m
			clock.Add(at(m).Sub(clock.Now()))
			both(fmt.Sprintf("+%dm", m))
		}
		want[watched.Ref()+" sla_breached bob@company.test"] = 1
		want[watched.Ref()+" sla_breached lead@company.test"] = 1
		if got := slaMails(t, s); mailList(got) != mailList(want) {
			t.Errorf("at +250m:\n%s\nwant\n%s", mailList(got), mailList(want))
		}
		if tk, _ := s.GetTicket(ctx, watched.ID); tk.SLA.State != domain.SLABreached || tk.SLA.NextAt != nil {
			t.Errorf("state at +250m = %s, next %v; want breached and nothing more to do", tk.SLA.State, tk.SLA.NextAt)
		}
		evs, _ := s.ListEvents(ctx, watched.ID)
		var kinds []string
		for _, e := range evs {
			if e.Kind == domain.EventSLAAtRisk || e.Kind == domain.EventSLABreached {
				kinds = append(kinds, string(e.Kind)+": "+e.Detail)
			}
		}
		if len(kinds) != 2 || !strings.HasPrefix(kinds[0], "sla_at_risk: the first response target is at risk: due Mon 30 Nov 2026 10:00 UTC") ||
			!strings.HasPrefix(kinds[1], "sla_breached: the first response target was breached: due Mon 30 Nov 2026 10:00 UTC, found Mon 30 Nov 2026 10:00 UTC") {
			t.Errorf("history:\n%s", strings.Join(kinds, "\n"))
		}

		// The late ticket resumes at +250m (250 - 0 = all but its first
		// minutes paused); then the instances are down for a day.
		if err := one.Comment(ctx, late.ID, domain.Actor{Email: "ann@company.test"}, "still slow", "mail"); err != nil {
			t.Fatal(err)
		}
		lateNow, _ := s.GetTicket(ctx, late.ID)
		due := *lateNow.SLA.FirstResponseDueAt
		clock.Add(24 * time.Hour)
		three := mailDesk(t, s, clock, false) // after a restart
		if _, err := three.RunJobs(ctx); err != nil {
			t.Fatal(err)
		}
		both("after the restart")
		want[late.Ref()+" sla_breached bob@company.test"] = 1
		want[late.Ref()+" sla_breached lead@company.test"] = 1
		if got := slaMails(t, s); mailList(got) != mailList(want) {
			t.Errorf("after the downtime:\n%s\nwant\n%s", mailList(got), mailList(want))
		}
		evs, _ = s.ListEvents(ctx, late.ID)
		last := evs[len(evs)-1]
		if wantDetail := "the first response target was breached: due " + due.Format("Mon 2 Jan 2006 15:04 MST"); last.Kind != domain.EventSLABreached || !strings.HasPrefix(last.Detail, wantDetail) {
			t.Errorf("late ticket's last event = %s %q, want sla_breached %q…", last.Kind, last.Detail, wantDetail)
		}
		for _, m := range outboxRows(t, s) {
			if m.Kind == string(domain.MailSLABreached) && m.TicketID == late.ID && !strings.HasPrefix(m.Subject, "SLA breached: ["+late.Ref()+"]") {
				t.Errorf("breached mail subject = %q", m.Subject)
			}
		}
		if n := historyInEveryLanguage(t, s); n < 6 {
			t.Errorf("%d details checked", n)
		}
	})
}
