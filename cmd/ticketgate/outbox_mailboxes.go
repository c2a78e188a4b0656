package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"time"

	"ticketgate/domain"
	"ticketgate/outbox"
	"ticketgate/storage"
)

// This file gives the outbox worker the relay of each mailbox (issue 14):
// a mailbox's mail goes out through its smtp_url with its own login (the
// password the row names, or the same OAuth2 login as its IMAP poller),
// with the mailbox's address as envelope sender. A mailbox without
// smtp_url sends through SMTP_URL's relay, still from its address; the
// mail of a mailbox disabled or deleted goes out as the default mailbox's.

// mailboxSenders is the worker's outbox.Senders. It keeps one relay per
// mailbox, made at its first mail and again when the row changes (its
// updated_at), so their number is bounded by the mailboxes'.
type mailboxSenders struct {
	desk    *domain.Desk // its cached copy of the mailboxes
	st      *storage.Store
	secrets mailboxSecrets
	caFile  string
	local   string           // EHLO name
	relay   outbox.Transport // SMTP_URL's
	log     *slog.Logger

	mu     sync.Mutex
	relays map[string]mailboxRelay // by address
}

type mailboxRelay struct {
	updated time.Time
	tr      outbox.Transport
}

// Sender implements outbox.Senders.
func (s *mailboxSenders) Sender(ctx context.Context, mailbox string) (outbox.Transport, string, bool) {
	m, ok, err := s.desk.ActiveMailbox(ctx, mailbox)
	if err != nil {
		s.log.Warn("mailboxes unreadable: mail goes out through the default relay", slog.String("mailbox", mailbox), slog.Any("error", err))
		return nil, "", false
	}
	if !ok {
		return nil, "", false
	}
	if m.SMTPURL == "" {
		return s.relay, m.Address, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.relays[m.Address]; ok && r.updated.Equal(m.UpdatedAt) {
		return r.tr, m.Address, true
	}
	var tr outbox.Transport
	smtp, err := s.build(&m)
	if err != nil {
		// The mail waits (a temporary failure, retried with backoff) with
		// the reason as its last error, until the mailbox is fixed.
		s.log.Error("mailbox relay not usable", slog.String("mailbox", m.Address), slog.String("error", err.Error()))
		tr = &brokenRelay{err: err}
	} else {
		s.log.Info("mailbox relay", slog.String("mailbox", m.Address), slog.String("relay", smtp.String()))
		tr = smtp
	}
	if s.relays == nil {
		s.relays = map[string]mailboxRelay{}
	}
	s.relays[m.Address] = mailboxRelay{updated: m.UpdatedAt, tr: tr}
	return tr, m.Address, true
}

// build makes m's relay: its smtp_url with the password the row names, or
// with its OAuth2 login. Errors never hold a secret.
func (s *mailboxSenders) build(m *domain.Mailbox) (*outbox.SMTP, error) {
	u, err := url.Parse(m.SMTPURL)
	if err != nil {
		return nil, fmt.Errorf("mailbox %s: smtp_url: not a URL", m.Address)
	}
	user := loginUser(m, m.SMTPURL)
	cfg := outbox.SMTPConfig{CAFile: s.caFile, LocalName: s.local}
	switch m.Auth {
	case domain.AuthOAuth2:
		u.User = url.User(user)
		port, _ := strconv.Atoi(u.Port())
		if port == 0 {
			port = map[string]int{"smtp": 587, "smtps": 465}[u.Scheme]
		}
		login, err := s.secrets.login(m, user, u.Hostname(), port, s.st)
		if err != nil {
			return nil, fmt.Errorf("mailbox %s: %v", m.Address, err)
		}
		cfg.SASL = login.Factory()
	default:
		pw, err := s.secrets.read(m.SMTPPassword, "smtp_password")
		if err != nil {
			return nil, fmt.Errorf("mailbox %s: %v", m.Address, err)
		}
		if pw == "" {
			u.User = nil // a relay that takes the mailbox's mail without a login
		} else {
			u.User = url.UserPassword(user, pw)
		}
	}
	cfg.URL = u.String()
	smtp, err := outbox.NewSMTP(cfg)
	if err != nil {
		return nil, fmt.Errorf("mailbox %s: smtp_url: %v", m.Address, err)
	}
	return smtp, nil
}

// brokenRelay is the relay of a mailbox whose settings cannot be used (a
// secret missing): every session fails with the reason.
type brokenRelay struct{ err error }

func (b *brokenRelay) Dial(context.Context) (outbox.Conn, error) { return nil, b.err }
