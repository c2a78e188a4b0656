package storage_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"

	"golang.org/x/crypto/bcrypt"
)

// The helpers of the Desk's use-case tests that are still here (the
// others are in domain, beside their use cases).

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

var admin = domain.Actor{Email: "root@x.test", Admin: true}

func eventKinds(es []domain.Event) string {
	ks := make([]string, len(es))
	for i, e := range es {
		ks[i] = string(e.Kind)
	}
	return strings.Join(ks, ",")
}

func jsonValue(t *testing.T, v any) any {
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

func (linkComposer) Compose(_ context.Context, m domain.Mail) (*domain.OutboxMessage, error) {
	return &domain.OutboxMessage{Kind: string(m.Kind), To: m.To, Subject: m.Vars["purpose"] + " " + m.Vars["link"],
		MessageID: "test@x", Raw: []byte(m.Vars["link"])}, nil
}
