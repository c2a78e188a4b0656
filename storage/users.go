package storage

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

type userRow struct {
	bun.BaseModel `bun:"table:users"`

	ID                 int64     `bun:"id,pk,autoincrement"`
	Email              string    `bun:"email"`
	Name               string    `bun:"name"`
	Role               string    `bun:"role"`
	PasswordHash       string    `bun:"password_hash"`
	MustChangePassword bool      `bun:"must_change_password"`
	Disabled           bool      `bun:"disabled"`
	Language           string    `bun:"language"`
	TimeZone           string    `bun:"timezone"`
	CreatedAt          time.Time `bun:"created_at"`
	UpdatedAt          time.Time `bun:"updated_at"`
}

func toUserRow(u *domain.User) *userRow {
	return &userRow{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), PasswordHash: u.PasswordHash,
		MustChangePassword: u.MustChangePassword, Disabled: u.Disabled, Language: u.Language, TimeZone: u.TimeZone, CreatedAt: utc(u.CreatedAt), UpdatedAt: utc(u.UpdatedAt)}
}

func (r *userRow) domain() domain.User {
	return domain.User{ID: r.ID, Email: r.Email, Name: r.Name, Role: domain.Role(r.Role), PasswordHash: r.PasswordHash,
		MustChangePassword: r.MustChangePassword, Disabled: r.Disabled, Language: r.Language, TimeZone: r.TimeZone, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// CreateUser inserts u; see domain.UserStore.
func (s *Store) CreateUser(ctx context.Context, u *domain.User) error {
	row := toUserRow(u)
	if _, err := s.idb.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "create user %s", u.Email)
	}
	u.ID = row.ID
	return nil
}

// UpdateUser writes every field of u.
func (s *Store) UpdateUser(ctx context.Context, u *domain.User) error {
	res, err := s.idb.NewUpdate().Model(toUserRow(u)).WherePK().Exec(ctx)
	return mapErr(mustAffect(res, err), "update user %d", u.ID)
}

// GetUser returns user id.
// Its statement is prepared once (stmt_cache.go): intake reads the
// assignee of each ticket it assigns.
func (s *Store) GetUser(ctx context.Context, id int64) (*domain.User, error) {
	var row userRow
	err := s.scanCached(ctx, &row, "SELECT id, email, name, role, password_hash, must_change_password, disabled, language, timezone, created_at, updated_at "+
		"FROM users WHERE id = ?", id)
	if err == nil && row.ID == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return nil, mapErr(err, "get user %d", id)
	}
	u := row.domain()
	return &u, nil
}

// GetUserByEmail returns the user with a normalized address.
func (s *Store) GetUserByEmail(ctx context.Context, email string) (*domain.User, error) {
	var row userRow
	if err := s.idb.NewSelect().Model(&row).Where("email = ?", email).Scan(ctx); err != nil {
		return nil, mapErr(err, "get user %s", email)
	}
	u := row.domain()
	return &u, nil
}

// ListUsers returns users in id order.
func (s *Store) ListUsers(ctx context.Context, f domain.UserFilter) ([]domain.User, error) {
	var rows []userRow
	q := s.idb.NewSelect().Model(&rows).Order("id")
	if f.Role != "" {
		q = q.Where("role = ?", string(f.Role))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, mapErr(err, "list users")
	}
	out := make([]domain.User, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// CountUsers returns how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	n, err := s.idb.NewSelect().Model((*userRow)(nil)).Count(ctx)
	return int(n), mapErr(err, "count users")
}

// UsersByEmail returns the users with these normalized addresses.
func (s *Store) UsersByEmail(ctx context.Context, emails []string) ([]domain.User, error) {
	if len(emails) == 0 {
		return nil, nil
	}
	var rows []userRow
	if err := s.idb.NewSelect().Model(&rows).Where("email IN (?)", bun.In(emails)).Scan(ctx); err != nil {
		return nil, mapErr(err, "users by email")
	}
	out := make([]domain.User, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// SearchUsers returns a page of the users that match q; see
// domain.AdminStore. Text matches a substring of the address or the name,
// case-insensitively (% and _ in it are literal).
func (s *Store) SearchUsers(ctx context.Context, q domain.UserQuery, offset, limit int) ([]domain.User, int, error) {
	var rows []userRow
	sel := s.idb.NewSelect().Model(&rows)
	if q.Role != "" {
		sel = sel.Where("role = ?", string(q.Role))
	}
	if t := strings.TrimSpace(q.Text); t != "" {
		pattern := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(t)) + "%"
		sel = sel.Where(`(lower(email) LIKE ? ESCAPE '\' OR lower(name) LIKE ? ESCAPE '\')`, pattern, pattern)
	}
	total, err := sel.Order("id").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, mapErr(err, "search users")
	}
	out := make([]domain.User, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, int(total), nil
}
