package storage

import (
	"context"
	"database/sql"
	"time"
)

// ClaimMailboxReauthNotice sets reauth_notified_at if it is empty; see
// domain.MailboxStore. The UPDATE's condition is the compare-and-set: of
// two transactions racing, the second waits for the first (PostgreSQL's
// row lock, SQLite's single writer) and then finds the column set.
func (s *Store) ClaimMailboxReauthNotice(ctx context.Context, id int64, at time.Time) (bool, error) {
	res, err := s.idb.NewUpdate().Model((*mailboxRow)(nil)).
		Set("reauth_notified_at = ?", utc(at)).
		Where("id = ?", id).Where("reauth_notified_at IS NULL").Exec(ctx)
	if err != nil {
		return false, mapErr(err, "claim the reauthorization notice of mailbox %d", id)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return n == 1, err
	}
	// Nothing updated: told already, or no such mailbox.
	exists, err := s.idb.NewSelect().Model((*mailboxRow)(nil)).Where("id = ?", id).Exists(ctx)
	if err != nil {
		return false, mapErr(err, "claim the reauthorization notice of mailbox %d", id)
	}
	if !exists {
		return false, mapErr(sql.ErrNoRows, "claim the reauthorization notice of mailbox %d", id)
	}
	return false, nil
}
