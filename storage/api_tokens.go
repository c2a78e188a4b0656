package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.APITokenStore = (*Store)(nil)

// apiTokenRow is an API token; UserEmail is read from users.
type apiTokenRow struct {
	bun.BaseModel `bun:"table:api_tokens,alias:at"`

	ID         int64      `bun:"id,pk,autoincrement"`
	Name       string     `bun:"name"`
	UserID     int64      `bun:"user_id"`
	UserEmail  string     `bun:"user_email,scanonly"`
	Scope      string     `bun:"scope"`
	Hash       string     `bun:"hash"`
	CreatedAt  time.Time  `bun:"created_at"`
	LastUsedAt *time.Time `bun:"last_used_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
}

func (r *apiTokenRow) domain() domain.APIToken {
	return domain.APIToken{ID: r.ID, Name: r.Name, UserID: r.UserID, UserEmail: r.UserEmail, Scope: domain.APIScope(r.Scope),
		Hash: r.Hash, CreatedAt: r.CreatedAt.UTC(), LastUsedAt: utcPtr(r.LastUsedAt), RevokedAt: utcPtr(r.RevokedAt)}
}

func (s *Store) selectAPITokens(rows any) *bun.SelectQuery {
	return s.idb.NewSelect().Model(rows).
		ColumnExpr("at.id, at.name, at.user_id, at.scope, at.hash, at.created_at, at.last_used_at, at.revoked_at").
		ColumnExpr("u.email AS user_email").
		Join("JOIN users AS u ON u.id = at.user_id")
}

// CreateAPIToken inserts t; see domain.APITokenStore.
func (s *Store) CreateAPIToken(ctx context.Context, t *domain.APIToken) error {
	row := &apiTokenRow{Name: t.Name, UserID: t.UserID, Scope: string(t.Scope), Hash: t.Hash, CreatedAt: utc(t.CreatedAt)}
	if _, err := s.idb.NewInsert().Model(row).Column("name", "user_id", "scope", "hash", "created_at").
		Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "create API token %q", t.Name)
	}
	t.ID = row.ID
	return nil
}

// GetAPITokenByHash returns the token with that hash.
func (s *Store) GetAPITokenByHash(ctx context.Context, hash string) (*domain.APIToken, error) {
	var row apiTokenRow
	if err := s.selectAPITokens(&row).Where("at.hash = ?", hash).Scan(ctx); err != nil {
		return nil, mapErr(err, "get API token")
	}
	t := row.domain()
	return &t, nil
}

// ListAPITokens returns every token in id order.
func (s *Store) ListAPITokens(ctx context.Context) ([]domain.APIToken, error) {
	var rows []apiTokenRow
	if err := s.selectAPITokens(&rows).OrderExpr("at.id").Scan(ctx); err != nil {
		return nil, mapErr(err, "list API tokens")
	}
	out := make([]domain.APIToken, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// RevokeAPIToken sets revoked_at once.
func (s *Store) RevokeAPIToken(ctx context.Context, id int64, at time.Time) error {
	res, err := s.idb.NewUpdate().Model((*apiTokenRow)(nil)).Set("revoked_at = COALESCE(revoked_at, ?)", utc(at)).
		Where("id = ?", id).Exec(ctx)
	return mapErr(mustAffect(res, err), "revoke API token %d", id)
}

// TouchAPIToken sets last_used_at.
func (s *Store) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	res, err := s.idb.NewUpdate().Model((*apiTokenRow)(nil)).Set("last_used_at = ?", utc(at)).Where("id = ?", id).Exec(ctx)
	return mapErr(mustAffect(res, err), "touch API token %d", id)
}

// apiIdempotencyRow is the ticket an Idempotency-Key opened.
type apiIdempotencyRow struct {
	bun.BaseModel `bun:"table:api_idempotency"`

	TokenID   int64     `bun:"token_id,pk"`
	Key       string    `bun:"idem_key,pk"`
	TicketID  int64     `bun:"ticket_id"`
	CreatedAt time.Time `bun:"created_at"`
}

// IdempotentTicket returns the ticket key of token tokenID opened.
func (s *Store) IdempotentTicket(ctx context.Context, tokenID int64, key string) (int64, error) {
	var row apiIdempotencyRow
	if err := s.idb.NewSelect().Model(&row).Where("token_id = ? AND idem_key = ?", tokenID, key).Scan(ctx); err != nil {
		return 0, mapErr(err, "idempotency key")
	}
	return row.TicketID, nil
}

// SaveIdempotentTicket records key; ErrConflict if it is taken.
func (s *Store) SaveIdempotentTicket(ctx context.Context, tokenID int64, key string, ticketID int64, at time.Time) error {
	row := &apiIdempotencyRow{TokenID: tokenID, Key: key, TicketID: ticketID, CreatedAt: utc(at)}
	_, err := s.idb.NewInsert().Model(row).Exec(ctx)
	return mapErr(err, "save idempotency key")
}
