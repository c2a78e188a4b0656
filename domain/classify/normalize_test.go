package classify

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// normalized is what the linear model reads of a mail: its tokens, the
// subject's marked with ^.
func normalized(subject, body string) []string {
	plain, head := mailWords(MailText(subject, body), DefaultConfig().HeadWords)
	toks := tokensOf(plain)
	for i := range toks[:min(head, len(toks))] {
		toks[i] = "^" + toks[i]
	}
	return toks
}

// TestNormalizeReplies: the replies of inbox/testdata (the text parts of
// the .eml files, decoded; fixtures written for this project) and mails
// with signatures, disclaimers, banners, forwards and foreign languages,
// input → the tokens the model reads.
func TestNormalizeReplies(t *testing.T) {
	tests := []struct {
		name, subject, body string
		want                []string
	}{
		{"gmail_reply.eml", "Re: [TKT-3] Password reset",
			"Yes, that worked. I can log in again \U0001F44D\r\n\r\nOn Thu, Mar 12, 2026 at 6:02\u202fPM Helpdesk <help@example.com> wrote:\r\n\r\n> We reset your password. Please log in and choose a new one.\r\n>\r\n> --\r\n> Helpdesk\r\n>\r\n",
			[]string{"^password", "^reset", "yes", "work", "log"}},
		{"outlook_reply.eml", "RE: [TKT-42] VPN access for the new laptop",
			"Hi,\r\n\r\nthe laptop is ready now, serial number 5CG1234XYZ. Please set up the VPN profile today if possible.\r\n\r\nThanks\r\nAnna\r\n\r\n________________________________\r\nFrom: Helpdesk <help@example.com>\r\nSent: Wednesday, March 11, 2026 4:02 PM\r\nTo: Weber, Anna <Anna.Weber@Example.com>\r\nSubject: [TKT-42] VPN access for the new laptop\r\n\r\nYour request was received as ticket TKT-42.",
			[]string{"^vpn", "^access", "^new", "^laptop", "laptop", "ready", "serial", "number", "_asset", "set", "vpn", "profil", "today", "possibl"}},
		{"iphone_reply.eml", "Re: [TKT-33] Phone",
			"APPROVE\n\nSent from my iPhone\n\n> On Mar 17, 2026, at 18:00, Helpdesk <help@example.com> wrote:\n> \n> Please approve the purchase of a new phone.\n",
			[]string{"^phon", "approv"}},
		{"gmail_reply_german.eml", "Re: [TKT-21] Neuer Zugang",
			"Der Zugang geht nicht.\n\nAm So., 15. März 2026 um 18:00 Uhr schrieb Helpdesk <\nhelp@example.com>:\n\n> Ihr Zugang ist eingerichtet.\n",
			[]string{"^neuer", "^access", "access", "geht"}},
		{"thunderbird_reply.eml", "Re: [TKT-31] Calendar sync",
			"The sync works again after the restart.\n\nOn 17.03.26 12:00, Helpdesk wrote:\n> Please restart the calendar app.\n>\n-- \nOskar Berg\nIT Coordinator\n",
			[]string{"^calendar", "^sync", "sync", "work", "restart"}},
		{"outlook_original_message.eml", "RE: Printer on 3rd floor",
			"It still prints blank pages after the driver update.\n\nPeter\n\n-----Original Message-----\nFrom: Helpdesk [mailto:help@example.com] \nSent: Tuesday, March 10, 2026 11:00 AM\nTo: Peter Braun <peter.braun@example.com>\nSubject: [TKT-7] Printer on 3rd floor\n\nPlease try again after the driver update.\n",
			[]string{"^printer", "^_num", "^floor", "still", "print", "blank", "page", "driver", "updat", "peter"}},
		{"signature_reply.eml", "Re: [TKT-34] Badge",
			"My badge stopped working at the main entrance this morning.\n\nKind regards,\nRick Stone\nFacility Management\n+49 30 1234567\n",
			[]string{"^badg", "badg", "stop", "work", "main", "entranc"}},
		{"signature with title, phone and disclaimer", "Docking station not detecting 2nd screen",
			"Hello team\n\nSince the update my docking station shows one screen only.\n\nMany thanks,\nOliver\n\n--\nOliver Brandt\nSenior QA Engineer\nM: +49 170 5532 118\n\nThis e-mail and any attachments are confidential and intended solely for the addressee.",
			[]string{"^dock", "^station", "^detect", "^_num", "^screen", "sinc", "updat", "dock", "station", "show", "one", "screen"}},
		{"sign-off with a name on the same line, mobile footer", "Mouse",
			"Hi, my mouse is dead, batteries changed already.\nThanks, Priya\n\nSent from my iPhone",
			[]string{"^mous", "mous", "dead", "battery", "chang", "already"}},
		{"external banner, forward with its header block, error code, disclaimer", "FW: monitor flickering",
			"CAUTION: This email originated from outside of the organization.\n\nHello team,\n\nsee below.\n\n---------- Forwarded message ---------\nFrom: Ann Lee <ann@example.com>\nDate: Mon, 9 Mar 2026 at 08:47\nSubject: monitor flickering\nTo: Bob <bob@example.com>\n\nHi Bob, my monitor flickers since 10:30 and shows error 0x80070005.\n\nBest,\nAnn\n\nThis e-mail and any attachments are confidential.",
			[]string{"^monitor", "^flicker", "see", "monitor", "flicker", "sinc", "_num", "show", "error", "_errcode"}},
		{"German, greeting and sign-off", "AW: [#TG-4821] Drucker druckt nicht",
			"Hallo zusammen,\n\nder Drucker im 2. OG zeigt Fehler 49.4C02 an.\n\nMit freundlichen Grüßen\nStefan Krüger\nBuchhaltung, Durchwahl 2231",
			[]string{"^printer", "^druckt", "printer", "_num", "og", "zeigt", "fehler", "_asset"}},
		{"Spanish, mobile footer", "RV: contraseña bloqueada",
			"Hola Juan,\n\nmi cuenta está bloqueada, ¿podéis restablecer la contraseña?\n\nSaludos\nMarta\n\nEnviado desde mi iPhone",
			[]string{"^password", "^lock", "account", "lock", "podéis", "reset", "password"}},
		{"mail addresses, URLs and an IP", "VPN",
			"vpn to 10.0.0.5:443 fails, see https://intranet.example.com/vpn or mail it@example.com",
			[]string{"^vpn", "vpn", "_ip", "fail", "see", "_url", "mail", "_addr"}},
		{"one line of the dataset stays as it is", "",
			"reset passwords for our client thank best regards",
			[]string{"^reset", "^password", "^client"}},
	}
	for _, tt := range tests {
		if got := normalized(tt.subject, tt.body); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: tokens\n  %q\nwant\n  %q", tt.name, got, tt.want)
		}
	}
}

func TestCleanSubject(t *testing.T) {
	for in, want := range map[string]string{
		"RE: [TKT-42] VPN access":         "VPN access",
		"Re: RE: Fwd: AW: printer":        "printer",
		"[#TG-123] RE[2]: monitor":        "monitor",
		"TR : demande d'accès":            "demande d'accès",
		"Reset my password":               "Reset my password",
		"Request: new laptop":             "Request: new laptop",
		"[External] laptop":               "[External] laptop",
		"WG: [Ticket#2024010112] Drucker": "Drucker",
	} {
		if got := CleanSubject(in); got != want {
			t.Errorf("CleanSubject(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGreetingAndClosing(t *testing.T) {
	for in, want := range map[string]string{
		"Hi IT team,":              "",
		"Hello":                    "",
		"Dear support":             "",
		"Hi Ann, my laptop broke":  "my laptop broke",
		"Guten Morgen zusammen,":   "",
		"Hiring a new person soon": "Hiring a new person soon",
		"High CPU on the server":   "High CPU on the server",
	} {
		if got, _ := greeting(in); got != want {
			t.Errorf("greeting(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]bool{
		"Best regards,": true, "Thanks, Ann": true, "Mit freundlichen Grüßen": true, "Saludos": true,
		"Cheers": true, "Thanks for the quick fix.": false, "Thanks, the printer still jams on floor 3": false,
		"Bestellung für Monitore": false, "Regards to the team, see you": false,
	} {
		if got := closing(in); got != want {
			t.Errorf("closing(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestTypoIndex(t *testing.T) {
	ix := newTypoIndex([]keywordSet{newKeywordSet([]string{"password", "printer", "license", "order", "quota", "storage"}),
		newKeywordSet([]string{"quote"})})
	for in, want := range map[string]string{
		"password": "password", "pasword": "password", "passwrod": "password", "passsword": "password",
		"printr": "printer", "licenc": "licens", "ordr": "", "older": "", "monitor": "", "é": "",
		"storag": "storag", "strang": "", "pirnter": "printer", "prnter": "printer",
	} {
		if got := ix.lookup(in, nil); got != want {
			t.Errorf("lookup(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzNormalize: the normalization of any subject and body never panics,
// reads a bounded prefix and gives a bounded number of words, valid UTF-8
// from valid UTF-8.
func FuzzNormalize(f *testing.F) {
	f.Add("RE: [#TG-1] printer", "Hi,\n\nprinter broken\n\nOn Mon, 1 Mar 2026 Bob <b@x.test> wrote:\n> x\n-- \nsig")
	f.Add("FW: x", "---------- Forwarded message ---------\nFrom: a@b.c\nDate: 1\nSubject: y\n\nmot de passe 0x1234 10.0.0.1\nThis e-mail and any")
	f.Add("", "[[[[####]]]] ________\nFrom: x\nSent: y\n\n\n>>>")
	f.Fuzz(func(t *testing.T, subject, body string) {
		text := MailText(subject, body)
		if len(text) > maxSubjectText+maxMailText+1 {
			t.Fatalf("MailText kept %d bytes", len(text))
		}
		plain, head := mailWords(text, 5)
		if len(plain) > len(text) || head < 0 || head > 10 {
			t.Fatalf("%d words (head %d) from %d bytes", len(plain), head, len(text))
		}
		plain1, _ := mailWords(body, 5) // one line, or a mail whose subject is its first line
		if len(plain1) > len(body) {
			t.Fatalf("%d words from %d bytes", len(plain1), len(body))
		}
		c := CleanMail(body)
		if len(c) > maxMailText {
			t.Fatalf("CleanMail kept %d bytes", len(c))
		}
		if utf8.ValidString(body) && !utf8.ValidString(c) {
			t.Fatalf("CleanMail(%q) = %q: not UTF-8", body, c)
		}
		if s := CleanSubject(subject); len(s) > maxSubjectText || strings.Contains(s, "\n") && !strings.Contains(subject, "\n") {
			t.Fatalf("CleanSubject(%q) = %q", subject, s)
		}
	})
}

// TestExplain: Explain gives Predict's probabilities, the parts of each
// label's score add up, and the keyword hits and head words show.
func TestExplain(t *testing.T) {
	cats := coldStartCategories(t)
	examples := append(SeedExamples(cats),
		Example{Text: "Subject: screen broken\n\nmy screen is broken", Label: "Hardware"},
		Example{Text: "Subject: password expired\n\nreset my password", Label: "Access"})
	m, err := Train(examples, Keywords(cats), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	text := MailText("RE: [#TG-9] Printr jammed", "Hi,\n\nthe printer on floor 3 is jammed.\n\nThanks,\nAnn")
	p := m.Predict(text)
	ex := m.Explain(text, 1000)
	if strings.Join(ex.Tokens, " ") != "printr jam printer floor _num jam" || ex.Head != 2 {
		t.Errorf("tokens %q, head %d", ex.Tokens, ex.Head)
	}
	if len(ex.Labels) != len(p.Labels) || ex.Labels[0].Label != "Hardware" {
		t.Fatalf("labels %+v, want Hardware first as Predict %v", ex.Labels, p.Labels)
	}
	for i, le := range ex.Labels {
		if le.Label != p.Labels[i] || abs(le.Prob-p.Probs[i]) > 1e-9 {
			t.Errorf("label %d: %s %.6f, Predict %s %.6f", i, le.Label, le.Prob, p.Labels[i], p.Probs[i])
		}
		sum := le.Bias
		for _, f := range le.Features {
			sum += f.Weight
		}
		if abs(sum-le.Linear) > 1e-4 {
			t.Errorf("%s: bias and features add up to %.5f, linear score %.5f", le.Label, sum, le.Linear)
		}
	}
	hw := ex.Labels[0]
	if !reflect.DeepEqual(hw.Keywords, []string{"printer"}) || hw.KeywordBoost != DefaultConfig().KeywordBoost {
		t.Errorf("Hardware's keywords %q (+%.1f), want printer (the subject's typo too)", hw.Keywords, hw.KeywordBoost)
	}
}
