package domain

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// SLA escalation (issue 18, docs/sla.md). The scheduled jobs look at the
// tickets whose clock wrote a next instant (SLAClock.NextAt) that has
// come: the instant a pending target reaches its policy's at-risk share,
// the instant it falls due, or now when a mail is owed. For each, in the
// transaction that holds its row:
//
//   - a breached ticket whose breach was not mailed gets one "breached"
//     mail to its assignee and the category's escalation contacts (or the
//     admins), saying when the target fell due, and an sla_breached event;
//   - an at-risk ticket with neither mail sent gets one "at risk" mail to
//     its assignee and an sla_at_risk event.
//
// The marks (sla_at_risk_mailed_at, sla_breached_mailed_at) are written
// with the mail and the event, so each is sent at most once per ticket
// whatever the number of instances (rows are claimed with FOR UPDATE SKIP
// LOCKED on PostgreSQL) or restarts. After a long downtime a ticket found
// past its due time is breached: it gets the breached mail with its real
// due time, and never the at-risk mail it can no longer use.

// Mail kinds of the escalation.
const (
	MailSLAAtRisk   MailKind = "sla_at_risk"  // to the assignee
	MailSLABreached MailKind = "sla_breached" // to the assignee and escalation contacts (or admins)
)

// escalateSLA runs one pass of the escalation job.
func (d *Desk) escalateSLA(ctx context.Context) (atRisk, breached int, err error) {
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		now := d.clock.Now()
		ts, err := tx.SLATicketsDue(ctx, now, jobBatch)
		if err != nil {
			return err
		}
		for i := range ts {
			r, b, err := d.escalateOne(ctx, tx, &ts[i], now)
			if err != nil {
				return fmt.Errorf("%s: %w", ts[i].Ref(), err)
			}
			atRisk, breached = atRisk+r, breached+b
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("sla escalation: %w", err)
	}
	return atRisk, breached, nil
}

// escalateOne brings t's clock to now and sends what it owes.
func (d *Desk) escalateOne(ctx context.Context, tx Store, t *Ticket, now time.Time) (atRisk, breached int, err error) {
	if err := d.slaSync(ctx, tx, t, now, false, false); err != nil {
		return 0, 0, err
	}
	c := &t.SLA
	switch {
	case c.State == SLABreached && c.BreachedMailedAt == nil:
		target, due := c.missed(now)
		if err := d.mailSLA(ctx, tx, t, MailSLABreached, target, due, now); err != nil {
			return 0, 0, err
		}
		c.BreachedMailedAt = timePtr(now)
		breached = 1
	case c.State == SLAAtRisk && c.AtRiskMailedAt == nil && c.BreachedMailedAt == nil:
		target, due := c.pending()
		if err := d.mailSLA(ctx, tx, t, MailSLAAtRisk, target, due, now); err != nil {
			return 0, 0, err
		}
		c.AtRiskMailedAt = timePtr(now)
		atRisk = 1
	}
	if err := d.slaSync(ctx, tx, t, now, false, false); err != nil { // the next instant, marks included
		return 0, 0, err
	}
	if err := tx.UpdateTicket(ctx, t, t.Status); err != nil {
		return 0, 0, err
	}
	return atRisk, breached, nil
}

// missed is the earliest target c missed at now and its due time.
func (c *SLAClock) missed(now time.Time) (string, time.Time) {
	var name string
	var due time.Time
	consider := func(n string, d, done *time.Time) {
		if d == nil {
			return
		}
		if (done != nil && done.After(*d)) || (done == nil && !now.Before(*d)) {
			if due.IsZero() || d.Before(due) {
				name, due = n, *d
			}
		}
	}
	consider("first response", c.FirstResponseDueAt, c.FirstResponseAt)
	consider("resolution", c.ResolutionDueAt, c.StoppedAt)
	return name, due
}

// pending is the soonest target c still waits for, and its due time.
func (c *SLAClock) pending() (string, time.Time) {
	if c.FirstResponseAt == nil && c.FirstResponseDueAt != nil {
		return "first response", *c.FirstResponseDueAt
	}
	if c.ResolutionDueAt != nil {
		return "resolution", *c.ResolutionDueAt
	}
	return "resolution", time.Time{}
}

// mailSLA sends kind about t's target and records the event.
func (d *Desk) mailSLA(ctx context.Context, tx Store, t *Ticket, kind MailKind, target string, due, now time.Time) error {
	loc := time.UTC
	if t.CategoryID != 0 {
		if cat, err := tx.GetCategory(ctx, t.CategoryID); err == nil {
			if cal, err := calendarOf(ctx, tx, cat); err == nil {
				if l, err := cal.Location(); err == nil {
					loc = l
				}
			}
			if kind == MailSLABreached && cat.SLA != nil {
				return d.mailBreach(ctx, tx, t, cat.SLA.EscalationContacts, target, due.In(loc), now)
			}
		}
	}
	if kind == MailSLABreached {
		return d.mailBreach(ctx, tx, t, nil, target, due.In(loc), now)
	}
	to := []string{}
	if t.Assignee != "" {
		to = append(to, t.Assignee)
	}
	detail := fmt.Sprintf("the %s target is at risk: due %s", target, due.In(loc).Format("Mon 2 Jan 2006 15:04 MST"))
	if len(to) > 0 {
		detail += "; mailed " + strings.Join(to, ", ")
	} else {
		detail += "; nobody is assigned to mail"
	}
	if err := d.sendSLAMails(ctx, tx, t, kind, to, target, due.In(loc)); err != nil {
		return err
	}
	return d.event(ctx, tx, t.ID, EventSLAAtRisk, SystemActor.String(), detail)
}

// mailBreach sends the breached mail to the assignee and contacts (none:
// the enabled admins) and records the event with the real due time.
func (d *Desk) mailBreach(ctx context.Context, tx Store, t *Ticket, contacts []string, target string, due, now time.Time) error {
	var to []string
	if t.Assignee != "" {
		to = append(to, t.Assignee)
	}
	if len(contacts) == 0 {
		admins, err := tx.ListUsers(ctx, UserFilter{Role: RoleAdmin})
		if err != nil {
			return err
		}
		for _, u := range admins {
			if !u.Disabled {
				contacts = append(contacts, u.Email)
			}
		}
	}
	for _, a := range contacts {
		if !containsMailbox(to, a) {
			to = append(to, a)
		}
	}
	detail := fmt.Sprintf("the %s target was breached: due %s, found %s", target, due.Format("Mon 2 Jan 2006 15:04 MST"),
		now.In(due.Location()).Format("Mon 2 Jan 2006 15:04 MST"))
	if len(to) > 0 {
		detail += "; mailed " + strings.Join(to, ", ")
	}
	if err := d.sendSLAMails(ctx, tx, t, MailSLABreached, to, target, due); err != nil {
		return err
	}
	return d.event(ctx, tx, t.ID, EventSLABreached, SystemActor.String(), detail)
}

func (d *Desk) sendSLAMails(ctx context.Context, tx Store, t *Ticket, kind MailKind, to []string, target string, due time.Time) error {
	if !d.mailing() {
		return nil
	}
	for _, a := range to {
		if err := d.sendMail(ctx, tx, Mail{Kind: kind, To: a, Ticket: t, Vars: map[string]string{
			"Target": target, "Due": due.Format("Mon 2 Jan 2006 15:04 MST"), "DueAt": due.UTC().Format(time.RFC3339),
			"Priority": string(cmpPriority(t.Priority)),
		}}); err != nil {
			d.log.WarnContext(ctx, "sla mail", slog.String("ticket", t.Ref()), slog.Any("error", err))
			return err
		}
	}
	return nil
}

func cmpPriority(p Priority) Priority {
	if p == "" {
		return PriorityNormal
	}
	return p
}
