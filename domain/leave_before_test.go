package domain_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// lockProbe is a leave reader that, while it reads, takes the assignment
// lock in a transaction of its own, as another instance's assignment
// would: a read made inside the assigning transaction would wait for
// itself until the probe gives up.
type lockProbe struct {
	s     *storage.Store
	team  int64 // a member, for the probe's team event
	mu    sync.Mutex
	reads map[string]int
	errs  []error
}

func (p *lockProbe) ReadLeave(ctx context.Context, _ domain.LeaveSource, email string) (domain.LeaveStatus, error) {
	wctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := p.s.InTx(wctx, func(ctx context.Context, tx domain.Store) error {
		if err := tx.LockAssignment(ctx); err != nil {
			return err
		}
		// A write, so that SQLite takes its writer's lock too.
		return tx.AppendTeamEvent(ctx, &domain.TeamEvent{MemberID: p.team, At: time.Now(), Kind: "probe", Source: "probe", Detail: email})
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reads[email]++
	if err != nil {
		p.errs = append(p.errs, err)
	}
	return domain.LeaveStatus{Detail: "not on leave"}, nil
}

// TestLeaveReadHoldsNoLock: a member's stale leave is read before an
// assignment may go to them, outside the transaction that assigns: the
// provider's answer never holds the assignment lock or SQLite's writer
// (readLeaveBefore). Once per period; for a new ticket of intake (its
// category known from the classifier before its batch's transaction),
// an admin's categorization and an assignment alike.
func TestLeaveReadHoldsNoLock(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		probe := &lockProbe{s: s, reads: map[string]int{}}
		f := newFixture(t, s, domain.WithLeave(probe, leavePeriod), domain.WithClassifier(keywordClassifier{inline: true}, 0.5))
		hw := f.category("Hardware")
		f.category("Storage")
		probe.team = f.member("bob@x.test", microsoft, hw.ID).ID

		// An assignment: bob's leave was never read.
		f.assign(f.ticket(hw.ID, domain.StatusTriage).ID)
		// Intake, once the period has passed: the classifier says
		// Hardware before the batch's transaction.
		f.clock.Advance(leavePeriod + time.Minute)
		outs, err := f.d.Receive(f.ctx, []domain.Received{{Source: domain.Source{Channel: "smtp"}, Raw: []byte("raw laptop"),
			Mail: &domain.Inbound{MessageID: "laptop@x.test", From: "ann@x.test", Subject: "my laptop is broken", Text: "broken", NewText: "broken"}}})
		if err != nil || len(outs) != 1 || outs[0].Kind != domain.OutcomeTicket {
			t.Fatalf("Receive = %+v, %v", outs, err)
		}
		if got := f.get(outs[0].TicketID); got.Assignee != "bob@x.test" {
			t.Fatalf("the laptop ticket went to %q (%s), want bob", got.Assignee, got.Status)
		}
		// Within the period: no read.
		f.clock.Advance(time.Minute)
		f.assign(f.ticket(hw.ID, domain.StatusTriage).ID)
		// An admin's categorization, after the period.
		f.clock.Advance(leavePeriod + time.Minute)
		tk := f.ticket(0, domain.StatusTriage)
		if _, err := f.d.Categorize(f.ctx, tk.ID, "Hardware", admin); err != nil {
			t.Fatal(err)
		}
		if got := f.get(tk.ID); got.Assignee != "bob@x.test" {
			t.Fatalf("the categorized ticket went to %q (%s), want bob", got.Assignee, got.Status)
		}

		probe.mu.Lock()
		defer probe.mu.Unlock()
		if n := probe.reads["bob@x.test"]; n != 3 {
			t.Errorf("bob's leave read %d times, want 3 (assignment, intake, categorization; not within the period)", n)
		}
		for _, err := range probe.errs {
			t.Errorf("a transaction held the assignment lock while the leave was read: %v", err)
		}
	})
}
