package classify

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   \n\t ", nil},
		{"Hello, my LAPTOP's screen is broken!!", []string{"laptop", "screen", "broken"}},
		{"Hi team, please reset my passwords. Thanks!", []string{"reset", "password"}},
		{"see https://intranet.example.com/x?y=1 or www.example.com, mail bob@example.com", []string{"see", "_url", "_url", "mail", "_addr"}},
		{"Ticket #12345 from 2024-01-02, asset ABC123 on floor 3rd", []string{"ticket", "_num", "_num", "asset", "_asset", "floor", "_num"}},
		{"printing stopped; printers print", []string{"print", "stop", "printer", "print"}},
		{"Drucker funktioniert nicht – Grüße", []string{"drucker", "funktioniert"}},
		{"Ошибка ВХОДА в систему", []string{"ошибка", "входа", "систему"}},
		{"プリンターが壊れた", []string{"プ", "リ", "ン", "タ", "が", "壊", "れ", "た"}},
		{"café naïve Ångström", []string{"café", "naïve", "ångström"}},
	}
	for _, tt := range tests {
		if got := Tokens(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStem(t *testing.T) {
	for in, want := range map[string]string{
		"passwords": "password", "policies": "policy", "printing": "print", "stopped": "stop",
		"access": "access", "status": "status", "analysis": "analysis", "needed": "need", "agreed": "agreed",
		"addresses": "address", "ring": "ring", "shared": "shar", "share": "shar", "sharing": "shar", "shares": "shar",
		"deleted": "delet", "delete": "delet", "free": "free", "use": "use",
	} {
		if got := stem(in); got != want {
			t.Errorf("stem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanMail(t *testing.T) {
	body := strings.Join([]string{
		"Hello IT,",
		"",
		"my second monitor stays black since this morning.",
		"Could you have a look?",
		"",
		"Best regards,",
		"Ann Lee",
		"Senior Accountant | Finance",
		"Phone +44 20 7946 0000",
		"",
		"> earlier quoted text about passwords",
	}, "\r\n")
	got := CleanMail(body)
	if strings.Contains(got, "Accountant") || strings.Contains(got, "passwords") || !strings.Contains(got, "monitor stays black") {
		t.Errorf("CleanMail = %q: want the request without signature and quote", got)
	}
	reply := "Still broken.\n\nOn Mon, 2 Mar 2026 at 10:00, Bob <bob@x.test> wrote:\n> Have you tried turning it off?\n"
	if got := CleanMail(reply); strings.TrimSpace(got) != "Still broken." {
		t.Errorf("CleanMail(reply) = %q", got)
	}
	sig := "VPN drops every hour\n-- \nCarl, Sales\n"
	if got := CleanMail(sig); strings.TrimSpace(got) != "VPN drops every hour" {
		t.Errorf("CleanMail(sig) = %q", got)
	}
	outlook := "Printer still jams.\r\n\r\nFrom: IT Helpdesk <help@x.test>\r\nSent: Monday, March 2, 2026 10:00\r\nTo: Ann\r\nSubject: RE: payslip\r\n\r\nYour payslip question was answered.\r\n"
	if got := CleanMail(outlook); strings.TrimSpace(got) != "Printer still jams." {
		t.Errorf("CleanMail(Outlook reply) = %q", got)
	}
	oneLine := "reset passwords for our client thank best regards"
	if got := CleanMail(oneLine); got != oneLine {
		t.Errorf("CleanMail(one line) = %q, want it unchanged", got)
	}
}

// TestCleanMailReadsTheStartOnly: a hostile megabyte of text costs the
// classifier no more than its first maxMailText bytes, cut at a rune.
func TestCleanMailReadsTheStartOnly(t *testing.T) {
	body := "Printer on floor 3 is jammed.\n" + strings.Repeat("é", 1<<20)
	got := CleanMail(body)
	if len(got) > maxMailText {
		t.Errorf("CleanMail kept %d bytes, want at most %d", len(got), maxMailText)
	}
	if !strings.HasPrefix(got, "Printer on floor 3 is jammed.") || !utf8.ValidString(got) {
		t.Errorf("CleanMail lost the start of the request or cut a rune: %q…", got[:40])
	}
}
