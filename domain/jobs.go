package domain

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"
)

// Scheduled jobs (docs/design.md "Approvals" and the status table): an approver
// who has not answered after APPROVAL_REMIND_AFTER gets one reminder in the
// approval's own thread; a level still waiting after APPROVAL_EXPIRE_AFTER
// is escalated to the admins by mail (0: never); a resolved ticket closes
// after REOPEN_WITHIN; the admins get a triage digest at most every
// TRIAGE_DIGEST_INTERVAL (triage_digest.go); sent mail loses its body after
// OUTBOX_RETENTION (mail_retention.go); the in-flight rows of mails that are
// not coming back go after InFlightHorizon (intake_inflight.go). Each job claims
// its rows in the transaction that acts on them, so with several instances
// each row is handled once.

// Schedule holds the jobs' periods.
type Schedule struct {
	RemindAfter  time.Duration
	ExpireAfter  time.Duration // 0: never escalate
	ReopenWithin time.Duration
	// TriageDigest is the least time between two triage digests to one
	// admin (0: none are sent).
	TriageDigest time.Duration
	// OutboxRetention is how long a sent mail keeps its body (0: for ever).
	OutboxRetention time.Duration
}

// WithSchedule sets the jobs' periods.
func WithSchedule(s Schedule) Option {
	return func(d *Desk) { d.schedule = s }
}

// jobBatch bounds the rows one job handles per transaction.
const jobBatch = 100

// JobReport says what one run of the jobs did.
type JobReport struct {
	Reminded, Escalated, Closed int
	Digests, BodiesDropped      int
	InFlightPruned              int
	// SLAAtRisk and SLABreached count the escalation mails' tickets
	// (sla_escalate.go).
	SLAAtRisk, SLABreached int
}

// RunJobs runs every scheduled job once.
func (d *Desk) RunJobs(ctx context.Context) (JobReport, error) {
	var rep JobReport
	var err error
	if d.schedule.RemindAfter > 0 {
		if rep.Reminded, err = d.remindApprovers(ctx); err != nil {
			return rep, err
		}
	}
	if d.schedule.ExpireAfter > 0 {
		if rep.Escalated, err = d.escalateApprovals(ctx); err != nil {
			return rep, err
		}
	}
	if d.schedule.ReopenWithin > 0 {
		if rep.Closed, err = d.closeResolved(ctx); err != nil {
			return rep, err
		}
	}
	if rep.SLAAtRisk, rep.SLABreached, err = d.escalateSLA(ctx); err != nil {
		return rep, err
	}
	if rep.Digests, err = d.SendTriageDigests(ctx); err != nil {
		return rep, err
	}
	if rep.BodiesDropped, err = d.DropOldMailBodies(ctx); err != nil {
		return rep, err
	}
	if rep.InFlightPruned, err = d.PruneInFlight(ctx); err != nil {
		return rep, err
	}
	if rep != (JobReport{}) {
		d.log.InfoContext(ctx, "scheduled jobs", slog.Int("reminded", rep.Reminded), slog.Int("escalated", rep.Escalated), slog.Int("closed", rep.Closed),
			slog.Int("triage_digests", rep.Digests), slog.Int("mail_bodies_dropped", rep.BodiesDropped),
			slog.Int("in_flight_pruned", rep.InFlightPruned), slog.Int("sla_at_risk", rep.SLAAtRisk), slog.Int("sla_breached", rep.SLABreached))
	}
	return rep, nil
}

func (d *Desk) remindApprovers(ctx context.Context) (int, error) {
	n := 0
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		now := d.clock.Now()
		due, err := tx.ApprovalsToRemind(ctx, now.Add(-d.schedule.RemindAfter), jobBatch)
		if err != nil {
			return err
		}
		for i := range due {
			a := &due[i]
			t, err := tx.GetTicket(ctx, a.TicketID)
			if err != nil {
				return err
			}
			if err := tx.MarkReminded(ctx, a.ID, now); err != nil {
				return err
			}
			if err := d.mailApprover(ctx, tx, t, a, MailApprovalReminder, 0, 0); err != nil {
				return err
			}
			if err := d.event(ctx, tx, t.ID, EventApprovalRequested, SystemActor.String(),
				fmt.Sprintf("reminded %s of the level %d approval", a.Approver, a.Level)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("remind approvers: %w", err)
	}
	return n, nil
}

func (d *Desk) escalateApprovals(ctx context.Context) (int, error) {
	n := 0
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		now := d.clock.Now()
		due, err := tx.ApprovalsToEscalate(ctx, now.Add(-d.schedule.ExpireAfter), jobBatch)
		if err != nil {
			return err
		}
		// One escalation per ticket and level, naming every approver still
		// pending there.
		type key struct {
			ticket int64
			level  int
		}
		groups := map[key][]Approval{}
		var order []key
		for _, a := range due {
			k := key{a.TicketID, a.Level}
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], a)
		}
		sort.Slice(order, func(i, j int) bool { return order[i].ticket < order[j].ticket })
		admins, err := tx.ListUsers(ctx, UserFilter{Role: RoleAdmin})
		if err != nil {
			return err
		}
		for _, k := range order {
			t, err := tx.GetTicket(ctx, k.ticket)
			if err != nil {
				return err
			}
			var pending []string
			since := now
			for _, a := range groups[k] {
				pending = append(pending, a.Approver)
				if a.CreatedAt.Before(since) {
					since = a.CreatedAt
				}
				if err := tx.MarkEscalated(ctx, a.ID, now); err != nil {
					return err
				}
			}
			detail := fmt.Sprintf("approval at level %d has waited since %s for %s; escalated to the admins",
				k.level, since.Format("2006-01-02 15:04 MST"), strings.Join(pending, ", "))
			if err := d.event(ctx, tx, t.ID, EventApprovalRequested, SystemActor.String(), detail); err != nil {
				return err
			}
			if d.mailing() {
				for _, u := range admins {
					if u.Disabled {
						continue
					}
					if err := d.sendMail(ctx, tx, Mail{Kind: MailApprovalExpired, To: u.Email, ToName: u.Name, Ticket: t,
						Vars: map[string]string{"Since": since.UTC().Format(time.RFC3339), "Pending": strings.Join(pending, ", "),
							"Level": fmt.Sprint(k.level)}}); err != nil {
						return err
					}
				}
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("escalate approvals: %w", err)
	}
	return n, nil
}

func (d *Desk) closeResolved(ctx context.Context) (int, error) {
	n := 0
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		due, err := tx.TicketsToClose(ctx, d.clock.Now().Add(-d.schedule.ReopenWithin), jobBatch)
		if err != nil {
			return err
		}
		for i := range due {
			if err := d.move(ctx, tx, &due[i], Change{To: StatusClosed, Actor: SystemActor,
				Detail: fmt.Sprintf("closed: resolved more than %s ago and not reopened", d.schedule.ReopenWithin)}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("close resolved tickets: %w", err)
	}
	return n, nil
}
