package domain

import (
	"context"
	"fmt"
)

// Quarantine lists quarantined mail, newest first, without its bytes.
func (d *Desk) Quarantine(ctx context.Context, limit int) ([]Quarantined, error) {
	qs, err := d.store.ListQuarantine(ctx, limit)
	if err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	return qs, nil
}

// QuarantinedMail returns one quarantined mail with its bytes.
func (d *Desk) QuarantinedMail(ctx context.Context, id int64) (*Quarantined, error) {
	q, err := d.store.GetQuarantine(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("quarantined mail %d: %w", id, err)
	}
	return q, nil
}

// RetryQuarantined takes quarantined mail id in again, parsed anew by the
// caller (after a fix, say). In one transaction it leaves the quarantine and
// goes through the pipeline; if it fails again, nothing changes and the
// error says why.
func (d *Desk) RetryQuarantined(ctx context.Context, id int64, parse func(raw []byte) (*Inbound, error)) (Outcome, error) {
	q, err := d.store.GetQuarantine(ctx, id)
	if err != nil {
		return Outcome{}, fmt.Errorf("retry quarantined mail %d: %w", id, err)
	}
	in, perr := parse(q.Raw)
	if perr != nil {
		return Outcome{}, fmt.Errorf("retry quarantined mail %d: still unreadable: %w", id, perr)
	}
	// Keep the id the mail was quarantined under, so the processed mark
	// that stood for it is the one replaced.
	if in.MessageID == "" {
		in.MessageID = q.MessageID
	}
	it := Received{Source: Source{Channel: q.Channel}, Raw: q.Raw, Mail: in}
	var out Outcome
	err = d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		if err := tx.DeleteQuarantine(ctx, id); err != nil {
			return err
		}
		if err := tx.DeleteProcessed(ctx, q.MessageID); err != nil {
			return err
		}
		if in.MessageID != q.MessageID {
			if err := tx.DeleteProcessed(ctx, in.MessageID); err != nil {
				return err
			}
		}
		pre, err := d.prefetch(ctx, tx, []Received{it})
		if err != nil {
			return err
		}
		out, err = d.receiveGuarded(ctx, tx, it, pre.at(0))
		return err
	})
	if err != nil {
		return Outcome{}, fmt.Errorf("retry quarantined mail %d: %w", id, err)
	}
	return out, nil
}

// InboxLog lists mail that made no ticket, newest first.
func (d *Desk) InboxLog(ctx context.Context, limit int) ([]InboxLogEntry, error) {
	es, err := d.store.ListInboxLog(ctx, limit)
	if err != nil {
		return nil, fmt.Errorf("inbox log: %w", err)
	}
	return es, nil
}
