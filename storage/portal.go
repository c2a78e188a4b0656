package storage

import (
	"context"
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
	var row sessionRow
	if err := s.idb.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
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

type attemptRow struct {
	bun.BaseModel `bun:"table:auth_attempts"`

	ID    int64     `bun:"id,pk,autoincrement"`
	Scope string    `bun:"scope"`
	Key   string    `bun:"key"`
	At    time.Time `bun:"at"`
}

// ReserveAttempt records an attempt, forgets that key's old ones, and
// returns the new attempt's id.
func (s *Store) ReserveAttempt(ctx context.Context, scope, key string, at, olderThan time.Time) (int64, error) {
	row := &attemptRow{Scope: scope, Key: key, At: utc(at)}
	err := s.tx(ctx, func(ctx context.Context, tx *Store) error {
		if _, err := tx.idb.NewDelete().Model((*attemptRow)(nil)).Where("scope = ?", scope).Where("key = ?", key).
			Where("at < ?", utc(olderThan)).Exec(ctx); err != nil {
			return mapErr(err, "forget old %s attempts", scope)
		}
		_, err := tx.idb.NewInsert().Model(row).Exec(ctx)
		return mapErr(err, "record %s attempt", scope)
	})
	return row.ID, err
}

// ReleaseAttempt forgets attempt id.
func (s *Store) ReleaseAttempt(ctx context.Context, id int64) error {
	_, err := s.idb.NewDelete().Model((*attemptRow)(nil)).Where("id = ?", id).Exec(ctx)
	return mapErr(err, "release attempt %d", id)
}

// LockAttempts takes the lock of one throttle key until the transaction
// ends: on PostgreSQL a transaction-scoped advisory lock on a hash of
// scope and key (a collision only makes two keys wait on each other); on
// SQLite nothing, as every write transaction begins IMMEDIATE and holds
// the database's write lock already.
func (s *Store) LockAttempts(ctx context.Context, scope, key string) error {
	return s.xactLock(ctx, lockKey("attempts\x00"+scope+"\x00"+key), "lock "+scope+" attempts")
}

// CountAttempts counts a key's attempts since a time, and returns the oldest.
func (s *Store) CountAttempts(ctx context.Context, scope, key string, since time.Time) (int, time.Time, error) {
	var rows []attemptRow
	if err := s.idb.NewSelect().Model(&rows).Column("at").Where("scope = ?", scope).Where("key = ?", key).
		Where("at > ?", utc(since)).Order("at").Scan(ctx); err != nil {
		return 0, time.Time{}, mapErr(err, "count %s attempts", scope)
	}
	if len(rows) == 0 {
		return 0, time.Time{}, nil
	}
	return len(rows), rows[0].At.UTC(), nil
}

// ClearAttempts forgets a key's attempts.
func (s *Store) ClearAttempts(ctx context.Context, scope, key string) error {
	_, err := s.idb.NewDelete().Model((*attemptRow)(nil)).Where("scope = ?", scope).Where("key = ?", key).Exec(ctx)
	return mapErr(err, "clear %s attempts", scope)
}
