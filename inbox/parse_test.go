package inbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
)

type wantAttachment struct {
	name, contentType string
	size              int
	inline            bool
}

// fixtureTests are our own real-world-shaped mails in testdata/. text is a
// substring Text must contain (the whole text where exact is set), newText
// the exact NewText.
var fixtureTests = []struct {
	file        string
	subject     string
	from        string
	text        string
	newText     string
	kind        domain.AutoKind
	attachments []wantAttachment
	inReplyTo   string
	dsnStatus   string
	dsnRcpt     []string
	original    string
}{
	{
		file: "outlook_reply.eml", subject: "RE: [TKT-42] VPN access for the new laptop", from: "anna.weber@example.com",
		text:      "Please set up the VPN profile today if possible.", // QP soft break joined
		newText:   "Hi,\n\nthe laptop is ready now, serial number 5CG1234XYZ. Please set up the VPN profile today if possible.\n\nThanks\nAnna",
		inReplyTo: "tkt-42.received.k3j4h5@example.com",
	},
	{
		file: "outlook_original_message.eml", subject: "RE: Printer on 3rd floor", from: "peter.braun@example.com",
		text:    "-----Original Message-----",
		newText: "It still prints blank pages after the driver update.\n\nPeter",
	},
	{
		file: "outlook_html_only.eml", subject: "AW: [TKT-19] Monitor flickers", from: "lena.fischer@example.com",
		text:    "Gesendet: Freitag, 13. März 2026 17:00", // ISO-8859-1 QP HTML, entities decoded
		newText: "Guten Morgen,\ndas Kabel war locker. Jetzt geht es wieder, danke!",
	},
	{
		file: "gmail_reply.eml", subject: "Re: [TKT-3] Password reset", from: "tom.baker@gmail.com",
		text:    "> We reset your password.",
		newText: "Yes, that worked. I can log in again 👍",
	},
	{
		file: "gmail_html_only.eml", subject: "Re: [TKT-11] Shared drive", from: "sara.lind@gmail.com",
		text:    "> Which folder do you need?",
		newText: "Found it, the folder is called Finance 2026.\n\nSee the wiki page (https://wiki.example.com/drives) for the steps I followed.",
	},
	{
		file: "gmail_reply_german.eml", subject: "Re: [TKT-21] Neuer Zugang", from: "jan.koch@example.com",
		text:    "Am So., 15. März 2026 um 18:00 Uhr schrieb Helpdesk <",
		newText: "Danke, das passt so.",
	},
	{
		file: "apple_mail_reply.eml", subject: "Re: [TKT-30] Keyboard", from: "mia.wong@example.com",
		text:    "> On 16. Mar 2026, at 09:00, Helpdesk <help@example.com> wrote:",
		newText: "The new keyboard works, you can close the ticket.\n\nMia",
	},
	{
		file: "thunderbird_reply.eml", subject: "Re: [TKT-31] Calendar sync", from: "oskar.berg@example.com",
		text:    "IT Coordinator",
		newText: "The sync works again after the restart.",
	},
	{
		file: "thunderbird_html_only.eml", subject: "Re: [TKT-32] Licence", from: "oskar.berg@example.com",
		text:    "On 17.03.26 13:00, Helpdesk wrote:",
		newText: "The licence key is in the attachment of my first mail.",
	},
	{
		file: "iphone_reply.eml", subject: "Re: [TKT-33] Phone", from: "nora.haas@example.com",
		text:    "Sent from my iPhone",
		newText: "APPROVE",
	},
	{
		file: "signature_reply.eml", subject: "Re: [TKT-34] Badge", from: "rick@example.com",
		text:    "Facility Management",
		newText: "My badge stopped working at the main entrance this morning.",
	},
	{
		file: "iso8859_1.eml", subject: "WLAN im Café fällt aus", from: "juergen.mueller@example.de",
		text:    "Grüße aus Köln,\n\ndas Café-WLAN im 2. Stock fällt ständig aus.\n\nJürgen",
		newText: "Grüße aus Köln,\n\ndas Café-WLAN im 2. Stock fällt ständig aus.\n\nJürgen",
	},
	{
		file: "windows1252.eml", subject: "Budget sheet shows “€0”", from: "claire.dubois@example.fr",
		text:    "the “Budget 2026” sheet shows €0 for every row – could you check the sync?",
		newText: "Hello,\n\nthe “Budget 2026” sheet shows €0 for every row – could you check the sync?",
	},
	{
		file: "shift_jis.eml", subject: "プリンター故障", from: "taro.yamada@example.jp",
		text:    "お疲れ様です。\nプリンターが動きません。\n確認をお願いします。",
		newText: "お疲れ様です。\nプリンターが動きません。\n確認をお願いします。",
	},
	{
		file: "koi8r.eml", subject: "Не работает почта", from: "ivan.petrov@example.ru",
		text:    "С уважением,\nИван",
		newText: "Здравствуйте!\n\nНе работает почта на ноутбуке.",
	},
	{
		file: "nested_multipart.eml", subject: "Invoice scan and screenshot", from: "ola@example.no",
		text:    "The scanner saves invoices with a broken name, see the screenshot.",
		newText: "The scanner saves invoices with a broken name, see the screenshot.",
		attachments: []wantAttachment{
			{"screenshot.png", "image/png", 70, true},
			{"Rechnung März.pdf", "application/pdf", 69, false},
			{"Übersicht.csv", "text/csv", 18, false},
		},
	},
	{
		file: "forwarded_rfc822.eml", subject: "Fwd: Suspicious mail", from: "kim.lee@example.com",
		text:        "Is this phishing? I did not click the link.",
		newText:     "Is this phishing? I did not click the link.",
		attachments: []wantAttachment{{"Verify your account.eml", "message/rfc822", 214, false}},
	},
	{
		file: "exchange_ooo.eml", subject: "Automatic reply: [TKT-50] New ticket assigned to you", from: "paul.berger@example.com",
		text: "I am out of the office until 30 March", kind: domain.AutoReply,
		newText:   "I am out of the office until 30 March with limited access to e-mail. For urgent matters please contact it-ops@example.com.",
		inReplyTo: "tkt-50.assigned.hh@example.com",
	},
	{
		file: "exchange_ooo_autosubmitted.eml", subject: "Automatische Antwort: [TKT-51] Neues Ticket", from: "eva.novak@example.com",
		text: "Ich bin bis 27. März nicht im Büro.", newText: "Ich bin bis 27. März nicht im Büro.", kind: domain.AutoReply,
	},
	{
		file: "gmail_vacation.eml", subject: "On holiday until April", from: "ben.hart@gmail.com",
		text: "I am on holiday until 6 April", newText: "I am on holiday until 6 April and will answer after that.", kind: domain.AutoReply,
	},
	{
		file: "postfix_dsn.eml", subject: "Undelivered Mail Returned to Sender", from: "mailer-daemon@mx.example.com",
		text: "Recipient address rejected: User unknown", kind: domain.AutoBounce,
		newText:     "This is the mail system at host mx.example.com.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<no.such.user@example.org>: host mx.example.org[192.0.2.10] said: 550 5.1.1\n    <no.such.user@example.org>: Recipient address rejected: User unknown",
		attachments: []wantAttachment{{"[TKT-60] Your ticket was received.eml", "message/rfc822", 217, false}},
		dsnStatus:   "5.1.1", dsnRcpt: []string{"no.such.user@example.org"}, original: "tkt-60.received.kk@example.com",
	},
	{
		file: "exchange_ndr.eml", subject: "Undeliverable: [TKT-61] Your ticket was received", from: "microsoftexchange329e71ec88ae4615bbc36ab6ce41109e@example.com",
		text: "Your message to gone@example.net couldn't be delivered.", kind: domain.AutoBounce,
		newText:   "Your message to gone@example.net couldn't be delivered.\ngone wasn't found at example.net.",
		dsnStatus: "5.1.10", dsnRcpt: []string{"gone@example.net"}, original: "tkt-61.received.ll@example.com",
	},
	{
		file: "delay_dsn.eml", subject: "Delayed Mail (still being retried)", from: "mailer-daemon@mx.example.com",
		text: "THIS IS A WARNING ONLY.", kind: domain.AutoDelay,
		newText:   "This is the mail system at host mx.example.com.\n\n####################################################################\n# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n####################################################################",
		dsnStatus: "4.4.1", dsnRcpt: []string{"slow@example.org"},
	},
	{
		file: "no_message_id.eml", subject: "Scan finished", from: "scanner@example.com",
		text: "The scan job 4711 finished without errors.", newText: "The scan job 4711 finished without errors.",
	},
	{
		file: "read_receipt.eml", subject: "Read: [TKT-70] Your ticket was resolved", from: "lars.holm@example.com",
		text: "Your message was read", newText: "Your message was read on Friday, 27 March 2026 08:00.", kind: domain.AutoReceipt,
	},
	{
		file: "arf_report.eml", subject: "Abuse report", from: "abuse-feedback@isp.example.net",
		text: "This is an email abuse report.", newText: "This is an email abuse report.", kind: domain.AutoReport,
		original: "tkt-80.received.nn@example.com",
	},
	{
		file: "mailing_list.eml", subject: "[it-news] Maintenance window on Saturday", from: "news@lists.example.com",
		text: "The mail servers will be down", newText: "The mail servers will be down on Saturday from 22:00 to 23:00.", kind: domain.AutoList,
	},
	{
		// X-Auto-Response-Suppress is what our own mail carries; on its own
		// it does not make a mail automatic.
		file: "human_with_suppress.eml", subject: "Cannot open the shared calendar", from: "greta.olsen@example.com",
		text:    "Since this morning",
		newText: "Since this morning the shared calendar of the sales team does not open.\nIt says \"You do not have permission\".",
	},
	{
		file: "html_only_new.eml", subject: "Laptop request & setup", from: "omar.aziz@example.com",
		text:    "New laptop\n\nHello team,\nplease prepare a laptop for our new colleague:\n\n- Name: Lisa Müller\n- Start: 1 April\n\nDetails are on the onboarding page (https://intranet.example.com/onboarding/42).\n\nThanks & best,\nOmar",
		newText: "New laptop\n\nHello team,\nplease prepare a laptop for our new colleague:\n\n- Name: Lisa Müller\n- Start: 1 April\n\nDetails are on the onboarding page (https://intranet.example.com/onboarding/42).\n\nThanks & best,\nOmar",
	},
}

func TestParseFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 25 || len(fixtureTests) != len(files) {
		t.Fatalf("%d fixture files, %d table entries: every fixture needs an entry", len(files), len(fixtureTests))
	}
	for _, tt := range fixtureTests {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			in, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if in.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", in.Subject, tt.subject)
			}
			if in.From != tt.from {
				t.Errorf("From = %q, want %q", in.From, tt.from)
			}
			if strings.Contains(tt.text, "\n\n") && strings.Count(tt.text, "\n") > 3 {
				if in.Text != tt.text {
					t.Errorf("Text =\n%q\nwant\n%q", in.Text, tt.text)
				}
			} else if !strings.Contains(in.Text, tt.text) {
				t.Errorf("Text =\n%q\nwant it to contain %q", in.Text, tt.text)
			}
			if in.NewText != tt.newText {
				t.Errorf("NewText =\n%q\nwant\n%q", in.NewText, tt.newText)
			}
			if kind, reason := in.Automatic(); kind != tt.kind {
				t.Errorf("Automatic() = %q (%s), want %q", kind, reason, tt.kind)
			} else if kind != domain.AutoNone && reason == "" {
				t.Errorf("Automatic() = %q with no reason", kind)
			}
			var got []wantAttachment
			for _, a := range in.Attachments {
				got = append(got, wantAttachment{a.Name, a.ContentType, len(a.Content), a.Inline})
			}
			if !reflect.DeepEqual(got, tt.attachments) {
				t.Errorf("attachments = %+v, want %+v", got, tt.attachments)
			}
			if tt.inReplyTo != "" && !slices.Contains(in.InReplyTo, tt.inReplyTo) {
				t.Errorf("InReplyTo = %v, want %s", in.InReplyTo, tt.inReplyTo)
			}
			if in.Auto.DSNStatus != tt.dsnStatus {
				t.Errorf("DSNStatus = %q, want %q", in.Auto.DSNStatus, tt.dsnStatus)
			}
			if !reflect.DeepEqual(in.Auto.DSNRecipients, tt.dsnRcpt) {
				t.Errorf("DSNRecipients = %v, want %v", in.Auto.DSNRecipients, tt.dsnRcpt)
			}
			if in.Auto.OriginalMessageID != tt.original {
				t.Errorf("OriginalMessageID = %q, want %q", in.Auto.OriginalMessageID, tt.original)
			}
			if in.Size != int64(len(raw)) {
				t.Errorf("Size = %d, want %d", in.Size, len(raw))
			}
			if strings.ContainsAny(in.MessageID, "<> ") || in.MessageID == "" {
				t.Errorf("MessageID = %q", in.MessageID)
			}
			if in.Date.IsZero() {
				t.Errorf("Date is zero")
			}
			if len(in.Warnings) != 0 {
				t.Errorf("Warnings = %q, want none for a well-formed mail", in.Warnings)
			}
		})
	}
}

func TestParseHeaders(t *testing.T) {
	raw, err := os.ReadFile("testdata/outlook_reply.eml")
	if err != nil {
		t.Fatal(err)
	}
	in, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if in.MessageID != "AM0PR07MB1234ABCD5678@AM0PR07MB1234.eurprd07.prod.outlook.com" {
		t.Errorf("MessageID = %q", in.MessageID)
	}
	if want := []string{"tkt-42.received.k3j4h5@example.com"}; !reflect.DeepEqual(in.References, want) {
		t.Errorf("References = %v, want %v", in.References, want)
	}
	if want := []string{"help@example.com", "jonas.meier@example.com"}; !reflect.DeepEqual(in.To, want) {
		t.Errorf("To = %v, want %v", in.To, want)
	}
	if in.FromName != "Weber, Anna" {
		t.Errorf("FromName = %q", in.FromName)
	}
	if want := time.Date(2026, 3, 12, 9, 15, 1, 0, time.UTC); !in.Date.Equal(want) {
		t.Errorf("Date = %v, want %v", in.Date, want)
	}

	raw, err = os.ReadFile("testdata/gmail_reply.eml")
	if err != nil {
		t.Fatal(err)
	}
	in, err = Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"help@example.com"}; !reflect.DeepEqual(in.DeliveredTo, want) {
		t.Errorf("DeliveredTo = %v, want %v", in.DeliveredTo, want)
	}

	raw, err = os.ReadFile("testdata/exchange_ooo.eml")
	if err != nil {
		t.Fatal(err)
	}
	in, err = Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if in.ReturnPath != "<>" {
		t.Errorf("ReturnPath = %q, want <>", in.ReturnPath)
	}
	if !slices.Contains(in.Auto.AutoReplyHeaders, "X-Ms-Exchange-Inbox-Rules-Loop") {
		t.Errorf("AutoReplyHeaders = %v", in.Auto.AutoReplyHeaders)
	}
}

// TestParseNoMessageID checks the stable id of a mail without Message-ID:
// the same bytes give the same id, so a redelivery is a duplicate.
func TestParseNoMessageID(t *testing.T) {
	raw, err := os.ReadFile("testdata/no_message_id.eml")
	if err != nil {
		t.Fatal(err)
	}
	a, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(bytes.Clone(raw))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	want := "sha256-" + hex.EncodeToString(sum[:]) + "@ticketgate.invalid"
	if a.MessageID != want || b.MessageID != want {
		t.Errorf("MessageID = %q, %q, want %q", a.MessageID, b.MessageID, want)
	}
	other := append(bytes.Clone(raw), "More.\r\n"...)
	c, err := Parse(other)
	if err != nil {
		t.Fatal(err)
	}
	if c.MessageID == want {
		t.Errorf("different mails got the same id %q", want)
	}
}

// largeContent is an 8 MiB attachment's content.
func largeContent() []byte {
	content := make([]byte, 8<<20)
	for i := range content {
		content[i] = byte(i*7 + i>>11)
	}
	return content
}

// TestParseLargeAttachment parses a mail with an 8 MiB base64 attachment,
// made here rather than committed: the attachment comes out whole, and
// Parse allocates a small multiple of the mail's size. Its speed is
// BenchmarkParseLargeAttachment's.
func TestParseLargeAttachment(t *testing.T) {
	content := largeContent()
	raw := largeMail(content)
	in, alloc := parseCost(t, raw)
	if limit := uint64(allocPerByte*len(raw) + allocSlack); alloc > limit {
		t.Errorf("Parse allocated %d bytes for %d (limit %d)", alloc, len(raw), limit)
	}
	if in.Text != "The disk image you asked for is attached." {
		t.Errorf("Text = %q", in.Text)
	}
	if len(in.Attachments) != 1 {
		t.Fatalf("%d attachments, want 1", len(in.Attachments))
	}
	a := in.Attachments[0]
	if a.Name != "disk.img" || a.ContentType != "application/octet-stream" || a.Inline {
		t.Errorf("attachment = %q %q inline=%v", a.Name, a.ContentType, a.Inline)
	}
	if !bytes.Equal(a.Content, content) {
		t.Errorf("attachment content differs: %d bytes, want %d", len(a.Content), len(content))
	}
	if in.Size != int64(len(raw)) {
		t.Errorf("Size = %d, want %d", in.Size, len(raw))
	}
}

// BenchmarkParseLargeAttachment: Parse of a mail with an 8 MiB base64
// attachment, in MB/s.
func BenchmarkParseLargeAttachment(b *testing.B) {
	raw := largeMail(largeContent())
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func largeMail(content []byte) []byte {
	var b bytes.Buffer
	b.WriteString("From: Ada Admin <ada@example.com>\r\nTo: help@example.com\r\nSubject: Disk image\r\n" +
		"Message-ID: <large-001@example.com>\r\nDate: Sun, 29 Mar 2026 10:00:00 +0200\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"big\"\r\n\r\n--big\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"The disk image you asked for is attached.\r\n--big\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"disk.img\"\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(content)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteString("\r\n--big--\r\n")
	return b.Bytes()
}

func TestParseErrors(t *testing.T) {
	for _, raw := range []string{"", "\r\n\r\n", "just some text\r\nwithout any header\r\n", "\x00\x01\x02binary"} {
		in, err := Parse([]byte(raw))
		if err == nil || !errors.Is(err, ErrUnreadable) {
			t.Errorf("Parse(%q) = %+v, %v, want ErrUnreadable", raw, in, err)
		}
	}
}

// limitMails are hostile structures: deep nesting, many parts, and a
// multipart without a boundary whose body has many candidates.
func limitMails() map[string]string {
	var deep strings.Builder
	deep.WriteString("From: a@example.com\r\nSubject: deep\r\n")
	const levels = 5000
	for i := range levels {
		fmt.Fprintf(&deep, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	deep.WriteString("Content-Type: text/plain\r\n\r\nbottom\r\n")
	var many strings.Builder
	many.WriteString("From: a@example.com\r\nSubject: many\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n")
	for range 5000 {
		many.WriteString("--x\r\nContent-Type: image/png\r\n\r\nAAAA\r\n")
	}
	many.WriteString("--x--\r\n")
	var guess strings.Builder
	guess.WriteString("From: a@example.com\r\nSubject: guess\r\nContent-Type: multipart/mixed\r\n\r\n")
	for i := range 100000 {
		fmt.Fprintf(&guess, "--candidate-%d\r\n", i)
	}
	return map[string]string{"deep": deep.String(), "many": many.String(), "guess": guess.String()}
}

// TestParseLimits feeds hostile structures: they must end with a warning
// and bounded output, not a crash or a hang. Their speed is
// BenchmarkParseLimits'; the hostile set (hostile_test.go) checks that such
// mails cost linear work.
func TestParseLimits(t *testing.T) {
	for name, raw := range limitMails() {
		var in *domain.Inbound
		var err error
		finishes(t, name, func() { in, err = Parse([]byte(raw)) })
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(in.Warnings) == 0 {
			t.Errorf("%s: no warning about the limit", name)
		}
		if len(in.Attachments) > maxParts {
			t.Errorf("%s: %d attachments, more than maxParts", name, len(in.Attachments))
		}
	}
}

// BenchmarkParseLimits: Parse of the mails of TestParseLimits.
func BenchmarkParseLimits(b *testing.B) {
	mails := limitMails()
	for _, name := range slices.Sorted(maps.Keys(mails)) {
		raw := mails[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse([]byte(raw)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestParseLineEndings(t *testing.T) {
	lf := "From: Bo <bo@example.com>\nSubject: Hi\nMessage-ID: <le@example.com>\n\nLine one\nLine two\n"
	for name, raw := range map[string]string{
		"lf":   lf,
		"crlf": strings.ReplaceAll(lf, "\n", "\r\n"),
		"cr":   strings.ReplaceAll(lf, "\n", "\r"),
	} {
		in, err := Parse([]byte(raw))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if in.Subject != "Hi" || in.Text != "Line one\nLine two" || in.From != "bo@example.com" {
			t.Errorf("%s: Subject %q From %q Text %q", name, in.Subject, in.From, in.Text)
		}
	}
}

func TestParseBrokenCharset(t *testing.T) {
	raw := "From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\nCaf\xe9\r\n"
	in, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if in.Text != "Café" {
		t.Errorf("Text = %q, want best effort %q", in.Text, "Café")
	}
	if len(in.Warnings) == 0 || !strings.Contains(in.Warnings[0], "x-no-such-charset") {
		t.Errorf("Warnings = %q, want one naming the charset", in.Warnings)
	}
}

func BenchmarkParse(b *testing.B) {
	raw, err := os.ReadFile("testdata/outlook_reply.eml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseGmail(b *testing.B) {
	raw, err := os.ReadFile("testdata/gmail_reply.eml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHeaderLimitAtEveryOffset reads header blocks that reach
// maxHeaderBytes at every offset of a line and its line break: the
// limit once fell between the text of a line and its CRLF, and the cut
// panicked. The soak found it; the hostile set's sizes had missed it.
func TestHeaderLimitAtEveryOffset(t *testing.T) {
	fold := bytes.Repeat([]byte(" fold\r\n"), maxHeaderBytes/7+10)
	for shift := range 8 {
		raw := []byte("From: ann@company.test\r\nX-Pad: " + strings.Repeat("x", shift) + "\r\nSubject: s\r\n")
		raw = append(raw, fold...)
		raw = append(raw, "\r\nbody\r\n"...)
		in, err := Parse(raw)
		if err != nil {
			t.Fatalf("shift %d: Parse: %v", shift, err)
		}
		if len(in.Cut) == 0 || in.From != "ann@company.test" {
			t.Errorf("shift %d: Cut %q, From %q: want the header cut and the sender kept", shift, in.Cut, in.From)
		}
	}
}
