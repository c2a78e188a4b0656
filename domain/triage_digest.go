package domain

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultTriageDigestInterval is TRIAGE_DIGEST_INTERVAL's default.
const DefaultTriageDigestInterval = 15 * time.Minute

// triageDigestMax bounds the tickets one digest lists: the oldest ones,
// then "and N more".
const triageDigestMax = 50

// SendTriageDigests mails each active admin one triage notice listing the
// tickets the classifier left in triage (the oldest triageDigestMax, the
// classifier's top guess for each, and how many more), when something is
// waiting that their last digest did not cover and that digest is older
// than the schedule's TriageDigest interval. It returns how many digests
// it queued. The claim is a conditional upsert per admin in the
// transaction that queues the mail (ClaimTriageDigest), so several
// instances send one digest. Nothing is sent without an interval or a
// Composer.
func (d *Desk) SendTriageDigests(ctx context.Context) (int, error) {
	if d.schedule.TriageDigest <= 0 || !d.mailing() {
		return 0, nil
	}
	n := 0
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		ts, total, latest, err := tx.TriageWaiting(ctx, triageDigestMax)
		if err != nil || total == 0 {
			return err
		}
		admins, err := tx.ListUsers(ctx, UserFilter{Role: RoleAdmin})
		if err != nil {
			return err
		}
		now := d.clock.Now()
		var lines []MailLine
		for _, a := range admins {
			if a.Disabled {
				continue
			}
			ok, err := tx.ClaimTriageDigest(ctx, a.ID, now, now.Add(-d.schedule.TriageDigest), latest)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if lines == nil {
				if lines, err = d.digestLines(ctx, tx, ts); err != nil {
					return err
				}
			}
			// MailTriageNotice shows Lines (ref, subject, the classifier's
			// top guess) and reads these Vars:
			//   total  how many tickets wait in triage, "57"
			//   more   how many the list leaves out, "7" ("0" if none)
			err = d.sendMail(ctx, tx, Mail{Kind: MailTriageNotice, To: a.Email, ToName: a.Name, Lines: lines,
				Vars: map[string]string{"total": strconv.Itoa(total), "more": strconv.Itoa(total - len(lines))}})
			if err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("triage digests: %w", err)
	}
	return n, nil
}

// digestLines are the digest's entries for ts: each ticket with the
// classifier's top guess, read from its last triaged event.
func (d *Desk) digestLines(ctx context.Context, tx Store, ts []Ticket) ([]MailLine, error) {
	lines := make([]MailLine, 0, len(ts))
	for i := range ts {
		t := &ts[i]
		es, err := tx.ListEvents(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		note := "not classified"
		for j := len(es) - 1; j >= 0; j-- {
			if es[j].Kind == EventTriaged && es[j].Actor == SystemActor.String() && strings.HasPrefix(es[j].Detail, triagedPrefix) {
				note = triageGuess(es[j].Detail)
				break
			}
		}
		lines = append(lines, MailLine{Ref: t.Ref(), Subject: t.Subject, Note: note})
	}
	return lines, nil
}

// The detail of the event triage writes: triagedPrefix, the reason, and
// after triagedCandidates the classifier's top candidates, best first. The
// digest reads its best guess back from there (triageGuess).
const (
	triagedPrefix     = "left in triage for an admin: "
	triagedCandidates = "; candidates: "
)

// triageGuess is what a digest says of a ticket from the detail triage
// wrote: the top candidate ("best guess Hardware 0.41 by local"), or the
// reason when there was none.
func triageGuess(detail string) string {
	reason, cands, ok := strings.Cut(strings.TrimPrefix(detail, triagedPrefix), triagedCandidates)
	if !ok || cands == "" {
		return reason
	}
	top, _, _ := strings.Cut(cands, ", ")
	return "best guess " + top
}
