package domain_test

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"

	"golang.org/x/crypto/bcrypt"
)

// The helpers of the Desk's use-case tests, which run on both databases
// through storagetest.

func mustUser(t testing.TB, s *storage.Store, email string, role domain.Role) *domain.User {
	t.Helper()
	u := &domain.User{Email: email, Role: role, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func readAttachment(t *testing.T, s *storage.Store, id int64) (*domain.Attachment, error) {
	t.Helper()
	a, rc, err := s.OpenAttachment(context.Background(), id)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if a.Content, err = io.ReadAll(rc); err != nil {
		return nil, err
	}
	return a, nil
}

type fixedClock struct{}

func (fixedClock) Now() time.Time { return t0 }

func newDesk(t *testing.T, s *storage.Store) *domain.Desk {
	return domain.NewDesk(s, fixedClock{}, storagetest.Logger(t))
}

// movingClock is a clock the test moves forward.
type movingClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *movingClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *movingClock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// linkComposer renders a password link mail as its link alone, so a test
// can read it back from the outbox.
type linkComposer struct{}

func (linkComposer) Compose(_ context.Context, m domain.Mail) (*domain.OutboxMessage, error) {
	return &domain.OutboxMessage{Kind: string(m.Kind), To: m.To, Subject: m.Vars["purpose"] + " " + m.Vars["link"],
		MessageID: "test@x", Raw: []byte(m.Vars["link"])}, nil
}

func portalDesk(t *testing.T, s *storage.Store) (*domain.Desk, *movingClock) {
	c := &movingClock{now: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	return domain.NewDesk(s, c, storagetest.Logger(t), domain.WithComposer(linkComposer{}, false)), c
}

// userWithPassword adds a user whose password is known and need not change.
func userWithPassword(t *testing.T, s *storage.Store, email string, role domain.Role, password string) *domain.User {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost) // fast under -race
	if err != nil {
		t.Fatal(err)
	}
	u := &domain.User{Email: email, Role: role, PasswordHash: string(hash), CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func intakeDesk(t *testing.T, s *storage.Store) *domain.Desk {
	return domain.NewDesk(s, fixedClock{}, storagetest.Logger(t),
		domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}))
}

func mail(id, from, subject, text string) domain.Received {
	return domain.Received{Source: domain.Source{Channel: "smtp"}, Raw: []byte("raw " + id),
		Mail: &domain.Inbound{MessageID: id, From: from, Subject: subject, Text: text, NewText: text}}
}

func receive1(t *testing.T, d *domain.Desk, r domain.Received) domain.Outcome {
	t.Helper()
	outs, err := d.Receive(context.Background(), []domain.Received{r})
	if err != nil || len(outs) != 1 {
		t.Fatalf("Receive = %v, %v", outs, err)
	}
	return outs[0]
}

func oauthMailbox(addr string) domain.Mailbox {
	return domain.Mailbox{Address: addr, Name: "IT Help", IMAPURL: "imaps://" + addr + "@outlook.office365.com/INBOX",
		SMTPURL: "smtp://smtp.office365.com:587", Auth: domain.AuthOAuth2, Enabled: true,
		OAuth2: domain.MailboxOAuth2{Provider: domain.ProviderMicrosoft365, Grant: domain.GrantDelegated, Tenant: "contoso.onmicrosoft.com",
			ClientID: "11111111-2222-3333-4444-555555555555", ClientSecret: domain.SecretRef{File: "/run/secrets/help_client_secret"},
			Scopes: []string{"offline_access", "https://outlook.office.com/IMAP.AccessAsUser.All"}, Mechanism: "XOAUTH2"}}
}

// stubClassifier answers what it is told, for tests of what Desk does with
// an answer.
type stubClassifier struct {
	mu    sync.Mutex
	res   domain.Classification
	calls int
}

func (s *stubClassifier) Classify(ctx context.Context, subject, body string, cats []domain.Category) (domain.Classification, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return s.res, nil
}

// recordingComposer renders a mail as a small message and remembers the
// Mail, so tests can read what was sent and with which Vars.
type recordingComposer struct {
	mu    sync.Mutex
	mails []domain.Mail
}

func (c *recordingComposer) Compose(ctx context.Context, m domain.Mail) (*domain.OutboxMessage, error) {
	c.mu.Lock()
	c.mails = append(c.mails, m)
	c.mu.Unlock()
	ref := ""
	if m.Ticket != nil {
		ref = m.Ticket.Ref()
	}
	return &domain.OutboxMessage{Kind: string(m.Kind), To: m.To, Subject: string(m.Kind) + " " + ref,
		MessageID: fmt.Sprintf("%s.%s@x.test", m.Kind, m.To), Raw: []byte("Subject: " + string(m.Kind) + "\r\n\r\n" + m.Vars["reason"])}, nil
}

const classifySetup = `{
  "categories": [
    {"name": "Hardware Request", "description": "Laptops, monitors, peripherals", "keywords": ["laptop", "monitor"]},
    {"name": "Access", "description": "Accounts and permissions", "keywords": ["password", "vpn"],
     "approval_levels": [{"rule": "all", "approvers": ["ann@x.test", "lead@x.test", "sec@x.test"]},
                         {"rule": "any", "approvers": ["cio@x.test"]}]}
  ],
  "users": [{"email": "root@x.test", "role": "admin"}, {"email": "off@x.test", "role": "admin", "disabled": true}]
}`

func applySetup(t *testing.T, d *domain.Desk, text string) {
	t.Helper()
	f, err := domain.ParseSetup([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ApplySetup(context.Background(), f, false); err != nil {
		t.Fatal(err)
	}
}
