package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

type passwordLinkRow struct {
	bun.BaseModel `bun:"table:password_links"`

	ID         string     `bun:"id,pk"`
	UserID     int64      `bun:"user_id"`
	SecretHash string     `bun:"secret_hash"`
	Purpose    string     `bun:"purpose"`
	CreatedAt  time.Time  `bun:"created_at"`
	ExpiresAt  time.Time  `bun:"expires_at"`
	UsedAt     *time.Time `bun:"used_at"`
}

// CreatePasswordLink inserts l.
func (s *Store) CreatePasswordLink(ctx context.Context, l *domain.PasswordLink) error {
	row := &passwordLinkRow{ID: l.ID, UserID: l.UserID, SecretHash: l.SecretHash, Purpose: l.Purpose,
		CreatedAt: utc(l.CreatedAt), ExpiresAt: utc(l.ExpiresAt), UsedAt: utcPtr(l.UsedAt)}
	_, err := s.idb.NewInsert().Model(row).Exec(ctx)
	return mapErr(err, "create password link for user %d", l.UserID)
}

// GetPasswordLink returns link id.
func (s *Store) GetPasswordLink(ctx context.Context, id string) (*domain.PasswordLink, error) {
	var row passwordLinkRow
	if err := s.idb.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, mapErr(err, "get password link")
	}
	return &domain.PasswordLink{ID: row.ID, UserID: row.UserID, SecretHash: row.SecretHash, Purpose: row.Purpose,
		CreatedAt: row.CreatedAt.UTC(), ExpiresAt: row.ExpiresAt.UTC(), UsedAt: utcPtr(row.UsedAt)}, nil
}

// SpendPasswordLink marks link id used if it is not yet.
func (s *Store) SpendPasswordLink(ctx context.Context, id string, at time.Time) error {
	res, err := s.idb.NewUpdate().Model((*passwordLinkRow)(nil)).Set("used_at = ?", utc(at)).
		Where("id = ?", id).Where("used_at IS NULL").Exec(ctx)
	return mapErr(mustAffect(res, err), "spend password link")
}

// UsePasswordLinks marks every unused link of a user used.
func (s *Store) UsePasswordLinks(ctx context.Context, userID int64, at time.Time) error {
	_, err := s.idb.NewUpdate().Model((*passwordLinkRow)(nil)).Set("used_at = ?", utc(at)).
		Where("user_id = ?", userID).Where("used_at IS NULL").Exec(ctx)
	return mapErr(err, "use password links of user %d", userID)
}

type passwordLinkRequestRow struct {
	bun.BaseModel `bun:"table:password_link_requests"`

	ID          int64     `bun:"id,pk,autoincrement"`
	Email       string    `bun:"email"`
	ClientAddr  string    `bun:"client_addr"`
	BaseURL     string    `bun:"base_url"`
	RequestedAt time.Time `bun:"requested_at"`
}

// QueuePasswordLinkRequest records a "forgot password" ask.
func (s *Store) QueuePasswordLinkRequest(ctx context.Context, r *domain.PasswordLinkRequest) error {
	row := &passwordLinkRequestRow{Email: r.Email, ClientAddr: r.ClientAddr, BaseURL: r.BaseURL, RequestedAt: utc(r.RequestedAt)}
	if _, err := s.idb.NewInsert().Model(row).Exec(ctx); err != nil {
		return mapErr(err, "queue password link request")
	}
	r.ID = row.ID
	return nil
}

// ClaimPasswordLinkRequest returns the oldest ask that no other
// transaction holds, locked until this one ends (FOR UPDATE SKIP LOCKED
// on PostgreSQL; SQLite runs one writer at a time).
func (s *Store) ClaimPasswordLinkRequest(ctx context.Context) (*domain.PasswordLinkRequest, error) {
	var row passwordLinkRequestRow
	q := s.idb.NewSelect().Model(&row).OrderExpr("id").Limit(1)
	if s.Postgres() {
		q = q.For("UPDATE SKIP LOCKED")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err, "claim password link request")
	}
	return &domain.PasswordLinkRequest{ID: row.ID, Email: row.Email, ClientAddr: row.ClientAddr, BaseURL: row.BaseURL,
		RequestedAt: row.RequestedAt.UTC()}, nil
}

// DeletePasswordLinkRequest removes ask id.
func (s *Store) DeletePasswordLinkRequest(ctx context.Context, id int64) error {
	_, err := s.idb.NewDelete().Model((*passwordLinkRequestRow)(nil)).Where("id = ?", id).Exec(ctx)
	return mapErr(err, "delete password link request %d", id)
}
