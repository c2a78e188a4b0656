package domain

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// SetupMailbox is a mailbox in a setup file. Secrets are named, never
// given: *_env is an environment variable's name, *_file a file's path.
// Enabled left out means true. The poller's state is not part of it.
type SetupMailbox struct {
	Address          string       `json:"address"`
	Name             string       `json:"name,omitempty"`
	IMAPURL          string       `json:"imap_url,omitempty"`
	SMTPURL          string       `json:"smtp_url,omitempty"`
	Auth             string       `json:"auth,omitempty"`
	IMAPPasswordEnv  string       `json:"imap_password_env,omitempty"`
	IMAPPasswordFile string       `json:"imap_password_file,omitempty"`
	SMTPPasswordEnv  string       `json:"smtp_password_env,omitempty"`
	SMTPPasswordFile string       `json:"smtp_password_file,omitempty"`
	OAuth2           *SetupOAuth2 `json:"oauth2,omitempty"`
	DefaultCategory  string       `json:"default_category,omitempty"`
	Enabled          *bool        `json:"enabled,omitempty"`
	line             int
}

// SetupOAuth2 is a mailbox's OAuth2 settings in a setup file.
type SetupOAuth2 struct {
	Provider           string   `json:"provider"`
	Grant              string   `json:"grant"`
	Tenant             string   `json:"tenant,omitempty"`
	ClientID           string   `json:"client_id,omitempty"`
	ClientSecretEnv    string   `json:"client_secret_env,omitempty"`
	ClientSecretFile   string   `json:"client_secret_file,omitempty"`
	CertificateFile    string   `json:"certificate_file,omitempty"`
	ServiceAccountFile string   `json:"service_account_file,omitempty"`
	AuthURL            string   `json:"auth_url,omitempty"`
	TokenURL           string   `json:"token_url,omitempty"`
	Scopes             []string `json:"scopes,omitempty"`
	Mechanism          string   `json:"mechanism,omitempty"`
}

// inlineSecrets are fields a setup file might try to give a secret in;
// their error says how to name it instead.
var inlineSecrets = map[string]string{
	"password":      "imap_password_env or imap_password_file (and smtp_password_…)",
	"imap_password": "imap_password_env or imap_password_file",
	"smtp_password": "smtp_password_env or smtp_password_file",
	"client_secret": "client_secret_env or client_secret_file",
	"refresh_token": "nothing: connect the mailbox from the admin page (Mail → Mailboxes)",
	"access_token":  "nothing: ticketgate fetches its own",
}

// inlineSecretHint explains an unknown field that looks like an inline
// secret; "" for other fields.
func inlineSecretHint(msg string) string {
	for field, use := range inlineSecrets {
		if strings.Contains(msg, fmt.Sprintf("unknown field %q", field)) {
			return fmt.Sprintf(" (secrets are never written in the setup file: use %s)", use)
		}
	}
	return ""
}

// mailbox converts sm; the default category stays a name (resolved by
// ApplySetup).
func (sm SetupMailbox) mailbox() Mailbox {
	m := Mailbox{Address: sm.Address, Name: sm.Name, IMAPURL: sm.IMAPURL, SMTPURL: sm.SMTPURL, Auth: MailboxAuth(sm.Auth),
		IMAPPassword: SecretRef{Env: sm.IMAPPasswordEnv, File: sm.IMAPPasswordFile},
		SMTPPassword: SecretRef{Env: sm.SMTPPasswordEnv, File: sm.SMTPPasswordFile},
		Enabled:      sm.Enabled == nil || *sm.Enabled}
	if o := sm.OAuth2; o != nil {
		m.OAuth2 = MailboxOAuth2{Provider: OAuth2Provider(o.Provider), Grant: OAuth2Grant(o.Grant), Tenant: o.Tenant,
			ClientID: o.ClientID, AuthURL: o.AuthURL, TokenURL: o.TokenURL, Scopes: slices.Clone(o.Scopes),
			Mechanism: o.Mechanism, ClientSecret: SecretRef{Env: o.ClientSecretEnv, File: o.ClientSecretFile},
			CertificateFile: o.CertificateFile, ServiceAccountFile: o.ServiceAccountFile}
	}
	return m
}

// fromMailbox is m in the setup file's form, with its default category's
// name.
func fromMailbox(m Mailbox, category string) SetupMailbox {
	enabled := m.Enabled
	sm := SetupMailbox{Address: m.Address, Name: m.Name, IMAPURL: m.IMAPURL, SMTPURL: m.SMTPURL, Auth: string(m.Auth),
		IMAPPasswordEnv: m.IMAPPassword.Env, IMAPPasswordFile: m.IMAPPassword.File,
		SMTPPasswordEnv: m.SMTPPassword.Env, SMTPPasswordFile: m.SMTPPassword.File,
		DefaultCategory: category, Enabled: &enabled}
	if m.Auth == AuthOAuth2 {
		o := m.OAuth2
		sm.OAuth2 = &SetupOAuth2{Provider: string(o.Provider), Grant: string(o.Grant), Tenant: o.Tenant, ClientID: o.ClientID,
			ClientSecretEnv: o.ClientSecret.Env, ClientSecretFile: o.ClientSecret.File, CertificateFile: o.CertificateFile,
			ServiceAccountFile: o.ServiceAccountFile, AuthURL: o.AuthURL, TokenURL: o.TokenURL,
			Scopes: slices.Clone(o.Scopes), Mechanism: o.Mechanism}
	}
	return sm
}

// validateMailboxes checks f's mailboxes and normalizes them in place.
func (f *SetupFile) validateMailboxes() error {
	seen := map[string]int{}
	for i := range f.Mailboxes {
		sm := &f.Mailboxes[i]
		where := fmt.Sprintf("mailboxes[%d]", i)
		m := sm.mailbox()
		if err := m.Normalize(); err != nil {
			return &SetupError{Line: sm.line, Where: where, Err: err}
		}
		if prev, dup := seen[m.Address]; dup {
			return &SetupError{Line: sm.line, Where: where, Err: fmt.Errorf("%w: mailbox %s is named twice (first at line %d)", ErrInvalid, m.Address, prev)}
		}
		seen[m.Address] = sm.line
		category := strings.Join(strings.Fields(sm.DefaultCategory), " ")
		line := sm.line
		*sm = fromMailbox(m, category)
		sm.line = line
	}
	return nil
}

// sameMailboxSettings reports whether a and b have the same settings (state
// and times aside).
func sameMailboxSettings(a, b *Mailbox) bool {
	if !sameInt64(a.DefaultCategoryID, b.DefaultCategoryID) {
		return false
	}
	x, errX := json.Marshal(fromMailbox(*a, ""))
	y, errY := json.Marshal(fromMailbox(*b, ""))
	return errX == nil && errY == nil && bytes.Equal(x, y)
}

func sameInt64(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func (d *Desk) applyMailboxes(ctx context.Context, tx Store, f *SetupFile, prune bool, rep *SetupReport) error {
	now := d.clock.Now()
	named := map[string]bool{}
	for i, sm := range f.Mailboxes {
		where := fmt.Sprintf("mailboxes[%d]", i)
		want := sm.mailbox()
		if err := want.Normalize(); err != nil {
			return &SetupError{Line: sm.line, Where: where, Err: err}
		}
		named[want.Address] = true
		if sm.DefaultCategory != "" {
			c, err := tx.GetCategoryByName(ctx, sm.DefaultCategory)
			if isNotFound(err) {
				return &SetupError{Line: sm.line, Where: where, Err: fmt.Errorf("%w: default_category: no category named %q", ErrInvalid, sm.DefaultCategory)}
			}
			if err != nil {
				return err
			}
			want.DefaultCategoryID = &c.ID
		}
		cur, err := tx.GetMailboxByAddress(ctx, want.Address)
		switch {
		case isNotFound(err):
			want.CreatedAt, want.UpdatedAt = now, now
			if err := tx.CreateMailbox(ctx, &want); err != nil {
				return fmt.Errorf("create mailbox %s: %w", want.Address, err)
			}
			rep.add(&rep.Created, "mailbox %s: created (%s)", want.Address, want.AuthWords())
			continue
		case err != nil:
			return err
		}
		if sameMailboxSettings(cur, &want) {
			rep.add(&rep.Unchanged, "mailbox %s: unchanged", cur.Address)
			continue
		}
		want.ID, want.State, want.LastError, want.StateAt, want.CreatedAt, want.UpdatedAt = cur.ID, cur.State, cur.LastError, cur.StateAt, cur.CreatedAt, now
		if err := tx.UpdateMailbox(ctx, &want); err != nil {
			return fmt.Errorf("update mailbox %s: %w", want.Address, err)
		}
		rep.add(&rep.Changed, "mailbox %s: changed", want.Address)
	}
	if !prune {
		return nil
	}
	all, err := tx.ListMailboxes(ctx)
	if err != nil {
		return err
	}
	for _, m := range all {
		if named[m.Address] {
			continue
		}
		if err := tx.DeleteMailbox(ctx, m.ID); err != nil {
			return fmt.Errorf("delete mailbox %s: %w", m.Address, err)
		}
		rep.add(&rep.Pruned, "mailbox %s: removed", m.Address)
	}
	return nil
}

// AuthWords says how m logs in, for reports and lists: "password", or
// "oauth2 microsoft365 delegated".
func (m *Mailbox) AuthWords() string {
	if m.Auth != AuthOAuth2 {
		return "password"
	}
	return fmt.Sprintf("oauth2 %s %s", m.OAuth2.Provider, m.OAuth2.Grant)
}

// exportMailboxes adds the database's mailboxes to f, by reference only.
func (d *Desk) exportMailboxes(ctx context.Context, f *SetupFile, categories map[int64]string) error {
	boxes, err := d.store.ListMailboxes(ctx)
	if err != nil {
		return err
	}
	for _, m := range boxes {
		name := ""
		if m.DefaultCategoryID != nil {
			name = categories[*m.DefaultCategoryID]
		}
		f.Mailboxes = append(f.Mailboxes, fromMailbox(m, name))
	}
	return nil
}
