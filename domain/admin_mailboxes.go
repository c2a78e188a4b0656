package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// MailboxListing is a mailbox as an admin lists it: its settings and the
// poller's state, with its default category's name ("" when none).
type MailboxListing struct {
	Mailbox
	DefaultCategory string
}

// Mailboxes lists every mailbox in address order.
func (d *Desk) Mailboxes(ctx context.Context) ([]MailboxListing, error) {
	boxes, err := d.store.ListMailboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("list mailboxes: %w", err)
	}
	out := make([]MailboxListing, len(boxes))
	var names map[int64]string
	for i, m := range boxes {
		out[i].Mailbox = m
		if m.DefaultCategoryID == nil {
			continue
		}
		if names == nil {
			cats, err := d.store.ListCategories(ctx)
			if err != nil {
				return nil, fmt.Errorf("list mailboxes: %w", err)
			}
			names = map[int64]string{}
			for _, c := range cats {
				names[c.ID] = c.Name
			}
		}
		out[i].DefaultCategory = names[*m.DefaultCategoryID]
	}
	return out, nil
}

// The administration of mailboxes ("Mail → Mailboxes"): admins only. A
// mailbox holds references to its secrets, never a secret, so the audit
// lines below name only the address, the login kind and who acted. Every
// running serve follows the table: a change reaches its pollers within a
// few seconds (cmd/ticketgate/mailin_reload.go), and connecting an OAuth2
// mailbox wakes its poller at once; see docs/mailboxes.md.

// mailboxFields are the setting names Normalize's errors start with, each
// the field of the admin's form it belongs to.
var mailboxFields = map[string]string{
	"address": "address", "name": "name", "imap_url": "imap_url", "smtp_url": "smtp_url", "auth": "auth",
	"imap_password": "imap_password", "imap_password_env": "imap_password", "imap_password_file": "imap_password",
	"smtp_password": "smtp_password", "smtp_password_env": "smtp_password", "smtp_password_file": "smtp_password",
	"provider": "provider", "grant": "grant", "tenant": "tenant", "client_id": "client_id",
	"client_secret": "client_secret", "client_secret_env": "client_secret", "client_secret_file": "client_secret",
	"auth_url": "auth_url", "token_url": "token_url", "scopes": "scopes", "mechanism": "mechanism",
	"certificate_file": "certificate_file", "service_account_file": "service_account_file",
	"default_category": "default_category",
}

// mailboxFieldError turns an error of Mailbox.Normalize into a FieldErrors
// keyed by the form's field the message is about ("" when it names
// none), the message as a sentence.
func mailboxFieldError(err error) FieldErrors {
	msg := strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")
	rest := strings.TrimPrefix(msg, "oauth2: ")
	field := ""
	end := strings.IndexAny(rest, " :,/")
	if end < 0 {
		end = len(rest)
	}
	if f, ok := mailboxFields[rest[:end]]; ok {
		field = f
		if rest[end:] != "" && rest[end] == ':' {
			rest = strings.TrimSpace(rest[end+1:])
		}
	}
	if rest == "" {
		rest = msg
	}
	return FieldErrors{field: strings.ToUpper(rest[:1]) + rest[1:] + "."}
}

// checkMailbox normalizes m and checks its default category; what is
// wrong is a FieldErrors.
func checkMailbox(ctx context.Context, tx Store, m *Mailbox) error {
	if err := m.Normalize(); err != nil {
		if !errors.Is(err, ErrInvalid) {
			return err
		}
		return mailboxFieldError(err)
	}
	if m.DefaultCategoryID != nil {
		if _, err := tx.GetCategory(ctx, *m.DefaultCategoryID); isNotFound(err) {
			return FieldErrors{"default_category": "That category no longer exists; choose another."}
		} else if err != nil {
			return err
		}
	}
	return nil
}

// CreateMailbox adds mailbox m (in state new). What is wrong with it is a
// FieldErrors; nothing is saved then. An address taken by another mailbox
// is both ErrConflict and a FieldErrors on "address".
func (d *Desk) CreateMailbox(ctx context.Context, actor Actor, m Mailbox) (*Mailbox, error) {
	if err := mustBeAdmin(actor, "create mailbox"); err != nil {
		return nil, err
	}
	m.ID, m.State, m.LastError, m.StateAt = 0, MailboxNew, "", time.Time{}
	taken := FieldErrors{"address": "Another mailbox has this address."}
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		if err := checkMailbox(ctx, tx, &m); err != nil {
			return err
		}
		if _, err := tx.GetMailboxByAddress(ctx, m.Address); err == nil {
			return ErrConflict
		} else if !isNotFound(err) {
			return err
		}
		now := d.clock.Now()
		m.CreatedAt, m.UpdatedAt = now, now
		return tx.CreateMailbox(ctx, &m)
	})
	switch {
	case errors.Is(err, ErrConflict):
		// Taken (or added by another admin at the same moment): both a
		// conflict and the form's message.
		return nil, fmt.Errorf("create mailbox %s: %w (%w)", m.Address, ErrConflict, taken)
	case err != nil:
		return nil, fmt.Errorf("create mailbox: %w", err)
	}
	d.InvalidateMailboxes() // routing and senders see the change at once
	d.log.InfoContext(ctx, "mailbox created", slog.String("mailbox", m.Address), slog.String("auth", m.AuthWords()),
		slog.Bool("enabled", m.Enabled), slog.String("by", actor.String()))
	return &m, nil
}

// UpdateMailbox replaces the settings of the mailbox at address with m's;
// the address itself, the poller's state and the stored tokens stay
// (m.Address is ignored). ErrNotFound when there is no such mailbox;
// what is wrong with the settings is a FieldErrors.
func (d *Desk) UpdateMailbox(ctx context.Context, actor Actor, address string, m Mailbox) (*Mailbox, error) {
	if err := mustBeAdmin(actor, "update mailbox"); err != nil {
		return nil, err
	}
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		cur, err := tx.GetMailboxByAddress(ctx, address)
		if err != nil {
			return err
		}
		m.ID, m.Address, m.State, m.LastError, m.StateAt, m.CreatedAt = cur.ID, cur.Address, cur.State, cur.LastError, cur.StateAt, cur.CreatedAt
		if err := checkMailbox(ctx, tx, &m); err != nil {
			return err
		}
		m.UpdatedAt = d.clock.Now()
		return tx.UpdateMailbox(ctx, &m)
	})
	if _, ok := err.(FieldErrors); ok {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("update mailbox %s: %w", address, err)
	}
	d.InvalidateMailboxes() // routing and senders see the change at once
	d.log.InfoContext(ctx, "mailbox changed", slog.String("mailbox", m.Address), slog.String("auth", m.AuthWords()),
		slog.Bool("enabled", m.Enabled), slog.String("by", actor.String()))
	return &m, nil
}

// SetMailboxEnabled turns polling of the mailbox at address on or off.
func (d *Desk) SetMailboxEnabled(ctx context.Context, actor Actor, address string, on bool) error {
	if err := mustBeAdmin(actor, "enable mailbox"); err != nil {
		return err
	}
	var addr string
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		m, err := tx.GetMailboxByAddress(ctx, address)
		if err != nil {
			return err
		}
		addr = m.Address
		if m.Enabled == on {
			return nil
		}
		m.Enabled, m.UpdatedAt = on, d.clock.Now()
		return tx.UpdateMailbox(ctx, m)
	})
	if err != nil {
		return fmt.Errorf("set mailbox %s enabled: %w", address, err)
	}
	d.InvalidateMailboxes() // routing and senders see the change at once
	d.log.InfoContext(ctx, "mailbox "+map[bool]string{true: "enabled", false: "disabled"}[on], slog.String("mailbox", addr),
		slog.String("by", actor.String()))
	return nil
}

// DeleteMailbox removes the mailbox at address with its stored tokens.
// The mail still in it stays there.
func (d *Desk) DeleteMailbox(ctx context.Context, actor Actor, address string) error {
	if err := mustBeAdmin(actor, "delete mailbox"); err != nil {
		return err
	}
	var addr string
	err := d.store.InTx(ctx, func(ctx context.Context, tx Store) error {
		m, err := tx.GetMailboxByAddress(ctx, address)
		if err != nil {
			return err
		}
		addr = m.Address
		return tx.DeleteMailbox(ctx, m.ID)
	})
	if err != nil {
		return fmt.Errorf("delete mailbox %s: %w", address, err)
	}
	d.InvalidateMailboxes() // routing and senders see the change at once
	d.log.InfoContext(ctx, "mailbox deleted", slog.String("mailbox", addr), slog.String("by", actor.String()))
	return nil
}

// MailboxConnected records that an admin connected the delegated OAuth2
// mailbox at address (its new tokens are stored by then): its state goes
// back to new, "not polled since", until its poller reports.
func (d *Desk) MailboxConnected(ctx context.Context, actor Actor, address string) error {
	if err := mustBeAdmin(actor, "connect mailbox"); err != nil {
		return err
	}
	m, err := d.store.GetMailboxByAddress(ctx, address)
	if err != nil {
		return fmt.Errorf("connect mailbox %s: %w", address, err)
	}
	if err := d.store.SetMailboxState(ctx, m.ID, MailboxNew, "", d.clock.Now()); err != nil {
		return fmt.Errorf("connect mailbox %s: %w", address, err)
	}
	d.log.InfoContext(ctx, "mailbox connected", slog.String("mailbox", m.Address), slog.String("auth", m.AuthWords()),
		slog.String("by", actor.String()))
	return nil
}

// MailboxesNeedingReauthorization returns the addresses of the enabled
// mailboxes whose OAuth2 grant was refused, for the dashboard's banner.
func (d *Desk) MailboxesNeedingReauthorization(ctx context.Context) ([]string, error) {
	boxes, err := d.store.ListMailboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("list mailboxes: %w", err)
	}
	var out []string
	for _, m := range boxes {
		if m.Enabled && m.State == MailboxNeedsReauthorization {
			out = append(out, m.Address)
		}
	}
	return out, nil
}

// Mailbox returns the mailbox at address (any case); ErrNotFound when
// there is none.
func (d *Desk) Mailbox(ctx context.Context, address string) (*Mailbox, error) {
	m, err := d.store.GetMailboxByAddress(ctx, address)
	if err != nil {
		return nil, fmt.Errorf("get mailbox %s: %w", address, err)
	}
	return m, nil
}

// MailboxCategories are the categories a mailbox's default category is
// chosen from, by name.
func (d *Desk) MailboxCategories(ctx context.Context) ([]Category, error) {
	cats, err := d.store.ListCategories(ctx)
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	slices.SortFunc(cats, func(a, b Category) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return cats, nil
}
