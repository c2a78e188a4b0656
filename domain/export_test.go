package domain

import (
	"context"
	"time"
)

// Test-only doors to the use cases that run inside a caller's transaction,
// for the external tests (assign_test.go) that run them on real databases.

// AssignForTest runs assignOrWait on ticket id in a transaction of its own.
func (d *Desk) AssignForTest(ctx context.Context, id int64, actor Actor) error {
	if t, err := d.store.GetTicket(ctx, id); err == nil {
		d.readLeaveBefore(ctx, t.CategoryID)
	}
	return d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		t, err := tx.GetTicket(ctx, id)
		if err != nil {
			return err
		}
		return d.assignOrWait(ctx, tx, t, actor)
	})
}

// MarkAwayForTest runs markAwayFromAutoReply in a transaction of its own.
func (d *Desk) MarkAwayForTest(ctx context.Context, email string, until time.Time, reason string) error {
	return d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		return d.markAwayFromAutoReply(ctx, tx, email, until, reason)
	})
}
