package domain_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/i18n"
	"ticketgate/outbox/outboxtest"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
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

type fixedClock struct{}

func (fixedClock) Now() time.Time { return t0 }

// clockAt is a Desk clock pinned to one time.
type clockAt time.Time

func (c clockAt) Now() time.Time { return time.Time(c) }

// seedAdminData is storagetest.AdminData at t0.
func seedAdminData(t testing.TB, s *storage.Store) *storagetest.AdminData {
	return storagetest.SeedAdminData(t, s, t0)
}

func newDesk(t *testing.T, s *storage.Store) *domain.Desk {
	return domain.NewDesk(s, fixedClock{}, storagetest.Logger(t))
}

func intakeDesk(t *testing.T, s *storage.Store) *domain.Desk {
	return domain.NewDesk(s, fixedClock{}, storagetest.Logger(t),
		domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}))
}

func oauthMailbox(addr string) domain.Mailbox {
	return domain.Mailbox{Address: addr, Name: "IT Help", IMAPURL: "imaps://" + addr + "@outlook.office365.com/INBOX",
		SMTPURL: "smtp://smtp.office365.com:587", Auth: domain.AuthOAuth2, Enabled: true,
		OAuth2: domain.MailboxOAuth2{Provider: domain.ProviderMicrosoft365, Grant: domain.GrantDelegated, Tenant: "contoso.onmicrosoft.com",
			ClientID: "11111111-2222-3333-4444-555555555555", ClientSecret: domain.SecretRef{File: "/run/secrets/help_client_secret"},
			Scopes: []string{"offline_access", "https://outlook.office.com/IMAP.AccessAsUser.All"}, Mechanism: "XOAUTH2"}}
}

// The fakes and helpers shared with the other package's use-case tests.
type (
	recordingComposer = storagetest.RecordingComposer
	stubClassifier    = storagetest.StubClassifier
	linkComposer      = storagetest.LinkComposer
	movingClock       = storagetest.MovingClock
)

const classifySetup = storagetest.ClassifySetup

var (
	applySetup       = storagetest.ApplySetup
	mail             = storagetest.Mail
	receive1         = storagetest.Receive1
	readAttachment   = storagetest.ReadAttachment
	portalDesk       = storagetest.PortalDesk
	userWithPassword = storagetest.UserWithPassword
	eventKinds       = storagetest.EventKinds
	jsonValue        = storagetest.JSONValue
)

// The helpers of the mail use cases' tests, which render with the real
// Composer (as cmd/ticketgate's tests do).

var mt0 = t0

var testComposer = outboxtest.Composer

func mailDesk(t testing.TB, st domain.Store, clock domain.Clock, relay bool) *domain.Desk {
	return domain.NewDesk(st, clock, storagetest.Logger(t), domain.WithComposer(testComposer(t), relay))
}

func addUser(t *testing.T, st *storage.Store, email, name string, role domain.Role) *domain.User {
	t.Helper()
	return storagetest.User(t, st, email, name, role, mt0)
}

var (
	outboxRows = storagetest.OutboxRows
	mailHeader = storagetest.MailHeader
	threadOK   = storagetest.ThreadOK
)

// testCatalog is the catalog, read once for every test that asks.
var testCatalog = sync.OnceValues(i18n.Load)

// historyInEveryLanguage fails t for each event of st's tickets whose
// detail, a sentence the desk wrote in English, no history phrase of the
// catalog writes in German, French and Spanish (i18n's History, which the
// ticket pages show it through); a plain move's "from → to" is written
// with the statuses' names. What people wrote (their comments and notes)
// is shown as it is and not checked. It returns how many details it
// checked, so a caller can tell that its scenario wrote some.
func historyInEveryLanguage(t *testing.T, st *storage.Store) int {
	t.Helper()
	ctx := context.Background()
	cat, err := testCatalog()
	if err != nil {
		t.Fatal(err)
	}
	tickets, err := st.ListTickets(ctx, domain.TicketQuery{})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, tk := range tickets {
		events, err := st.ListEvents(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			people := (e.Kind == domain.EventCommented || e.Kind == domain.EventNote) && e.Actor != domain.SystemActor.String()
			if e.Detail == "" || people || strings.Contains(e.Detail, "\n") {
				continue
			}
			checked++
			for _, lang := range i18n.Supported()[1:] {
				if got := cat.For(lang, nil).History(e.Detail); got == e.Detail {
					t.Errorf("%s: the %s event's detail is left in English in %s: %q", tk.Ref(), e.Kind, lang, e.Detail)
				}
			}
		}
	}
	return checked
}
