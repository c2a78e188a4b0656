package storage

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.PortalStore = (*Store)(nil)

type sessionRow struct {
	bun.BaseModel `bun:"table:sessions"`

	ID         string    `bun:"id,pk"`
	UserID     int64     `bun:"user_id"`
	SecretHash string    `bun:"secret_hash"`
	CSRFToken  string    `bun:"csrf_token"`
	CreatedAt  time.Time `bun:"created_at"`
	LastSeenAt time.Time `bun:"last_seen_at"`
	ClientAddr string    `bun:"client_addr"`
}

// CreateSession inserts s.
func (s *Store) CreateSession(ctx context.Context, x *domain.Session) error {
	row := &sessionRow{ID: x.ID, UserID: x.UserID, SecretHash: x.SecretHash, CSRFToken: x.CSRFToken,
		CreatedAt: utc(x.CreatedAt), LastSeenAt: utc(x.LastSeenAt), ClientAddr: x.ClientAddr}
	_, err := s.idb.NewInsert().Model(row).Exec(ctx)
	return mapErr(err, "create session for user %d", x.UserID)
}

// GetSession returns session id.
func (s *Store) GetSession(ctx context.Context, id string) (*domain.Session, error) {
	// Every signed-in request reads its session: prepared once
	// (stmt_cache.go), like the user it reads next.
	var row sessionRow
	err := s.scanCached(ctx, &row, "SELECT id, user_id, secret_hash, csrf_token, created_at, last_seen_at, client_addr "+
		"FROM sessions WHERE id = ?", id)
	if err == nil && row.ID == "" {
		err = sql.ErrNoRows
	}
	if err != nil {
		return nil, mapErr(err, "get session")
	}
	return &domain.Session{ID: row.ID, UserID: row.UserID, SecretHash: row.SecretHash, CSRFToken: row.CSRFToken,
		CreatedAt: row.CreatedAt.UTC(), LastSeenAt: row.LastSeenAt.UTC(), ClientAddr: row.ClientAddr}, nil
}

// TouchSession sets a session's last use.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	res, err := s.idb.NewUpdate().Model((*sessionRow)(nil)).Set("last_seen_at = ?", utc(at)).Where("id = ?", id).Exec(ctx)
	return mapErr(mustAffect(res, err), "touch session")
}

// DeleteSession removes session id.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	_, err := s.idb.NewDelete().Model((*sessionRow)(nil)).Where("id = ?", id).Exec(ctx)
	return mapErr(err, "delete session")
}

// DeleteUserSessions removes every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := s.idb.NewDelete().Model((*sessionRow)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return mapErr(err, "delete sessions of user %d", userID)
}

// DeleteExpiredSessions removes sessions past their idle or absolute expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context, idleBefore, createdBefore time.Time) error {
	_, err := s.idb.NewDelete().Model((*sessionRow)(nil)).
		Where("last_seen_at < ? OR created_at < ?", utc(idleBefore), utc(createdBefore)).Exec(ctx)
	return mapErr(err, "delete expired sessions")
}
