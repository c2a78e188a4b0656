package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.MailboxStore = (*Store)(nil)

// mailboxRow is a mailbox's settings and state. Its token columns belong
// to MailboxTokens and are never read or written here (but for a delete).
type mailboxRow struct {
	bun.BaseModel `bun:"table:mailboxes"`

	ID                int64     `bun:"id,pk,autoincrement"`
	Address           string    `bun:"address"`
	Name              string    `bun:"name"`
	IMAPURL           string    `bun:"imap_url"`
	SMTPURL           string    `bun:"smtp_url"`
	Auth              string    `bun:"auth"`
	Settings          string    `bun:"settings"` // JSON of mailboxSettings
	DefaultCategoryID *int64    `bun:"default_category_id"`
	Enabled           bool      `bun:"enabled"`
	State             string    `bun:"state"`
	LastError         string    `bun:"last_error"`
	StateAt           time.Time `bun:"state_at,nullzero"`
	CreatedAt         time.Time `bun:"created_at"`
	UpdatedAt         time.Time `bun:"updated_at"`
}

// mailboxColumns are the columns mailboxRow maps: every one but the
// tokens'.
var mailboxColumns = []string{"id", "address", "name", "imap_url", "smtp_url", "auth", "settings", "default_category_id",
	"enabled", "state", "last_error", "state_at", "created_at", "updated_at"}

// mailboxSettings are the settings that are read and written only as a
// whole: references to secrets (names and paths, never values) and the
// OAuth2 settings.
type mailboxSettings struct {
	IMAPPasswordEnv    string   `json:"imap_password_env,omitempty"`
	IMAPPasswordFile   string   `json:"imap_password_file,omitempty"`
	SMTPPasswordEnv    string   `json:"smtp_password_env,omitempty"`
	SMTPPasswordFile   string   `json:"smtp_password_file,omitempty"`
	Provider           string   `json:"provider,omitempty"`
	Grant              string   `json:"grant,omitempty"`
	Tenant             string   `json:"tenant,omitempty"`
	ClientID           string   `json:"client_id,omitempty"`
	AuthURL            string   `json:"auth_url,omitempty"`
	TokenURL           string   `json:"token_url,omitempty"`
	Scopes             []string `json:"scopes,omitempty"`
	Mechanism          string   `json:"mechanism,omitempty"`
	ClientSecretEnv    string   `json:"client_secret_env,omitempty"`
	ClientSecretFile   string   `json:"client_secret_file,omitempty"`
	CertificateFile    string   `json:"certificate_file,omitempty"`
	ServiceAccountFile string   `json:"service_account_file,omitempty"`
}

func toMailboxRow(m *domain.Mailbox) (*mailboxRow, error) {
	o := m.OAuth2
	settings, err := json.Marshal(mailboxSettings{
		IMAPPasswordEnv: m.IMAPPassword.Env, IMAPPasswordFile: m.IMAPPassword.File,
		SMTPPasswordEnv: m.SMTPPassword.Env, SMTPPasswordFile: m.SMTPPassword.File,
		Provider: string(o.Provider), Grant: string(o.Grant), Tenant: o.Tenant, ClientID: o.ClientID,
		AuthURL: o.AuthURL, TokenURL: o.TokenURL, Scopes: o.Scopes, Mechanism: o.Mechanism,
		ClientSecretEnv: o.ClientSecret.Env, ClientSecretFile: o.ClientSecret.File,
		CertificateFile: o.CertificateFile, ServiceAccountFile: o.ServiceAccountFile})
	if err != nil {
		return nil, err
	}
	return &mailboxRow{ID: m.ID, Address: m.Address, Name: m.Name, IMAPURL: m.IMAPURL, SMTPURL: m.SMTPURL,
		Auth: string(m.Auth), Settings: string(settings), DefaultCategoryID: m.DefaultCategoryID, Enabled: m.Enabled,
		State: string(m.State), LastError: m.LastError, StateAt: utc(m.StateAt),
		CreatedAt: utc(m.CreatedAt), UpdatedAt: utc(m.UpdatedAt)}, nil
}

func (r *mailboxRow) domain() (domain.Mailbox, error) {
	m := domain.Mailbox{ID: r.ID, Address: r.Address, Name: r.Name, IMAPURL: r.IMAPURL, SMTPURL: r.SMTPURL,
		Auth: domain.MailboxAuth(r.Auth), DefaultCategoryID: r.DefaultCategoryID, Enabled: r.Enabled,
		State: domain.MailboxStatus(r.State), LastError: r.LastError, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if !r.StateAt.IsZero() {
		m.StateAt = r.StateAt.UTC()
	}
	var s mailboxSettings
	if err := json.Unmarshal([]byte(r.Settings), &s); err != nil {
		return m, fmt.Errorf("mailbox %s settings: %w", r.Address, err)
	}
	m.IMAPPassword = domain.SecretRef{Env: s.IMAPPasswordEnv, File: s.IMAPPasswordFile}
	m.SMTPPassword = domain.SecretRef{Env: s.SMTPPasswordEnv, File: s.SMTPPasswordFile}
	m.OAuth2 = domain.MailboxOAuth2{Provider: domain.OAuth2Provider(s.Provider), Grant: domain.OAuth2Grant(s.Grant),
		Tenant: s.Tenant, ClientID: s.ClientID, AuthURL: s.AuthURL, TokenURL: s.TokenURL, Scopes: s.Scopes,
		Mechanism: s.Mechanism, ClientSecret: domain.SecretRef{Env: s.ClientSecretEnv, File: s.ClientSecretFile},
		CertificateFile: s.CertificateFile, ServiceAccountFile: s.ServiceAccountFile}
	return m, nil
}

// CreateMailbox inserts m; see domain.MailboxStore.
func (s *Store) CreateMailbox(ctx context.Context, m *domain.Mailbox) error {
	if m.State == "" {
		m.State = domain.MailboxNew
	}
	row, err := toMailboxRow(m)
	if err != nil {
		return err
	}
	if _, err := s.idb.NewInsert().Model(row).Column(mailboxColumns[1:]...).Returning("id").Exec(ctx); err != nil {
		return mapErr(err, "create mailbox %s", m.Address)
	}
	m.ID = row.ID
	return nil
}

// UpdateMailbox writes m's settings; see domain.MailboxStore.
func (s *Store) UpdateMailbox(ctx context.Context, m *domain.Mailbox) error {
	row, err := toMailboxRow(m)
	if err != nil {
		return err
	}
	res, err := s.idb.NewUpdate().Model(row).
		Column("address", "name", "imap_url", "smtp_url", "auth", "settings", "default_category_id", "enabled", "updated_at").
		WherePK().Exec(ctx)
	return mapErr(mustAffect(res, err), "update mailbox %s", m.Address)
}

// DeleteMailbox removes mailbox id and its tokens.
func (s *Store) DeleteMailbox(ctx context.Context, id int64) error {
	res, err := s.idb.NewDelete().Model((*mailboxRow)(nil)).Where("id = ?", id).Exec(ctx)
	return mapErr(mustAffect(res, err), "delete mailbox %d", id)
}

// GetMailboxByAddress returns the mailbox of address (any case).
func (s *Store) GetMailboxByAddress(ctx context.Context, address string) (*domain.Mailbox, error) {
	var row mailboxRow
	if err := s.idb.NewSelect().Model(&row).Column(mailboxColumns...).Where("lower(address) = lower(?)", address).Scan(ctx); err != nil {
		return nil, mapErr(err, "get mailbox %s", address)
	}
	return decodeOne[domain.Mailbox](&row)
}

// ListMailboxes returns every mailbox in address order.
func (s *Store) ListMailboxes(ctx context.Context) ([]domain.Mailbox, error) {
	var rows []mailboxRow
	q := s.builtSQL("mailboxes", func(db *bun.DB) string {
		return db.NewSelect().Model(&rows).Column(mailboxColumns...).Order("address").String()
	})
	if err := s.scanCached(ctx, &rows, q); err != nil {
		return nil, mapErr(err, "list mailboxes")
	}
	return decodeRows[domain.Mailbox](rows)
}

// SetMailboxState records the poller's view; see domain.MailboxStore.
func (s *Store) SetMailboxState(ctx context.Context, id int64, state domain.MailboxStatus, lastError string, at time.Time) error {
	if _, err := domain.ParseMailboxStatus(string(state)); err != nil {
		return err
	}
	q := s.idb.NewUpdate().Model((*mailboxRow)(nil)).
		Set("state_at = CASE WHEN state = ? AND last_error = ? THEN state_at ELSE ? END", string(state), lastError, utc(at)).
		Set("state = ?", string(state)).
		Set("last_error = ?", lastError)
	if state == domain.MailboxOK {
		// Working again: the next refusal is news for the admins.
		q = q.Set("reauth_notified_at = NULL")
	}
	res, err := q.Where("id = ?", id).Exec(ctx)
	return mapErr(mustAffect(res, err), "set mailbox %d state", id)
}

// MailboxesVersion summarizes the table in one aggregate query; see
// domain.MailboxStore.
func (s *Store) MailboxesVersion(ctx context.Context) (domain.MailboxesVersion, error) {
	var v domain.MailboxesVersion
	var last bun.NullTime
	err := s.idb.NewSelect().Model((*mailboxRow)(nil)).
		ColumnExpr("count(*), coalesce(max(id), 0), max(updated_at)").
		Scan(ctx, &v.Count, &v.MaxID, &last)
	if err != nil {
		return v, mapErr(err, "mailboxes version")
	}
	if !last.IsZero() {
		v.LastUpdate = last.Time.UTC()
	}
	return v, nil
}
