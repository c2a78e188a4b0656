package domain

import (
	"bytes"
	"context"
	"fmt"
	"time"
)

// DefaultOutboxRetention is OUTBOX_RETENTION's default.
const DefaultOutboxRetention = 720 * time.Hour

// retentionBatches bounds the batches (of jobBatch rows, one transaction
// each) DropOldMailBodies handles per run, so one run after a long pause
// does not hold the database for long; the next run goes on.
const retentionBatches = 20

// DropOldMailBodies drops the rendered body of sent mail sent more than
// the schedule's OutboxRetention ago: the row keeps its status, recipient,
// subject, Message-ID and the header section of the message (what
// threads and the history need), and its raw bytes shrink to those
// headers. Queued, held and dead mail is never touched. It works in
// batches of jobBatch rows, one transaction each, and returns how many
// bodies it dropped. Without a retention it does nothing.
func (d *Desk) DropOldMailBodies(ctx context.Context) (int, error) {
	if d.schedule.OutboxRetention <= 0 {
		return 0, nil
	}
	n := 0
	for range retentionBatches {
		got := 0
		err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
			now := d.clock.Now()
			ms, err := tx.SentWithBody(ctx, now.Add(-d.schedule.OutboxRetention), jobBatch)
			if err != nil {
				return err
			}
			got = len(ms)
			for i := range ms {
				if err := tx.DropOutboxBody(ctx, ms[i].ID, HeaderSection(ms[i].Raw), now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("drop old mail bodies: %w", err)
		}
		n += got
		if got < jobBatch {
			break
		}
	}
	return n, nil
}

// HeaderSection returns the header section of an RFC 5322 message, up to
// and including the empty line that ends it (all of raw when there is no
// such line).
func HeaderSection(raw []byte) []byte {
	end := len(raw)
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := bytes.Index(raw, []byte(sep)); i >= 0 && i+len(sep) < end {
			end = i + len(sep)
		}
	}
	return bytes.Clone(raw[:end])
}
