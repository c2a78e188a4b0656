package domain

// Assignment (docs/design.md "Assignment"; decisions in docs/assignment.md).
//
// A ticket ready for work goes to a team member of its category who is
// available at that moment: not marked away, or away with an AwayUntil
// that has passed; a member whose account is disabled is never a
// candidate. Among the candidates the choice is, in order:
//
//  1. the fewest open tickets (status assigned, in any category: an agent's
//     load is all their work);
//  2. then the one assigned least recently, a member never assigned coming
//     before everyone (LastAssignedAt nil first, then oldest);
//  3. then the lowest member id, so the choice is always the same for the
//     same state.
//
// So 10 tickets over 5 members give 2 each, and the 11th goes to the one who
// waited longest. The choice reads the members and their loads and then
// writes the ticket and the member's LastAssignedAt; it holds the
// assignment lock (AssignStore.LockAssignment) from before the read until
// commit, so two instances assigning at once always see each other's
// result. With no candidate the ticket waits as unassigned, with an event
// saying why, until AssignWaiting finds someone.

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// MailAssignedRequester tells the requester who works on their ticket now
// ("approved and assigned to NAME"); MailAssigned goes to the agent.
const MailAssignedRequester MailKind = "assigned_requester"

// pick is the outcome of choosing an assignee.
type pick struct {
	best       *MemberLoad // nil: nobody can take it
	candidates int
	// why says, when best is nil, what kept every member out, for people:
	// "2 away, 1 disabled" or "nobody serves it".
	why string
}

// pickAssignee chooses among loads as the package's assignment comment
// says, at now. It is pure: the caller holds the lock and did the reads.
func pickAssignee(loads []MemberLoad, now time.Time) pick {
	var cands []*MemberLoad
	away, disabled := 0, 0
	for i := range loads {
		l := &loads[i]
		switch {
		case l.Disabled:
			disabled++
		case !l.Member.IsAvailable(now):
			away++
		default:
			cands = append(cands, l)
		}
	}
	if len(cands) == 0 {
		var parts []string
		if away > 0 {
			parts = append(parts, fmt.Sprintf("%d away", away))
		}
		if disabled > 0 {
			parts = append(parts, fmt.Sprintf("%d disabled", disabled))
		}
		why := strings.Join(parts, ", ")
		if why == "" {
			why = "nobody serves it"
		}
		return pick{why: why}
	}
	best := slices.MinFunc(cands, func(a, b *MemberLoad) int {
		if c := cmp.Compare(a.Open, b.Open); c != 0 {
			return c
		}
		if c := compareLastAssigned(a.Member.LastAssignedAt, b.Member.LastAssignedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Member.ID, b.Member.ID)
	})
	return pick{best: best, candidates: len(cands)}
}

// compareLastAssigned orders never-assigned (nil) first, then oldest first.
func compareLastAssigned(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Compare(*b)
}

// assignOrWait is the entry point of routing (classification when no
// approval is needed, the last approval otherwise): t, in triage or
// awaiting_approval, goes to the best available member of its category, or
// waits as unassigned with an event saying why. It runs in the caller's
// transaction, and mails the agent and the requester when the Desk mails.
// A ticket without a category cannot be assigned (ErrInvalid): the router
// sends it to triage instead.
func (d *Desk) assignOrWait(ctx context.Context, tx Store, t *Ticket, actor Actor) error {
	if t.CategoryID == 0 {
		return fmt.Errorf("assign %s: %w: it has no category", t.Ref(), ErrInvalid)
	}
	return d.assign(ctx, tx, t, actor)
}

// assign moves t to assigned, to the member pickAssignee chooses, or to
// unassigned when there is none, writing the event and the mails in tx. A
// ticket already unassigned that still finds nobody is left as it is, with
// no new event: AssignWaiting retries it every period.
func (d *Desk) assign(ctx context.Context, tx Store, t *Ticket, actor Actor) error {
	_, err := d.assignBecause(ctx, tx, t, actor, "")
	return err
}

// assignBecause is assign with a reason written before the event's detail
// ("bob@company is away …: assigned to …"). It reports whether t was
// assigned.
func (d *Desk) assignBecause(ctx context.Context, tx Store, t *Ticket, actor Actor, because string) (bool, error) {
	if err := tx.LockAssignment(ctx); err != nil {
		return false, fmt.Errorf("assign %s: %w", t.Ref(), err)
	}
	p, now, err := d.pickFor(ctx, tx, t)
	if err != nil {
		return false, fmt.Errorf("assign %s: %w", t.Ref(), err)
	}
	prefix := ""
	if because != "" {
		prefix = because + ": "
	}
	if p.best == nil {
		if t.Status == StatusUnassigned {
			return false, nil
		}
		category := t.Category
		if category == "" {
			category = fmt.Sprintf("category %d", t.CategoryID)
			if c, err := tx.GetCategory(ctx, t.CategoryID); err == nil {
				category = c.Name
			}
		}
		detail := fmt.Sprintf("%sno available team member for %s: %s", prefix, category, p.why)
		if err := d.move(ctx, tx, t, Change{To: StatusUnassigned, Actor: actor, Detail: detail}); err != nil {
			return false, fmt.Errorf("assign %s: %w", t.Ref(), err)
		}
		return false, nil
	}
	m := p.best
	reassigned := t.Status == StatusAssigned
	detail := fmt.Sprintf("%sassigned to %s (%s, %s)", prefix, m.Member.Email,
		plural(m.Open, "open ticket"), plural(p.candidates, "candidate"))
	if err := d.move(ctx, tx, t, Change{To: StatusAssigned, AssigneeID: m.Member.UserID, Actor: actor, Detail: detail}); err != nil {
		return false, fmt.Errorf("assign %s: %w", t.Ref(), err)
	}
	if err := tx.MarkAssigned(ctx, m.Member.ID, now); err != nil {
		return false, fmt.Errorf("assign %s: %w", t.Ref(), err)
	}
	d.log.InfoContext(ctx, "ticket assigned", slog.String("ticket", t.Ref()), slog.String("assignee", m.Member.Email),
		slog.Int("open", m.Open), slog.Int("candidates", p.candidates))
	if err := d.mailAssigned(ctx, tx, t, m.Member, reassigned); err != nil {
		return false, err
	}
	return true, nil
}

// pickFor chooses t's assignee in tx, on the members' leave as last read
// (readLeaveBefore reads it before the transaction where it can).
func (d *Desk) pickFor(ctx context.Context, tx Store, t *Ticket) (pick, time.Time, error) {
	loads, err := tx.TeamLoad(ctx, t.CategoryID)
	if err != nil {
		return pick{}, time.Time{}, err
	}
	// A member being reassigned away from is not a candidate even if they
	// are still marked available (the caller decided they cannot keep
	// it): they count as away.
	if t.Status == StatusAssigned {
		for i := range loads {
			if loads[i].Member.UserID == t.AssigneeID {
				loads[i].Member.Available, loads[i].Member.AwayUntil = false, nil
			}
		}
	}
	now := d.clock.Now()
	return pickAssignee(loads, now), now, nil
}

// plural writes "1 open ticket", "2 open tickets".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// mailAssigned tells the agent the ticket is theirs (MailAssigned: the
// requester, category, approvals and text) and the requester who works on
// it (MailAssignedRequester), both in the ticket's thread. A Desk without a
// Composer sends nothing (see mailing).
//
// MailAssigned reads Vars Requester ("Name <address>"), Text (the ticket's
// body), Approvals (one line per decision; "" when none) and Reassigned
// ("yes" when it was someone else's). MailAssignedRequester reads
// AssigneeName, Approved ("yes" when approvers approved it) and Reassigned.
func (d *Desk) mailAssigned(ctx context.Context, tx Store, t *Ticket, m TeamMember, reassigned bool) error {
	if !d.mailing() {
		return nil
	}
	// Read back: the category's, requester's and assignee's names are
	// filled on read.
	full, err := tx.GetTicket(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("assigned mail: %w", err)
	}
	approvals, err := tx.ListApprovals(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("assigned mail: %w", err)
	}
	requester, requesterName := full.Requester, ""
	if u, err := tx.GetUser(ctx, full.RequesterID); err == nil && u.Name != "" {
		requesterName = u.Name
		requester = u.Name + " <" + u.Email + ">"
	}
	flag := func(b bool) string {
		if b {
			return "yes"
		}
		return ""
	}
	approved := false
	lines := make([]string, 0, len(approvals))
	for _, a := range approvals {
		approved = approved || a.Decision == DecisionApproved
		lines = append(lines, approvalLine(a))
	}
	agentName := m.Name
	if agentName == "" {
		agentName = m.Email
	}
	if err := d.sendTicketMail(ctx, tx, full, Mail{Kind: MailAssigned, To: m.Email, ToName: m.Name, Vars: map[string]string{
		"Requester": requester, "Text": full.Body, "Approvals": strings.Join(lines, "\n"), "Reassigned": flag(reassigned),
	}}); err != nil {
		return err
	}
	return d.sendTicketMail(ctx, tx, full, Mail{Kind: MailAssignedRequester, To: full.Requester, ToName: requesterName,
		Vars: map[string]string{"AssigneeName": agentName, "Approved": flag(approved), "Reassigned": flag(reassigned)}})
}

// approvalLine describes one approval for the agent: "level 1: ann@company
// approved by email on 2026-11-27 — fine".
func approvalLine(a Approval) string {
	s := fmt.Sprintf("level %d: %s %s", a.Level, a.Approver, a.Decision)
	if a.Via != "" {
		s += " by " + string(a.Via)
	}
	if a.DecidedAt != nil {
		s += " on " + a.DecidedAt.UTC().Format("2006-01-02")
	}
	if c := strings.Join(strings.Fields(a.Comment), " "); c != "" {
		s += " — " + c
	}
	return s
}
