package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/leave"
	"ticketgate/domain/mailauth"
)

// leaveCheckEvery is how often serve looks for members whose leave read
// is due (each member is read once per LEAVE_READ_INTERVAL: the claim
// decides, across instances).
const leaveCheckEvery = 30 * time.Second

// leaveCredentialsFor is how long the credentials found in the mailboxes
// table are used before the table is looked at again.
const leaveCredentialsFor = time.Minute

// startLeaveJob runs desk.ReadLeaves at once and then every period.
func startLeaveJob(ctx context.Context, desk *domain.Desk, every time.Duration, log *slog.Logger) (stop func()) {
	return startPeriodic(ctx, "leave status", every, log, func(ctx context.Context) error {
		n, err := desk.ReadLeaves(ctx)
		if n > 0 {
			log.Debug("leave status read", slog.Int("members", n))
		}
		return err
	})
}

// leaveReader is the Desk's domain.LeaveReader in serve: it reads with the
// app-only OAuth2 credentials of the mailboxes table — Microsoft Graph
// with those of the first enabled microsoft365 app-only mailbox (by
// address), asking for the scope https://graph.microsoft.com/.default;
// Google with the service account of the first enabled google app-only
// mailbox, acting as each member (domain-wide delegation) with the Gmail
// settings and Calendar scopes. It looks at the table again every
// leaveCredentialsFor, so a mailbox added or changed is used without a
// restart.
type leaveReader struct {
	st        domain.MailboxStore // set before serve starts its jobs
	secrets   mailboxSecrets
	graphURL  string
	googleURL string

	mu      sync.Mutex
	key     string // the mailboxes the reader was built from
	reader  *leave.Reader
	checked time.Time
}

func newLeaveReader(c *Config, lookupEnv func(string) (string, bool)) *leaveReader {
	return &leaveReader{secrets: mailboxSecrets{lookupEnv: lookupEnv, baseURL: c.BaseURL, microsoftLogin: c.MicrosoftLoginURL},
		graphURL: c.GraphURL, googleURL: c.GoogleAPIURL}
}

// ReadLeave implements domain.LeaveReader.
func (l *leaveReader) ReadLeave(ctx context.Context, src domain.LeaveSource, email string) (domain.LeaveStatus, error) {
	r, err := l.current(ctx)
	if err != nil {
		return domain.LeaveStatus{}, &domain.LeaveError{Kind: domain.LeaveOtherError, Msg: "reading the mailboxes: " + err.Error()}
	}
	return r.ReadLeave(ctx, src, email)
}

// current returns the reader for the mailboxes table as it is.
func (l *leaveReader) current(ctx context.Context) (*leave.Reader, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.reader != nil && time.Since(l.checked) < leaveCredentialsFor {
		return l.reader, nil
	}
	if l.st == nil {
		return nil, errors.New("the database is not open yet")
	}
	boxes, err := l.st.ListMailboxes(ctx)
	if err != nil {
		return nil, err
	}
	ms, g := leaveMailboxes(boxes)
	key := fmt.Sprintf("%v|%v", mailboxKey(ms), mailboxKey(g))
	if l.reader == nil || key != l.key {
		l.reader, l.key = l.build(ms, g), key
	}
	l.checked = time.Now()
	return l.reader, nil
}

// leaveMailboxes picks the mailboxes whose credentials read leave status.
func leaveMailboxes(boxes []domain.Mailbox) (microsoft, google *domain.Mailbox) {
	for i := range boxes {
		b := &boxes[i]
		if !b.Enabled || b.Auth != domain.AuthOAuth2 || b.OAuth2.Grant != domain.GrantAppOnly {
			continue
		}
		switch {
		case b.OAuth2.Provider == domain.ProviderMicrosoft365 && microsoft == nil:
			microsoft = b
		case b.OAuth2.Provider == domain.ProviderGoogle && google == nil:
			google = b
		}
	}
	return microsoft, google
}

func mailboxKey(m *domain.Mailbox) string {
	if m == nil {
		return "-"
	}
	return fmt.Sprintf("%d@%d", m.ID, m.UpdatedAt.UnixNano())
}

// build makes the reader of the mailboxes ms and g (nil: none).
func (l *leaveReader) build(ms, g *domain.Mailbox) *leave.Reader {
	r := &leave.Reader{}
	if ms != nil {
		r.Graph = &leave.Graph{BaseURL: l.graphURL, Tokens: l.graphTokens(ms)}
	}
	if g != nil {
		o := g.OAuth2
		key, kerr := os.ReadFile(o.ServiceAccountFile)
		r.Google = &leave.Google{BaseURL: l.googleURL, Tokens: func(email string) (mailauth.TokenSource, error) {
			if kerr != nil {
				return nil, fmt.Errorf("mailbox %s: service_account_file: %v", g.Address, kerr)
			}
			src, err := (mailauth.Google{ServiceAccountJSON: key}).ServiceAccountFor(email,
				[]string{mailauth.GoogleGmailSettingsScope, mailauth.GoogleCalendarScope}, mailauth.SourceOptions{})
			if err != nil {
				return nil, fmt.Errorf("mailbox %s: service_account_file: %w", g.Address, err)
			}
			return src, nil
		}}
	}
	return r
}

// graphTokens is the app-only token source of mailbox m's app
// registration for Microsoft Graph; what keeps it from being built is
// given by every Token call.
func (l *leaveReader) graphTokens(m *domain.Mailbox) mailauth.TokenSource {
	o := m.OAuth2
	secret, err := l.secrets.read(o.ClientSecret, "client_secret")
	if err != nil {
		return failingTokens{fmt.Errorf("mailbox %s: %w", m.Address, err)}
	}
	var pem []byte
	if o.CertificateFile != "" {
		if pem, err = os.ReadFile(o.CertificateFile); err != nil {
			return failingTokens{fmt.Errorf("mailbox %s: certificate_file: %v", m.Address, err)}
		}
	}
	ms := mailauth.Microsoft365{Tenant: o.Tenant, ClientID: o.ClientID, ClientSecret: secret, CertificatePEM: pem, LoginURL: l.secrets.microsoftLogin}
	src, err := ms.AppOnlyFor([]string{mailauth.MicrosoftGraphScope}, mailauth.SourceOptions{})
	if err != nil {
		return failingTokens{fmt.Errorf("mailbox %s: certificate_file: %w", m.Address, err)}
	}
	return src
}

// failingTokens is a token source that cannot be built: every call says
// why.
type failingTokens struct{ err error }

func (f failingTokens) Token(context.Context) (mailauth.Token, error) { return mailauth.Token{}, f.err }
