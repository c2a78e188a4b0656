package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

type quarantineRow struct {
	bun.BaseModel `bun:"table:quarantine"`

	ID          int64     `bun:"id,pk,autoincrement"`
	At          time.Time `bun:"at"`
	Channel     string    `bun:"channel"`
	Mailbox     string    `bun:"mailbox"`
	UIDValidity int64     `bun:"uidvalidity"`
	UID         int64     `bun:"uid"`
	MessageID   string    `bun:"message_id"`
	FromAddr    string    `bun:"from_addr"`
	Subject     string    `bun:"subject"`
	Reason      string    `bun:"reason"`
	Raw         []byte    `bun:"raw"`
	Size        int64     `bun:"size"`
}

func (r *quarantineRow) domain() domain.Quarantined {
	return domain.Quarantined{ID: r.ID, At: r.At.UTC(), Channel: r.Channel, Mailbox: r.Mailbox, UIDValidity: uint32(r.UIDValidity),
		UID: uint32(r.UID), MessageID: r.MessageID, From: r.FromAddr, Subject: r.Subject, Reason: r.Reason, Raw: r.Raw, Size: r.Size}
}

// AddQuarantine inserts q and sets its ID.
func (s *Store) AddQuarantine(ctx context.Context, q *domain.Quarantined) error {
	raw := q.Raw
	if raw == nil {
		raw = []byte{}
	}
	row := &quarantineRow{At: utc(q.At), Channel: q.Channel, Mailbox: q.Mailbox, UIDValidity: int64(q.UIDValidity), UID: int64(q.UID),
		MessageID: q.MessageID, FromAddr: q.From, Subject: q.Subject, Reason: q.Reason, Raw: []byte{}, Size: int64(len(raw))}
	if _, err := s.idb.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "quarantine mail")
	}
	if err := s.setBlob(ctx, "quarantine", "raw", row.ID, raw); err != nil {
		return mapErr(err, "quarantine mail")
	}
	q.ID, q.Size = row.ID, row.Size
	return nil
}

// ListQuarantine returns entries newest first, without their bytes.
func (s *Store) ListQuarantine(ctx context.Context, limit int) ([]domain.Quarantined, error) {
	var rows []quarantineRow
	q := s.idb.NewSelect().Model(&rows).ExcludeColumn("raw").OrderExpr("id DESC")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err, "list quarantine")
	}
	out := make([]domain.Quarantined, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// GetQuarantine returns entry id with its bytes.
func (s *Store) GetQuarantine(ctx context.Context, id int64) (*domain.Quarantined, error) {
	var row quarantineRow
	if err := s.idb.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, mapErr(err, "get quarantined mail %d", id)
	}
	q := row.domain()
	return &q, nil
}

// DeleteQuarantine removes entry id.
func (s *Store) DeleteQuarantine(ctx context.Context, id int64) error {
	res, err := s.idb.NewDelete().Model((*quarantineRow)(nil)).Where("id = ?", id).Exec(ctx)
	return mapErr(mustAffect(res, err), "delete quarantined mail %d", id)
}
