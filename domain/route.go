package domain

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// routeClassified moves a ticket that was just given its category on,
// inside tx. A category without approval levels makes it unassigned,
// waiting for a team member. Otherwise level 1's approvals go out: one
// pending Approval per approver of the level (its rule copied, the
// requester skipped; a level left empty goes to the admins) and the ticket
// awaits approval at level 1. Approval mails and assignment are added by
// the approvals feature.
func (d *Desk) routeClassified(ctx context.Context, tx Store, t *Ticket) error {
	cat, err := tx.GetCategory(ctx, t.CategoryID)
	if err != nil {
		return err
	}
	if len(cat.ApprovalLevels) == 0 {
		return d.move(ctx, tx, t, Change{To: StatusUnassigned, Actor: SystemActor,
			Detail: "no approval needed; waiting for a team member"})
	}
	level := cat.ApprovalLevels[0]
	rule := level.Rule
	if rule == "" {
		rule = RuleAll
	}
	var approvers []string
	for _, a := range level.Approvers {
		if a != t.Requester {
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
			if !u.Disabled && u.Email != t.Requester && !slices.Contains(approvers, u.Email) {
				approvers = append(approvers, u.Email)
			}
		}
		rule, escalated = RuleAny, true
	}
	if len(approvers) == 0 {
		return d.move(ctx, tx, t, Change{To: StatusUnassigned, Actor: SystemActor,
			Detail: "no approver other than the requester, and no admin to escalate to; waiting for a team member"})
	}
	detail := fmt.Sprintf("approval requested from %s (level 1, %s)", strings.Join(approvers, ", "), ruleText(rule, len(approvers)))
	if escalated {
		detail += ": the requester was the level's only approver, so the admins decide"
	}
	if err := d.move(ctx, tx, t, Change{To: StatusAwaitingApproval, ApprovalLevel: 1, Actor: SystemActor, Detail: detail}); err != nil {
		return err
	}
	now := d.clock.Now()
	for _, a := range approvers {
		if err := tx.CreateApproval(ctx, &Approval{TicketID: t.ID, Level: 1, Rule: rule, Approver: a,
			Decision: DecisionPending, CreatedAt: now}); err != nil {
			return err
		}
	}
	return nil
}

func ruleText(r Rule, n int) string {
	if n == 1 {
		return "one approver"
	}
	if r == RuleAny {
		return "any one may approve"
	}
	return "all must approve"
}
