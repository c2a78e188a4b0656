package domain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The outbox use cases of the admin pages and the `outbox` commands.

// Outbox lists outgoing mail, newest first; status "" lists all, limit 0
// means no limit. Raw bytes are left out.
func (d *Desk) Outbox(ctx context.Context, status OutboxStatus, limit int) ([]OutboxMessage, error) {
	ms, err := d.store.ListOutbox(ctx, status, limit)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return ms, nil
}

// OutboxMessage returns one outgoing mail with its raw bytes.
func (d *Desk) OutboxMessage(ctx context.Context, id int64) (*OutboxMessage, error) {
	m, err := d.store.GetOutbox(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("outbox message %d: %w", id, err)
	}
	return m, nil
}

// unsentStatus is where a mail goes when it is (re)queued: queued with a
// relay, held without one.
func (d *Desk) unsentStatus() OutboxStatus {
	if d.relay {
		return OutboxQueued
	}
	return OutboxHeld
}

// RetryMail makes mail id due now with its attempts reset: a dead mail gets
// another full round of attempts, a queued one goes at the next pass. It is
// held instead when no relay is configured. A sent mail is ErrConflict.
func (d *Desk) RetryMail(ctx context.Context, id int64) error {
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		m, err := tx.GetOutbox(ctx, id)
		if err != nil {
			return err
		}
		if m.Status == OutboxSent {
			return fmt.Errorf("%w: it was sent", ErrConflict)
		}
		_, err = tx.RequeueOutbox(ctx, id, m.Status, d.unsentStatus(), d.clock.Now())
		return err
	})
	if err != nil {
		return fmt.Errorf("retry mail %d: %w", id, err)
	}
	d.log.InfoContext(ctx, "mail retried", "outbox_id", id)
	return nil
}

// RetryDeadMail requeues every dead mail (see RetryMail) and returns how
// many.
func (d *Desk) RetryDeadMail(ctx context.Context) (int, error) {
	n, err := d.store.RequeueOutbox(ctx, 0, OutboxDead, d.unsentStatus(), d.clock.Now())
	if err != nil {
		return 0, fmt.Errorf("retry dead mail: %w", err)
	}
	d.log.InfoContext(ctx, "dead mail retried", "count", n)
	return n, nil
}

// DiscardMail deletes mail id that was not sent (queued, held or dead): it
// will never go out. A sent mail is kept as the record of what was said
// (ErrConflict).
func (d *Desk) DiscardMail(ctx context.Context, id int64) error {
	if err := d.store.DeleteOutbox(ctx, id); err != nil {
		return fmt.Errorf("discard mail %d: %w", id, err)
	}
	d.log.InfoContext(ctx, "mail discarded", "outbox_id", id)
	return nil
}

// ReleaseHeldMail queues every held mail, due now, and returns how many:
// serve calls it when it starts with a relay, so mail written while there
// was none goes out.
func (d *Desk) ReleaseHeldMail(ctx context.Context) (int, error) {
	if !d.relay {
		return 0, errors.New("release held mail: no relay configured")
	}
	n, err := d.store.RequeueOutbox(ctx, 0, OutboxHeld, OutboxQueued, d.clock.Now())
	if err != nil {
		return 0, fmt.Errorf("release held mail: %w", err)
	}
	return n, nil
}

// OutboxCounts returns how many mails are in each outbox status.
func (d *Desk) OutboxCounts(ctx context.Context) (map[OutboxStatus]int, error) {
	n, err := d.store.CountOutbox(ctx)
	if err != nil {
		return nil, fmt.Errorf("count outbox: %w", err)
	}
	return n, nil
}

// MailFailedEvent is the event a ticket gets when a mail for it goes dead:
// the store writes it with the dead status, in the same transaction
// (OutboxStore.UpdateOutbox).
func MailFailedEvent(m *OutboxMessage, at time.Time) *Event {
	return &Event{TicketID: m.TicketID, At: at, Kind: EventMailFailed, Actor: SystemActor.String(),
		Detail: fmt.Sprintf("the %q mail to %s could not be delivered after %d attempt(s): %s",
			strings.ReplaceAll(m.Kind, "_", " "), m.To, m.Attempts, m.LastError)}
}
