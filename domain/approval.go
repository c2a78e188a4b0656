package domain

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Approvals (docs/design.md "Approvals"): a category's levels are asked in
// order. Level n's approvers get a row each, snapshotted from the category
// when the level is mailed, so a ticket keeps the approvers it was sent to;
// the requester is skipped, and a level left empty goes to the admins (any
// one of them decides). A level is satisfied when all its approvers approved
// (rule all) or one did (rule any); then level n+1 is mailed, and after the
// last level the ticket goes to assignment. Any rejection ends the ticket as
// rejected, and the requester hears why.

// requestLevel sends level n (1-based) of cat's approvals out for t: the
// approval rows, the move to awaiting_approval at level n, and one "approval
// needed" mail per approver, in tx.
func (d *Desk) requestLevel(ctx context.Context, tx Store, t *Ticket, cat *Category, n int) error {
	level := cat.ApprovalLevels[n-1]
	rule := level.Rule
	if rule == "" {
		rule = RuleAll
	}
	// The requester is skipped by SameMailbox, so a ticket from boss+me@
	// is not sent to boss@; one mailbox listed twice is asked once.
	var approvers []string
	for _, a := range level.Approvers {
		if !SameMailbox(a, t.Requester) && !containsMailbox(approvers, a) {
			approvers = append(approvers, a)
		}
	}
	escalated := false
	if len(approvers) == 0 {
		admins, err := tx.ListUsers(ctx, UserFilter{Role: RoleAdmin})
		if err != nil {
			return err
		}
		for _, u := range admins {
			if !u.Disabled && !SameMailbox(u.Email, t.Requester) && !containsMailbox(approvers, u.Email) {
				approvers = append(approvers, u.Email)
			}
		}
		rule, escalated = RuleAny, true
	}
	if len(approvers) == 0 {
		return fmt.Errorf("%w: level %d of %s has no approver but the requester, and there is no admin to escalate to",
			ErrInvalid, n, cat.Name)
	}
	detail := fmt.Sprintf("approval requested from %s (level %d of %d, %s)", strings.Join(approvers, ", "),
		n, len(cat.ApprovalLevels), levelRuleText(rule, len(approvers)))
	if escalated {
		detail += ": the requester was the level's only approver, so the admins decide"
	}
	if err := d.move(ctx, tx, t, Change{To: StatusAwaitingApproval, ApprovalLevel: n, Actor: SystemActor, Detail: detail}); err != nil {
		return err
	}
	now := d.clock.Now()
	for _, addr := range approvers {
		a := &Approval{TicketID: t.ID, Level: n, Rule: rule, Approver: addr, Decision: DecisionPending, CreatedAt: now}
		if err := tx.CreateApproval(ctx, a); err != nil {
			return err
		}
		if err := d.mailApprover(ctx, tx, t, a, MailApprovalNeeded, len(cat.ApprovalLevels), len(approvers)); err != nil {
			return err
		}
	}
	return nil
}

func levelRuleText(r Rule, n int) string {
	switch {
	case n == 1:
		return "one approver"
	case r == RuleAny:
		return "any one may approve"
	}
	return "all must approve"
}

// mailApprover sends an approval mail of kind (needed or reminder) for a,
// in the approval's own thread.
func (d *Desk) mailApprover(ctx context.Context, tx Store, t *Ticket, a *Approval, kind MailKind, levels, approvers int) error {
	if !d.mailing() {
		return nil
	}
	key, err := d.secretKey(ctx, tx)
	if err != nil {
		return err
	}
	full, err := tx.GetTicket(ctx, t.ID) // names filled on read
	if err != nil {
		return err
	}
	tok := approvalToken(key, a.ID, a.Approver)
	replyTo := approvalReplyTo(d.replyAddress(ctx, tx, full), tok)
	subject := url.PathEscape("Re: Approval needed: [" + full.Ref() + "] " + full.Subject)
	vars := map[string]string{
		"Token":       tok,
		"Level":       strconv.Itoa(a.Level),
		"ApproveLink": "mailto:" + replyTo + "?subject=" + subject + "&body=APPROVE",
		"RejectLink":  "mailto:" + replyTo + "?subject=" + subject + "&body=REJECT",
	}
	if levels > 1 {
		vars["Of"] = strconv.Itoa(levels)
	}
	if approvers > 1 {
		// The mail says it in its language: "any" (the first answer
		// decides) or "all" (every one of Approvers must approve).
		vars["OthersRule"], vars["Approvers"] = "all", strconv.Itoa(approvers)
		if a.Rule == RuleAny {
			vars["OthersRule"] = "any"
		}
	}
	m := Mail{Kind: kind, To: a.Approver, Ticket: full, Vars: vars, ReplyTo: replyTo, Token: tok}
	if u, err := tx.GetUserByEmail(ctx, a.Approver); err == nil {
		m.ToName = u.Name
	}
	if kind == MailApprovalReminder {
		m.InReplyTo = d.approvalMessageID(full.ID, tok)
		m.References = []string{m.InReplyTo}
	}
	return d.sendMail(ctx, tx, m)
}

// approvalMessageID is the Message-ID of the approval mail with token tok:
// docs/design.md's form, with the token as its unique part.
func (d *Desk) approvalMessageID(ticketID int64, tok string) string {
	return fmt.Sprintf("tkt-%d.%s.%s@%s", ticketID, MailApprovalNeeded, tok, EmailDomain(d.intake.HelpdeskAddress))
}

// decide records one decision on a, made by actor (the approver by mail,
// or an admin on their behalf in the portal), and moves t on: a rejection
// ends it; the last approval of the last level sends it to assignment.
func (d *Desk) decide(ctx context.Context, tx Store, t *Ticket, a *Approval, dec Decision, via Via, actor Actor, comment string) error {
	now := d.clock.Now()
	a.Decision, a.Via, a.Comment, a.DecidedAt = dec, via, cleanText(comment), &now
	if err := tx.DecideApproval(ctx, a); err != nil {
		return err
	}
	how := "by email"
	if via == ViaPortal {
		how = "in the portal"
		if !SameMailbox(actor.Email, a.Approver) {
			how = fmt.Sprintf("in the portal by %s on their behalf", actor)
		}
	}
	verb := "approved"
	if dec == DecisionRejected {
		verb = "rejected"
	}
	detail := fmt.Sprintf("%s by %s at level %d %s", verb, a.Approver, a.Level, how)
	if a.Comment != "" {
		detail += ": " + a.Comment
	}
	if dec == DecisionRejected {
		if err := d.move(ctx, tx, t, Change{To: StatusRejected, Actor: actor, Detail: detail}); err != nil {
			return err
		}
		return d.mailRejected(ctx, tx, t, a)
	}
	if err := d.event(ctx, tx, t.ID, EventApproved, actor.String(), detail); err != nil {
		return err
	}
	all, err := tx.ListApprovals(ctx, t.ID)
	if err != nil {
		return err
	}
	approved, total := 0, 0
	for _, x := range all {
		if x.Level == a.Level {
			total++
			if x.Decision == DecisionApproved {
				approved++
			}
		}
	}
	if a.Rule == RuleAll && approved < total {
		return nil
	}
	cat, err := tx.GetCategory(ctx, t.CategoryID)
	if err != nil {
		return err
	}
	if a.Level < len(cat.ApprovalLevels) {
		return d.requestLevel(ctx, tx, t, cat, a.Level+1)
	}
	return d.approvedAtEveryLevel(ctx, tx, t)
}

// approvedAtEveryLevel sends an approved ticket on to assignment.
func (d *Desk) approvedAtEveryLevel(ctx context.Context, tx Store, t *Ticket) error {
	return d.assignOrWait(ctx, tx, t, SystemActor)
}

// mailRejected tells the requester who rejected their ticket and why.
func (d *Desk) mailRejected(ctx context.Context, tx Store, t *Ticket, a *Approval) error {
	if !d.mailing() {
		return nil
	}
	m := Mail{Kind: MailRejected, To: t.Requester, Vars: map[string]string{"Approver": a.Approver, "Reason": a.Comment}}
	if u, err := tx.GetUser(ctx, t.RequesterID); err == nil {
		m.ToName = u.Name
	}
	return d.sendTicketMail(ctx, tx, t, m)
}

// Decide records an admin's decision on an approver's behalf (the portal's
// Approve and Reject buttons), with via portal and who did it.
func (d *Desk) Decide(ctx context.Context, approvalID int64, dec Decision, comment string, actor Actor) error {
	if !actor.Admin {
		return fmt.Errorf("decide approval %d: %w: only admins decide for an approver", approvalID, ErrForbidden)
	}
	if dec != DecisionApproved && dec != DecisionRejected {
		return fmt.Errorf("decide approval %d: %w: decision %q", approvalID, ErrInvalid, dec)
	}
	if dec == DecisionApproved {
		d.readLeaveBefore(ctx, d.approvalCategory(ctx, approvalID)...)
	}
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		a, err := tx.GetApproval(ctx, approvalID)
		if err != nil {
			return err
		}
		t, err := tx.GetTicket(ctx, a.TicketID)
		if err != nil {
			return err
		}
		if why := approvalClosed(t, a); why != "" {
			return fmt.Errorf("%w: %s", ErrConflict, why)
		}
		return d.decide(ctx, tx, t, a, dec, ViaPortal, actor, comment)
	})
	if err != nil {
		return fmt.Errorf("decide approval %d: %w", approvalID, err)
	}
	return nil
}

// approvalClosed says why a can take no decision now, or "" when it can.
func approvalClosed(t *Ticket, a *Approval) string {
	switch {
	case a.Decision != DecisionPending:
		return fmt.Sprintf("this approval was already %s", a.Decision)
	case t.Status != StatusAwaitingApproval:
		return fmt.Sprintf("%s is no longer waiting for approval (it is %s)", t.Ref(), t.Status)
	case t.ApprovalLevel != a.Level:
		return fmt.Sprintf("level %d of %s is already decided", a.Level, t.Ref())
	}
	return ""
}

// approvalCategory is the category of the ticket of approval id, for
// readLeaveBefore: none when it cannot be read (the transaction that
// follows says why).
func (d *Desk) approvalCategory(ctx context.Context, id int64) []int64 {
	a, err := d.store.GetApproval(ctx, id)
	if err != nil {
		return nil
	}
	t, err := d.store.GetTicket(ctx, a.TicketID)
	if err != nil || t.CategoryID == 0 {
		return nil
	}
	return []int64{t.CategoryID}
}
