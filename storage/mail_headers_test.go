package storage

import (
	"bytes"
	"strings"
	"testing"

	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// renderedHeaders writes a header section as the composer does (go-message's
// SetSubject and SetMessageID).
func renderedHeaders(t *testing.T, subject, messageID string) []byte {
	t.Helper()
	var h gomail.Header
	h.SetAddressList("From", []*gomail.Address{{Name: "IT Helpdesk", Address: "help@company.test"}})
	h.SetSubject(subject)
	h.SetMessageID(messageID)
	var b bytes.Buffer
	if err := textproto.WriteHeader(&b, h.Header.Header); err != nil {
		t.Fatal(err)
	}
	b.WriteString("Hello.\r\n")
	return b.Bytes()
}

// Subjects and Message-IDs the composer writes are read back from the
// mail, packed or not, exactly as they were given: their columns stay
// empty for ordinary subjects (plain, accented, non-Latin, long enough to
// fold or to need several encoded words), and a subject the header does
// not give back exactly (a trailing space, text that looks like an encoded
// word) keeps its column.
func TestStoredHeadersElideComposedMail(t *testing.T) {
	tests := []struct {
		subject string
		kept    bool // the header does not give it back: stored
	}{
		{"[TKT-12] Printer jams on page 2", false},
		{"Re: [TKT-7] Café: le Wi-Fi ne marche pas — encore", false},
		{"Re: [TKT-8] 印刷機が紙詰まりを起こしました", false},
		{"Re: [TKT-9] " + strings.TrimSpace(strings.Repeat("a rather long subject that goes on ", 6)), false},
		{"Re: [TKT-10] " + strings.TrimSpace(strings.Repeat("ünïcödé wörds ", 12)), false},
		{"Your message to IT Helpdesk", false},
		{"Re: [TKT-11] trailing space ", true},
		{"[TKT-11] =?utf-8?q?not_encoded?= and a \"quoted\" word", true},
	}
	for _, tt := range tests {
		id := "tkt-12.assigned.5yyyox7c5kzsn772mlgedbqyou@company.test"
		raw := renderedHeaders(t, tt.subject, id)
		s, m := storedHeaders(tt.subject, id, raw)
		if (s != "") != tt.kept || m != "" {
			t.Errorf("storedHeaders(%q) = %q, %q; want the subject kept: %v, the Message-ID empty", tt.subject, s, m, tt.kept)
		}
		if s, m := fromHeaders(s, m, packRaw("assigned", raw)); s != tt.subject || m != id {
			t.Errorf("read back from the packed mail: %q, %q; want %q, %q", s, m, tt.subject, id)
		}
	}
}

// What the headers do not give back is stored as it is, and a stored
// value wins over the headers.
func TestStoredHeadersKeepOthers(t *testing.T) {
	raw := renderedHeaders(t, "[TKT-1] Printer", "tkt-1.assigned.r@company.test")
	tests := []struct {
		raw                 []byte
		subject, messageID  string
		wantSubject, wantID string
	}{
		{[]byte("raw"), "s", "tkt-1.assigned.x@company.test", "s", "tkt-1.assigned.x@company.test"},
		{raw, "[TKT-1] Scanner", "tkt-1.assigned.r@company.test", "[TKT-1] Scanner", ""},
		{raw, "[TKT-1] Printer", "tkt-1.assigned.other@company.test", "", "tkt-1.assigned.other@company.test"},
		{[]byte("Subject: x\r\n\r\nno Message-ID"), "x", "", "", ""},
	}
	for _, tt := range tests {
		s, m := storedHeaders(tt.subject, tt.messageID, tt.raw)
		if s != tt.wantSubject || m != tt.wantID {
			t.Errorf("storedHeaders(%q, %q, %q) = %q, %q; want %q, %q", tt.subject, tt.messageID, tt.raw, s, m, tt.wantSubject, tt.wantID)
		}
		if s, m := fromHeaders(s, m, tt.raw); s != tt.subject || m != tt.messageID {
			t.Errorf("fromHeaders after storedHeaders(%q, %q) = %q, %q", tt.subject, tt.messageID, s, m)
		}
	}
}

// BenchmarkStoredHeaders: what a write pays to leave a rendered mail's
// subject and Message-ID to its headers (an acknowledgement as rendered,
// the first dictionary), and a read to get them back from the packed mail.
func BenchmarkStoredHeaders(b *testing.B) {
	raw := packer().dicts[1]
	subject, id := mailHeaders(raw)
	if subject == "" || id == "" {
		b.Fatalf("the dictionary mail has no subject or Message-ID: %q, %q", subject, id)
	}
	packed := packRaw("ticket_received", raw)
	b.Run("write", func(b *testing.B) {
		for b.Loop() {
			storedHeaders(subject, id, raw)
		}
	})
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			fromHeaders("", "", packed)
		}
	})
}
