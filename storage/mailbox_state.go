package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

type mailboxStateRow struct {
	bun.BaseModel `bun:"table:mailbox_state"`

	Mailbox     string    `bun:"mailbox,pk"`
	UIDValidity int64     `bun:"uidvalidity"`
	LastUID     int64     `bun:"last_uid"`
	UpdatedAt   time.Time `bun:"updated_at"`
}

// GetMailboxState returns how far the poller got in mailbox.
func (s *Store) GetMailboxState(ctx context.Context, mailbox string) (*domain.MailboxState, error) {
	var row mailboxStateRow
	if err := s.idb.NewSelect().Model(&row).Where("mailbox = ?", mailbox).Scan(ctx); err != nil {
		return nil, mapErr(err, "mailbox state of %s", mailbox)
	}
	return &domain.MailboxState{Mailbox: row.Mailbox, UIDValidity: uint32(row.UIDValidity),
		LastUID: uint32(row.LastUID), UpdatedAt: row.UpdatedAt.UTC()}, nil
}

// SaveMailboxState writes st.
func (s *Store) SaveMailboxState(ctx context.Context, st *domain.MailboxState) error {
	row := &mailboxStateRow{Mailbox: st.Mailbox, UIDValidity: int64(st.UIDValidity), LastUID: int64(st.LastUID), UpdatedAt: utc(st.UpdatedAt)}
	_, err := s.idb.NewInsert().Model(row).On("CONFLICT (mailbox) DO UPDATE").
		Set("uidvalidity = EXCLUDED.uidvalidity, last_uid = EXCLUDED.last_uid, updated_at = EXCLUDED.updated_at").Exec(ctx)
	return mapErr(err, "save mailbox state of %s", st.Mailbox)
}
