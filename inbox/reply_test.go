package inbox

import (
	"strings"
	"testing"
	"time"
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

func TestNewTextLinear(t *testing.T) {
	// Many lines that each pass the cheap tests and reach the expensive
	// ones must still be fast.
	body := strings.Repeat("On 1 Jan 2026 <a@b.c>\nFrom: x@y.z\n-----\n", 20000)
	within(t, time.Second, "NewText", func() { NewText(body) })
}
