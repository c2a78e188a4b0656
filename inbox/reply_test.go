package inbox

import (
	"strings"
	"testing"
)

func TestNewText(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"plain", "Hello there.\n", "Hello there."},
		{"gmail", "Yes.\n\nOn Mon, 2 Mar 2026 at 10:00, Help <help@example.com> wrote:\n> Question?\n", "Yes."},
		{"gmail wrapped", "Yes.\n\nOn Mon, 2 Mar 2026 at 10:00, The Helpdesk of Example <\nhelp@example.com> wrote:\n\n> Question?\n", "Yes."},
		{"french wrapped", "Oui.\n\nLe lun. 2 mars 2026 à 10:00, Help <help@example.com>\na écrit :\n\n> Question ?\n", "Oui."},
		{"danish verb first", "Ja.\n\nDen 2. mar. 2026 kl. 10.00 skrev Help <help@example.com>:\n> Spørgsmål?\n", "Ja."},
		{"russian no verb", "Да.\n\nпн, 2 мар. 2026 г. в 10:00, Help <help@example.com>:\n\nВопрос?\n", "Да."},
		{"no colon", "Sure.\n\nOn Mon, 2 Mar 2026 10:00:00 +0100 Help <help@example.com> wrote\n\nQuestion?\n", "Sure."},
		{"zoho", "Fine.\n\n---- On Mon, 02 Mar 2026 10:00:00 +0100 help@example.com wrote ----\n\nQuestion?\n", "Fine."},
		{"outlook block", "Done.\n\nFrom: Help <help@example.com>\nSent: Monday, March 2, 2026 10:00 AM\nTo: Ann <ann@example.com>\nSubject: Question\n\nQuestion?\n", "Done."},
		{"outlook french", "Fait.\n\nDe : Help <help@example.com>\nEnvoyé : lundi 2 mars 2026 10:00\nÀ : Ann\nObjet : Question\n", "Fait."},
		{"outlook rule", "Done.\n\n________________________________\nFrom: Help <help@example.com>\nSent: Monday\nTo: Ann\nSubject: Q\n", "Done."},
		{"original message", "OK\n\n-----Original Message-----\nFrom: Help\nQuestion?\n", "OK"},
		{"german banner", "OK\n\n----- Ursprüngliche Nachricht -----\nVon: Help\n", "OK"},
		{"signature", "Works now.\n\n-- \nAnn Smith\nAccounting\n", "Works now."},
		{"glued name signature", "Works now.\n\n-Ann\n", "Works now."},
		{"regards", "Works now.\n\nBest regards,\nAnn Smith\nAccounting\n", "Works now."},
		{"thanks kept", "Works now.\n\nThanks,\nAnn\n", "Works now.\n\nThanks,\nAnn"},
		{"iphone", "APPROVE\n\nSent from my iPhone\n\n> On 2 Mar 2026, at 10:00, Help <help@example.com> wrote:\n", "APPROVE"},
		{"outlook android", "OK\n\nGet Outlook for Android<https://aka.ms/ghei36>\n\nQuestion?\n", "OK"},
		{"sent from is text", "Here.\n\nSent from my desk, which is easier than the phone.\n", "Here.\n\nSent from my desk, which is easier than the phone."},
		{"dash mid-line", "A fix -- not a signature.\n\nbye\n", "A fix -- not a signature.\n\nbye"},
		{"inline reply", "On Mon, 2 Mar 2026 at 10:00, Help <help@example.com> wrote:\n> First?\n\nYes.\n\n> Second?\n\nNo.\n\n-- \nAnn\n", "Yes.\n\nNo."},
		{"only quote", "> Just a quote\n", "> Just a quote"},
		{"crlf", "Yes.\r\n\r\nOn Mon, 2 Mar 2026 at 10:00, Help <help@example.com> wrote:\r\n> Q\r\n", "Yes."},
		// Text that looks a little like quote headers must stay.
		{"travel request", "Please book a train:\nFrom: Berlin\nTo: Munich\nDate: 12 May\n", "Please book a train:\nFrom: Berlin\nTo: Munich\nDate: 12 May"},
		{"dash list", "Steps I tried:\n-Restart\n-Login again\n", "Steps I tried:\n-Restart\n-Login again"},
		{"wrote in text", "He wrote: the server is down.\nPlease check.\n", "He wrote: the server is down.\nPlease check."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NewText(tt.body); got != tt.want {
				t.Errorf("NewText(%q) =\n%q\nwant\n%q", tt.body, got, tt.want)
			}
		})
	}
}

// attributionLines is n paragraphs whose first line passes NewText's
// cheap tests for a wrapped attribution (a date and an address, no
// sentence end, a paragraph's start) and so reaches its expensive ones,
// which join it with the lines below; none is one, so NewText reads them
// all.
func attributionLines(n int) string {
	return strings.Repeat("On 1 Jan 2026 <a@b.c> we met\nat the desk (room 4) and\nagreed on a plan\n\n", n)
}

// TestNewTextLinear: many lines that reach NewText's expensive checks are
// all kept, and cost linear work: what NewText allocates for 4n of them
// (the lines, and the joins of each with the lines below) is about 4
// times what it allocates for n, not 16. Its speed is
// BenchmarkNewTextLinear's.
func TestNewTextLinear(t *testing.T) {
	const n = 5000
	small, big := attributionLines(n), attributionLines(4*n)
	var got string
	allocSmall := allocated(func() { NewText(small) })
	allocBig := allocated(func() { got = NewText(big) })
	if want := strings.TrimSpace(big); got != want {
		t.Errorf("NewText cut the text: %d bytes of %d", len(got), len(want))
	}
	checkGrowth(t, "NewText", allocSmall, allocBig)
}

// BenchmarkNewTextLinear: NewText on n and 4n lines that reach its
// expensive checks; the MB/s of both are equal when it is linear.
//
//	go test -run '^$' -bench NewTextLinear -benchmem ./inbox/
func BenchmarkNewTextLinear(b *testing.B) {
	benchSizes(b, []int{5000, 20000}, attributionLines, func(body string) { NewText(body) })
}
