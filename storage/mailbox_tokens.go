package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
	"ticketgate/domain/mailauth"
)

// MailboxTokens is the mailauth.TokenStore of one mailbox's delegated
// OAuth2 grant: the tokens sealed in the mailbox's row, under the label
// "mailbox:ADDRESS" (so a value copied to another mailbox's row does not
// open), with their expiry, the refresh lease and token_version. Every
// instance shares the row; Save is one UPDATE that matches only the
// version it read, which is the compare-and-swap RefreshSource relies on
// to let exactly one instance refresh at a time.
type MailboxTokens struct {
	s      *Store
	sealer *mailauth.Sealer
	id     int64
	label  string
}

var _ mailauth.TokenStore = (*MailboxTokens)(nil)

// mailboxTokenRow is the token columns of a mailbox's row.
type mailboxTokenRow struct {
	bun.BaseModel `bun:"table:mailboxes"`

	AccessToken  []byte    `bun:"access_token"`
	RefreshToken []byte    `bun:"refresh_token"`
	Expiry       time.Time `bun:"token_expiry,nullzero"`
	LeaseUntil   time.Time `bun:"token_lease_until,nullzero"`
	Version      int64     `bun:"token_version"`
}

// MailboxTokens returns the token store of mailbox m, sealing with sealer
// (its key derived from SECRET_KEY).
func (s *Store) MailboxTokens(m *domain.Mailbox, sealer *mailauth.Sealer) *MailboxTokens {
	return &MailboxTokens{s: s, sealer: sealer, id: m.ID, label: "mailbox:" + m.Address}
}

// Load implements mailauth.TokenStore. A mailbox never connected (or
// whose tokens were cleared) gives mailauth.ErrNoToken together with the
// row's version, which is what a first Save must compare with.
func (t *MailboxTokens) Load(ctx context.Context) (mailauth.StoredToken, error) {
	var row mailboxTokenRow
	err := t.s.idb.NewSelect().Model(&row).
		Column("access_token", "refresh_token", "token_expiry", "token_lease_until", "token_version").
		Where("id = ?", t.id).Scan(ctx)
	if err != nil {
		return mailauth.StoredToken{}, mapErr(err, "load the tokens of %s", t.label)
	}
	if row.RefreshToken == nil {
		return mailauth.StoredToken{Version: row.Version}, mailauth.ErrNoToken
	}
	tok, err := t.sealer.OpenToken(mailauth.SealedToken{AccessToken: row.AccessToken, RefreshToken: row.RefreshToken,
		Expiry: row.Expiry, LeaseUntil: row.LeaseUntil, Version: row.Version}, t.label)
	if err != nil {
		return mailauth.StoredToken{}, fmt.Errorf("open the tokens of %s: %w", t.label, err)
	}
	if !tok.Expiry.IsZero() {
		tok.Expiry = tok.Expiry.UTC()
	}
	if !tok.LeaseUntil.IsZero() {
		tok.LeaseUntil = tok.LeaseUntil.UTC()
	}
	return tok, nil
}

// Save implements mailauth.TokenStore: it writes new, sealed, only if the
// row still has old's version, and bumps the version.
func (t *MailboxTokens) Save(ctx context.Context, old, new mailauth.StoredToken) error {
	sealed, err := t.sealer.SealToken(new, t.label)
	if err != nil {
		return fmt.Errorf("seal the tokens of %s: %w", t.label, err)
	}
	res, err := t.s.idb.NewUpdate().Model((*mailboxTokenRow)(nil)).
		Set("access_token = ?", sealed.AccessToken).
		Set("refresh_token = ?", sealed.RefreshToken).
		Set("token_expiry = ?", nullTime(sealed.Expiry)).
		Set("token_lease_until = ?", nullTime(sealed.LeaseUntil)).
		Set("token_version = token_version + 1").
		Where("id = ? AND token_version = ?", t.id, old.Version).Exec(ctx)
	err = mustAffect(res, err)
	if !isNotFoundErr(err) {
		return mapErr(err, "save the tokens of %s", t.label)
	}
	// No row matched: another instance saved first, or the mailbox is gone.
	n, cerr := t.s.idb.NewSelect().Model((*mailboxTokenRow)(nil)).Where("id = ?", t.id).Count(ctx)
	switch {
	case cerr != nil:
		return mapErr(cerr, "save the tokens of %s", t.label)
	case n == 0:
		return fmt.Errorf("save the tokens of %s: %w", t.label, domain.ErrNotFound)
	}
	return mailauth.ErrStale
}

// nullTime is t in UTC, or NULL when zero.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}
