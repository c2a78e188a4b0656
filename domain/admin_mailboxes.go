package domain

import (
	"context"
	"fmt"
)

// MailboxListing is a mailbox as an admin lists it: its settings and the
// poller's state, with its default category's name ("" when none).
type MailboxListing struct {
	Mailbox
	DefaultCategory string
}

// Mailboxes lists every mailbox in address order.
func (d *Desk) Mailboxes(ctx context.Context) ([]MailboxListing, error) {
	boxes, err := d.store.ListMailboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("list mailboxes: %w", err)
	}
	out := make([]MailboxListing, len(boxes))
	var names map[int64]string
	for i, m := range boxes {
		out[i].Mailbox = m
		if m.DefaultCategoryID == nil {
			continue
		}
		if names == nil {
			cats, err := d.store.ListCategories(ctx)
			if err != nil {
				return nil, fmt.Errorf("list mailboxes: %w", err)
			}
			names = map[int64]string{}
			for _, c := range cats {
				names[c.ID] = c.Name
			}
		}
		out[i].DefaultCategory = names[*m.DefaultCategoryID]
	}
	return out, nil
}
