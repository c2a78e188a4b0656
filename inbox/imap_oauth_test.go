package inbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"ticketgate/domain/mailauth"
	"ticketgate/domain/mailauth/mailauthtest"
)

// The tests in this file log in to the mail stack's Dovecot with OAuth2
// (MAILSTACK=1). Dovecot checks every bearer token by asking the
// introspection endpoint at 127.0.0.1:$OAUTH2_PORT (default 9099), so the
// test serves its own provider there. They use the account
// alice@company.test only, in a mailbox of each test's own.

const (
	oauthUser     = "alice@company.test"
	oauthPassword = "secret" // for the test's own look at the mailbox
)

// oauthDovecot is alice's account on Dovecot with a fresh mailbox, and the
// test provider Dovecot asks.
type oauthDovecot struct {
	addr     string
	mailbox  string
	provider *mailauthtest.Provider
}

func newOAuthDovecot(t *testing.T) *oauthDovecot {
	t.Helper()
	if os.Getenv("MAILSTACK") != "1" {
		t.Skip("MAILSTACK=1 not set: real Dovecot tests skipped")
	}
	host, port := os.Getenv("IMAP_HOST"), os.Getenv("IMAP_PORT")
	if host == "" {
		host, port = "127.0.0.1", "1143"
	}
	d := &oauthDovecot{addr: net.JoinHostPort(host, port), mailbox: fmt.Sprintf("OAuth%d", time.Now().UnixNano())}
	d.provider = mailauthtest.New(oauthUser, mailauthtest.Client{ID: "tg", Secret: "tg-client-secret", Email: oauthUser})
	if err := d.provider.StartShared(mailauthtest.DovecotAddr(), 3*time.Minute); err != nil {
		t.Fatalf("serve the test OAuth2 provider where Dovecot asks (OAUTH2_PORT): %v", err)
	}
	t.Cleanup(func() { d.provider.Close() })
	c := d.client(t)
	if err := c.Create(d.mailbox, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	c.Logout()
	t.Cleanup(func() { c := d.client(t); c.Delete(d.mailbox).Wait(); c.Logout() })
	return d
}

func (d *oauthDovecot) client(t testing.TB) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(d.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(oauthUser, oauthPassword).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// url names the mailbox for the poller: a user, no password.
func (d *oauthDovecot) url() string {
	return fmt.Sprintf("imap://%s@%s/%s?tls=none", url.PathEscape(oauthUser), d.addr, d.mailbox)
}

func (d *oauthDovecot) appendMails(t *testing.T, tag string, first, n int) {
	t.Helper()
	c := d.client(t)
	defer c.Logout()
	for i := first; i < first+n; i++ {
		raw := rawMail(fmt.Sprintf("oauth-%s-%d@x.test", tag, i), "ann@company.test", fmt.Sprintf("OAuth %s %d", tag, i))
		cmd := c.Append(d.mailbox, int64(len(raw)), nil)
		cmd.Write(raw)
		cmd.Close()
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
}

// recordingTokens remembers every access token handed out.
type recordingTokens struct {
	mailauth.TokenSource
	mu   sync.Mutex
	seen []string
}

func (r *recordingTokens) Token(ctx context.Context) (mailauth.Token, error) {
	tok, err := r.TokenSource.Token(ctx)
	if err == nil {
		r.mu.Lock()
		r.seen = append(r.seen, tok.AccessToken)
		r.mu.Unlock()
	}
	return tok, err
}

func (r *recordingTokens) tokens() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

// syncBuffer is a log destination that tests read while the poller writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// connectDelegated runs the authorization-code flow with PKCE as an
// admin's browser would, and keeps the grant in a memory store.
func connectDelegated(t *testing.T, d *mailauth.Delegated, user string) *mailauth.MemoryStore {
	t.Helper()
	a, err := d.Start(user)
	if err != nil {
		t.Fatal(err)
	}
	state, code := mailauthtest.SignIn(t, a.URL)
	tok, err := d.Exchange(context.Background(), a, state, code, mailauth.SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := mailauth.NewMemoryStore(mailauth.StoredToken{})
	if err := mailauth.Connect(context.Background(), st, tok); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestPollerOAuth2Dovecot: 20 mails become 20 tickets through the real
// poller logged in to Dovecot with XOAUTH2 (a delegated grant whose refresh
// tokens rotate) and with OAUTHBEARER (client credentials), while the
// provider's access tokens live 5 s: the poller logs in again with fresh
// tokens (at least two refreshes), and no mail is lost or taken twice.
func TestPollerOAuth2Dovecot(t *testing.T) {
	for _, mech := range []mailauth.Mechanism{mailauth.XOAuth2, mailauth.OAuthBearer} {
		t.Run(string(mech), func(t *testing.T) {
			d := newOAuthDovecot(t)
			p := d.provider
			p.SetLifetime(5 * time.Second)
			p.SetRotate(true)
			opt := mailauth.SourceOptions{Skew: time.Second}
			gen := mailauth.Generic{AuthURL: p.AuthURL(), TokenURL: p.TokenURL(), ClientID: "tg", ClientSecret: "tg-client-secret"}
			var src mailauth.TokenSource
			var issued func() int // tokens the provider issued to the poller
			if mech == mailauth.XOAuth2 {
				del := gen.Delegated("http://portal.test/admin/mailboxes/oauth/callback")
				src = del.Source(connectDelegated(t, del, oauthUser), opt)
				issued = func() int { return p.Stats().Refreshes }
			} else {
				src = gen.ClientCredentials(opt)
				issued = func() int { return p.Stats().ClientCredentials - 1 } // the first is no refresh
			}
			tokens := &recordingTokens{TokenSource: src}
			var logs syncBuffer
			log := slog.New(slog.NewTextHandler(io.MultiWriter(&logs, testLogWriter{t}), &slog.HandlerOptions{Level: slog.LevelDebug}))

			in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
			cfg := IMAPConfig{URL: d.url(), PollInterval: time.Minute,
				SASL: mailauth.Login{User: oauthUser, Tokens: tokens, Mechanism: mech}.Factory()}
			poller := startPollerWith(t, in, cfg, nil, log).p

			// Three waves; each after a refresh, so the mail comes in
			// over logins with different tokens.
			total := 0
			for wave, n := range []int{7, 7, 6} {
				d.appendMails(t, string(mech), total, n)
				total += n
				eventually(t, fmt.Sprintf("%d tickets", total), func() bool { return len(in.tickets(t)) == total })
				if wave < 2 {
					eventually(t, fmt.Sprintf("refresh %d", wave+1), func() bool { return issued() >= wave+1 })
				}
			}
			eventually(t, "every mail flagged", func() bool {
				c := d.client(t)
				defer c.Logout()
				s := &imapServer{addr: d.addr, user: oauthUser, pass: oauthPassword}
				return s.allFlagged(t, d.mailbox, total)
			})
			subjects := map[string]int{}
			for _, tk := range in.tickets(t) {
				subjects[tk.Subject]++
			}
			for i := 0; i < total; i++ {
				if s := fmt.Sprintf("OAuth %s %d", mech, i); subjects[s] != 1 {
					t.Errorf("%q is %d tickets, want 1", s, subjects[s])
				}
			}
			if len(subjects) != total {
				t.Errorf("%d distinct tickets, want %d", len(subjects), total)
			}
			st := p.Stats()
			if issued() < 2 || st.RefreshReuses != 0 || st.InvalidGrants != 0 {
				t.Errorf("provider: %+v; want at least 2 refreshes, no reuse, no invalid_grant", st)
			}
			t.Logf("%s: %d tickets, provider %+v, %d logins", mech, total, st, len(tokens.tokens()))
			if ps := poller.State(); ps.LastError != "" || ps.NeedsReauthorization {
				t.Errorf("poller state %+v", ps)
			}
			for _, tok := range tokens.tokens() {
				if strings.Contains(logs.String(), tok) {
					t.Fatal("an access token is in the log")
				}
			}

			// Dovecot really checks the tokens: the first one has
			// expired, and a login with it is refused.
			c, err := imapclient.DialInsecure(d.addr, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			sc, _ := mailauth.NewClient(mech, oauthUser, tokens.tokens()[0], "", 0)
			if err := c.Authenticate(sc); err == nil {
				t.Error("Dovecot took an expired token")
			}
		})
	}
}

// TestPollerOAuth2NeedsReauthorization: when the provider refuses the
// grant, the poller says so in its state, keeps the mail where it is and
// retries only at its slowest pace.
func TestPollerOAuth2NeedsReauthorization(t *testing.T) {
	d := newOAuthDovecot(t)
	p := d.provider
	gen := mailauth.Generic{AuthURL: p.AuthURL(), TokenURL: p.TokenURL(), ClientID: "tg", ClientSecret: "tg-client-secret"}
	del := gen.Delegated("http://portal.test/admin/mailboxes/oauth/callback")
	store := connectDelegated(t, del, oauthUser)
	p.SetInvalidGrant(true) // consent revoked; the stored access token is gone too
	cur, _ := store.Load(context.Background())
	expired := cur
	expired.Expiry = time.Now().Add(-time.Minute)
	store.Save(context.Background(), cur, expired)

	d.appendMails(t, "revoked", 0, 3)
	in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
	cfg := IMAPConfig{URL: d.url(), SASL: mailauth.Login{User: oauthUser, Tokens: del.Source(store, mailauth.SourceOptions{})}.Factory()}
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	rp := startPollerWith(t, in, cfg, m, slog.New(slog.NewTextHandler(testLogWriter{t}, nil)))
	poller := rp.p
	eventually(t, "needs reauthorization", func() bool { return poller.State().NeedsReauthorization })
	// A backoff from 1 s would have retried by now; the poller waits its
	// longest (a minute). Only a count is asserted: a slow machine can only
	// make fewer retries.
	time.Sleep(2 * time.Second)
	rp.stop()
	if n := p.Stats().InvalidGrants; n != 1 {
		t.Errorf("%d refused refreshes, want 1 (no retry storm)", n)
	}
	if ps := poller.State(); !strings.Contains(ps.LastError, "invalid_grant") {
		t.Errorf("poller state %+v", ps)
	}
	var g dto.Metric
	if err := m.reauth.WithLabelValues(poller.Name()).Write(&g); err != nil || g.GetGauge().GetValue() != 1 {
		t.Errorf("ticketgate_imap_needs_reauthorization = %v (%v), want 1", g.GetGauge().GetValue(), err)
	}
	s := &imapServer{addr: d.addr, user: oauthUser, pass: oauthPassword}
	msgs := s.messages(t, d.mailbox)
	for _, seen := range msgs {
		if seen {
			t.Error("a mail was flagged while the mailbox could not log in")
		}
	}
	if len(msgs) != 3 || len(in.tickets(t)) != 0 {
		t.Errorf("%d mails in the mailbox, %d tickets; want 3 and 0", len(msgs), len(in.tickets(t)))
	}
}

type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
