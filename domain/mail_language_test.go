package domain_test

import (
	"context"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestMailLanguage: a mail is in its recipient's language when their
// account says, else in the language of the mail that opened the ticket,
// else in DEFAULT_LANGUAGE (the composer's, English here).
func TestMailLanguage(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		d := mailDesk(t, st, fixedClock{}, true)
		es := addUser(t, st, "elena@company.test", "Elena", domain.RoleEmployee)
		es.Language, es.TimeZone = "es", "Europe/Madrid"
		if err := st.UpdateUser(ctx, es); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			from, subject, body, want string
		}{
			{"hans@company.test", "Drucker", "Hallo, mein Drucker funktioniert seit gestern nicht mehr. Kann bitte jemand kommen? Danke", "Wir haben Ihre Anfrage erhalten"},
			{"marie@company.test", "Imprimante", "Bonjour, mon imprimante ne fonctionne plus depuis hier. Merci pour votre aide", "Nous avons bien reçu votre demande"},
			// Elena's setting beats the German of her mail.
			{"elena@company.test", "Drucker", "Hallo, mein Drucker funktioniert seit gestern nicht mehr. Kann bitte jemand kommen? Danke", "Hemos recibido su solicitud"},
			// Too little to tell: the default.
			{"tom@company.test", "VPN", "VPN?", "We have received your request"},
		} {
			tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: tt.subject, Body: tt.body, From: tt.from, Channel: "test"})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, m := range outboxRows(t, st) {
				if m.TicketID == tk.ID && m.To == tt.from {
					found = true
					if !strings.Contains(strings.ReplaceAll(string(m.Raw), "=\r\n", ""), qp(tt.want)) {
						t.Errorf("the mail to %s lacks %q:\n%s", tt.from, tt.want, m.Raw)
					}
				}
			}
			if !found {
				t.Errorf("no mail to %s", tt.from)
			}
		}
	})
}

// qp is s as quoted-printable writes its non-ASCII letters.
func qp(s string) string {
	return strings.NewReplacer("ç", "=C3=A7").Replace(s)
}
