package storagetest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ticketgate/domain"
	"ticketgate/storage"
)

// The fakes and helpers that the Desk's use-case tests share, in domain
// and in storage.

// RecordingComposer renders a mail as a small message and remembers the
// Mail, so tests can read what was sent and with which Vars.
type RecordingComposer struct {
	mu    sync.Mutex
	Mails []domain.Mail
}

// Compose implements domain.Composer.
func (c *RecordingComposer) Compose(ctx context.Context, m domain.Mail) (*domain.OutboxMessage, error) {
	c.mu.Lock()
	c.Mails = append(c.Mails, m)
	c.mu.Unlock()
	ref := ""
	if m.Ticket != nil {
		ref = m.Ticket.Ref()
	}
	return &domain.OutboxMessage{Kind: string(m.Kind), To: m.To, Subject: string(m.Kind) + " " + ref,
		MessageID: fmt.Sprintf("%s.%s@x.test", m.Kind, m.To), Raw: []byte("Subject: " + string(m.Kind) + "\r\n\r\n" + m.Vars["reason"])}, nil
}

// Sent returns a copy of the mails composed so far.
func (c *RecordingComposer) Sent() []domain.Mail {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]domain.Mail(nil), c.Mails...)
}

// LinkComposer renders a password link mail as its link alone, so a test
// can read it back from the outbox.
type LinkComposer struct{}

// Compose implements domain.Composer.
func (LinkComposer) Compose(_ context.Context, m domain.Mail) (*domain.OutboxMessage, error) {
	return &domain.OutboxMessage{Kind: string(m.Kind), To: m.To, Subject: m.Vars["purpose"] + " " + m.Vars["link"],
		MessageID: "test@x", Raw: []byte(m.Vars["link"])}, nil
}

// StubClassifier answers Res, for tests of what Desk does with an answer,
// and counts its Calls.
type StubClassifier struct {
	mu    sync.Mutex
	Res   domain.Classification
	Calls int
}

// Classify implements domain.Classifier.
func (s *StubClassifier) Classify(ctx context.Context, subject, body string, cats []domain.Category) (domain.Classification, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Calls++
	return s.Res, nil
}

// ClassifySetup is a setup file with two categories (one with two
// approval levels) and two admins, one disabled.
const ClassifySetup = `{
  "categories": [
    {"name": "Hardware Request", "description": "Laptops, monitors, peripherals", "keywords": ["laptop", "monitor"]},
    {"name": "Access", "description": "Accounts and permissions", "keywords": ["password", "vpn"],
     "approval_levels": [{"rule": "all", "approvers": ["ann@x.test", "lead@x.test", "sec@x.test"]},
                         {"rule": "any", "approvers": ["cio@x.test"]}]}
  ],
  "users": [{"email": "root@x.test", "role": "admin"}, {"email": "off@x.test", "role": "admin", "disabled": true}]
}`

// ApplySetup applies the setup file text through d, failing t on error.
func ApplySetup(t testing.TB, d *domain.Desk, text string) {
	t.Helper()
	f, err := domain.ParseSetup([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ApplySetup(context.Background(), f, false); err != nil {
		t.Fatal(err)
	}
}

// Mail is a received mail, already parsed, as the SMTP receiver hands it
// in: id is its Message-ID.
func Mail(id, from, subject, text string) domain.Received {
	return domain.Received{Source: domain.Source{Channel: "smtp"}, Raw: []byte("raw " + id),
		Mail: &domain.Inbound{MessageID: id, From: from, Subject: subject, Text: text, NewText: text}}
}

// Receive1 takes r in through d and returns its one outcome.
func Receive1(t testing.TB, d *domain.Desk, r domain.Received) domain.Outcome {
	t.Helper()
	outs, err := d.Receive(context.Background(), []domain.Received{r})
	if err != nil || len(outs) != 1 {
		t.Fatalf("Receive = %v, %v", outs, err)
	}
	return outs[0]
}

// ReadAttachment reads attachment id with its content.
func ReadAttachment(t testing.TB, s *storage.Store, id int64) (*domain.Attachment, error) {
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

// MovingClock is a clock the test moves forward.
type MovingClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewMovingClock is a MovingClock at t.
func NewMovingClock(t time.Time) *MovingClock { return &MovingClock{now: t} }

// Now implements domain.Clock.
func (c *MovingClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Add moves the clock forward by d.
func (c *MovingClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// PortalDesk is a Desk over s for the portal's use cases: a moving clock
// at 2026-11-27 09:00 UTC and password link mails read back with
// LinkComposer (held: no relay).
func PortalDesk(t testing.TB, s *storage.Store) (*domain.Desk, *MovingClock) {
	c := NewMovingClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	return domain.NewDesk(s, c, Logger(t), domain.WithComposer(LinkComposer{}, false)), c
}

// UserWithPassword adds a user whose password is known and need not
// change.
func UserWithPassword(t testing.TB, s *storage.Store, email string, role domain.Role, password string) *domain.User {
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

// EventKinds is the kinds of es, comma-separated.
func EventKinds(es []domain.Event) string {
	ks := make([]string, len(es))
	for i, e := range es {
		ks[i] = string(e.Kind)
	}
	return strings.Join(ks, ",")
}

// JSONValue is v through encoding/json and back: what a JSON reader sees.
func JSONValue(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// User adds a user without a password, created at at.
func User(t testing.TB, s *storage.Store, email, name string, role domain.Role, at time.Time) *domain.User {
	t.Helper()
	u := &domain.User{Email: email, Name: name, Role: role, CreatedAt: at, UpdatedAt: at}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}
