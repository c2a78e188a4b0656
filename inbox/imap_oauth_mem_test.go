package inbox

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"

	"ticketgate/domain/mailauth"
	"ticketgate/domain/mailauth/mailauthtest"
	"ticketgate/inbox/imaptest"
)

// oauthSession is an in-memory IMAP session that logs in with XOAUTH2 or
// OAUTHBEARER only, checking each token with the test provider.
type oauthSession struct {
	imapserver.SessionIMAP4rev2
	provider *mailauthtest.Provider
	mechs    []string
}

func (s *oauthSession) AuthenticateMechanisms() []string { return s.mechs }

func (s *oauthSession) Authenticate(mech string) (sasl.Server, error) {
	check := func(user, token string) error {
		if err := s.provider.Verify(user, token); err != nil {
			return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "token refused"}
		}
		return s.SessionIMAP4rev2.Login(user, "helpsecret") // the memory server's own login
	}
	switch mech {
	case sasl.OAuthBearer:
		return mailauthtest.NewOAuthBearerServer(check), nil
	case "XOAUTH2":
		return mailauthtest.NewXOAuth2Server(check), nil
	}
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "SASL mechanism not supported"}
}

// newMemOAuthServer is go-imap's in-memory server (IMAP4rev2, with IDLE)
// accepting bearer tokens of provider for help@company.test, in mailbox
// Help.
func newMemOAuthServer(t *testing.T, provider *mailauthtest.Provider, mechs ...string) *imapServer {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("help@company.test", "helpsecret")
	u.Create("INBOX", nil)
	u.Create("Help", nil)
	mem.AddUser(u)
	addr := imaptest.Serve(t, func() imapserver.Session {
		return &oauthSession{SessionIMAP4rev2: mem.NewSession().(imapserver.SessionIMAP4rev2), provider: provider, mechs: mechs}
	}, nil)
	return &imapServer{addr: addr, user: "help@company.test", pass: "helpsecret", memUser: u, mailbox: "Help"}
}

// TestPollerOAuth2Memory is TestPollerOAuth2Dovecot on go-imap's memory
// server, so that it runs everywhere: mail in waves becomes tickets over
// logins with fresh tokens of 2 s, for each mechanism the server may offer
// alone, and OAUTHBEARER when it offers both.
func TestPollerOAuth2Memory(t *testing.T) {
	for _, offered := range [][]string{{"XOAUTH2"}, {"OAUTHBEARER"}, {"XOAUTH2", "OAUTHBEARER"}} {
		t.Run(fmt.Sprint(offered), func(t *testing.T) {
			p := mailauthtest.New("help@company.test", mailauthtest.Client{ID: "tg", Secret: "tg-secret", Email: "help@company.test"})
			if err := p.Start("127.0.0.1:0"); err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			p.SetLifetime(2 * time.Second)
			p.SetRotate(true)
			del := mailauth.Generic{AuthURL: p.AuthURL(), TokenURL: p.TokenURL(), ClientID: "tg", ClientSecret: "tg-secret"}.
				Delegated("http://portal.test/admin/mailboxes/oauth/callback")
			store := connectDelegated(t, del, "help@company.test")
			s := newMemOAuthServer(t, p, offered...)
			// The password in the URL is there to show it is not used: the
			// server offers no password login.
			cfg := IMAPConfig{URL: fmt.Sprintf("imap://help%%40company.test:unused@%s/Help?tls=none", s.addr), TLS: &tls.Config{}, PollInterval: time.Minute,
				SASL: mailauth.Login{User: "help@company.test", Tokens: del.Source(store, mailauth.SourceOptions{Skew: 500 * time.Millisecond})}.Factory()}
			in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
			var logs syncBuffer
			poller := startPollerWith(t, in, cfg, nil, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))).p
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("poller log:\n%s", logs.String())
				}
			})
			total := 0
			for wave := 0; wave < 3; wave++ {
				for i := 0; i < 4; i++ {
					s.appendMail(t, s.mailbox, rawMail(fmt.Sprintf("m%d@x.test", total), "ann@company.test", fmt.Sprintf("Mail %d", total)))
					total++
				}
				eventually(t, fmt.Sprintf("%d tickets", total), func() bool { return len(in.tickets(t)) == total })
				eventually(t, fmt.Sprintf("refresh %d", wave+1), func() bool { return p.Stats().Refreshes >= wave+1 })
			}
			if n := len(in.tickets(t)); n != total {
				t.Errorf("%d tickets, want %d", n, total)
			}
			if st := p.Stats(); st.RefreshReuses != 0 || st.InvalidGrants != 0 {
				t.Errorf("provider %+v", st)
			}
			if ps := poller.State(); ps.LastError != "" {
				t.Errorf("poller state %+v", ps)
			}
			stored, _ := store.Load(context.Background())
			noSecretIn(t, logs.String(), stored.AccessToken, stored.RefreshToken, "tg-secret", "unused")
		})
	}
}

func noSecretIn(t *testing.T, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("the log shows a secret (%d characters)", len(sec))
		}
	}
}

// TestIMAPOAuth2Refused: a refused token ends the AUTHENTICATE exchange
// the way the RFCs want (the client answers the error challenge, the
// server says NO) and the connection stays usable for another try.
func TestIMAPOAuth2Refused(t *testing.T) {
	p := mailauthtest.New("help@company.test", mailauthtest.Client{ID: "tg", Secret: "tg-secret", Email: "help@company.test"})
	if err := p.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	src := mailauth.Generic{TokenURL: p.TokenURL(), ClientID: "tg", ClientSecret: "tg-secret"}.ClientCredentials(mailauth.SourceOptions{})
	good, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, mech := range []mailauth.Mechanism{mailauth.XOAuth2, mailauth.OAuthBearer} {
		s := newMemOAuthServer(t, p, string(mech))
		c, err := imapclient.DialInsecure(s.addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		bad, _ := mailauth.NewClient(mech, "help@company.test", "not-a-live-token", "", 0)
		err = c.Authenticate(bad)
		if err == nil || strings.Contains(err.Error(), "not-a-live-token") {
			t.Errorf("%s with a bad token: %v", mech, err)
		}
		// The exchange ended cleanly: the same connection logs in now.
		ok, _ := mailauth.NewClient(mech, "help@company.test", good.AccessToken, "", 0)
		if err := c.Authenticate(ok); err != nil {
			t.Errorf("%s after a refusal, on the same connection: %v", mech, err)
		}
		c.Close()
	}
}
