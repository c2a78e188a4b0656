package inbox

import (
	"context"
	"path/filepath"
	"testing"

	"ticketgate/domain"
)

// The receivers take mail for every enabled mailbox of the table and its
// plus addresses besides HELPDESK_ADDRESS, and a new ticket keeps the
// mailbox of the mail's (first) recipient; other addresses, a disabled
// mailbox's among them, get 550 at RCPT.
func TestListenerRoutesByRecipient(t *testing.T) {
	for _, mode := range []string{"smtp", "lmtp"} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			in := newIntake(t, filepath.Join(t.TempDir(), "t.db"))
			for _, m := range []domain.Mailbox{{Address: "hr@company.test", Enabled: true}, {Address: "facilities@company.test"}} {
				if err := m.Normalize(); err != nil {
					t.Fatal(err)
				}
				if err := in.store.CreateMailbox(ctx, &m); err != nil {
					t.Fatal(err)
				}
			}
			cfg := ListenerConfig{LMTP: mode == "lmtp", Mailboxes: in.desk}
			l := startListener(t, in.desk, cfg)
			c := dialFor(t, l, cfg.LMTP)
			for _, tc := range []struct{ rcpt, id, subject string }{
				{"hr@company.test", "r1@x.test", "To HR"},
				{"HR+x@Company.test", "r2@x.test", "To HR plus"},
				{"help@company.test", "r3@x.test", "To help"},
			} {
				if err := send(c, "ann@company.test", []string{tc.rcpt}, rawMail(tc.id, "ann@company.test", tc.subject)); err != nil {
					t.Fatalf("send to %s: %v", tc.rcpt, err)
				}
			}
			want := map[string]string{"To HR": "hr@company.test", "To HR plus": "hr@company.test", "To help": ""}
			ts := in.tickets(t)
			if len(ts) != len(want) {
				t.Fatalf("tickets = %+v; want %d", ts, len(want))
			}
			for _, tk := range ts {
				if mb, ok := want[tk.Subject]; !ok || tk.Mailbox != mb {
					t.Errorf("ticket %q has mailbox %q; want %q", tk.Subject, tk.Mailbox, mb)
				}
			}
			for _, rcpt := range []string{"someone@company.test", "facilities@company.test", "hr@other.test"} {
				c.Reset()
				c.Mail("ann@company.test", nil)
				if err := c.Rcpt(rcpt, nil); smtpCode(err) != 550 {
					t.Errorf("RCPT TO:<%s> = %v; want 550", rcpt, err)
				}
			}
		})
	}
}
