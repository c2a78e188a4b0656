package outbox

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"ticketgate/domain"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// countingReader yields 0, 1, 2 … so "random" parts are reproducible.
type countingReader struct{ n byte }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.n
		r.n++
	}
	return len(p), nil
}

func testComposer(t *testing.T, from string) *Composer {
	t.Helper()
	c, err := NewComposer(ComposerConfig{From: from, FromName: "ACME IT Helpdesk", HelpdeskAddress: "help@company.test",
		BaseURL: "https://help.company.test/", Now: func() time.Time { return t0 }, Rand: &countingReader{}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var ticket = &domain.Ticket{ID: 42, Subject: "Écran cassé – need a new monitor", Status: domain.StatusTriage,
	Requester: "ann@company.test", MessageID: "CAF=root123@mail.gmail.com"}

// assignedTicket is ticket once it is assigned.
var assignedTicket = &domain.Ticket{ID: 42, Subject: ticket.Subject, Status: domain.StatusAssigned, Category: "Hardware",
	Requester: "ann@company.test", Assignee: "bob@company.test", MessageID: ticket.MessageID}

var msgIDRE = regexp.MustCompile(`^<tkt-(\d+)\.([a-z_]+)\.([a-z2-7]{26}|apr-\d+-[a-z2-7]{26})@company\.test>$`)

// parsed is a composed message read back the way a mail client would.
type parsed struct {
	h          mail.Header
	text, html string
}

func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	p := parsed{h: r.Header}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		b, _ := io.ReadAll(part.Body)
		ct, params, _ := part.Header.(*mail.InlineHeader).ContentType()
		if params["charset"] != "utf-8" {
			t.Errorf("%s part charset %q", ct, params["charset"])
		}
		switch ct {
		case "text/plain":
			p.text = string(b)
		case "text/html":
			p.html = string(b)
		default:
			t.Errorf("unexpected part %s", ct)
		}
	}
	if ct, _, _ := r.Header.ContentType(); ct != "multipart/alternative" {
		t.Errorf("Content-Type %s, want multipart/alternative", ct)
	}
	return p
}

func TestComposeGolden(t *testing.T) {
	tests := []struct {
		name        string
		mail        domain.Mail
		from        string
		wantSubject string
		wantReplyTo string
		wantText    []string
	}{
		{name: "ticket_received", mail: domain.Mail{Kind: domain.MailTicketReceived, To: "ann@company.test", ToName: "Ann Lee",
			Ticket: ticket, InReplyTo: ticket.MessageID, References: []string{ticket.MessageID}},
			wantSubject: "Re: [TKT-42] Écran cassé – need a new monitor",
			wantText:    []string{"opened ticket TKT-42", "not sorted yet", "What happens next: someone from IT", "https://help.company.test/tickets/TKT-42"}},
		{name: "comment", mail: domain.Mail{Kind: domain.MailComment, To: "ann@company.test", ToName: "Ann Lee", Ticket: ticket,
			Vars:      map[string]string{"Author": "Bob Agent", "AuthorEmail": "bob@company.test", "Comment": "Try <b>this</b> & that.\n\nThen reboot."},
			InReplyTo: "tkt-42.ticket_received.aaaa@company.test", References: []string{ticket.MessageID, "tkt-42.ticket_received.aaaa@company.test"}},
			wantSubject: "Re: [TKT-42] Écran cassé – need a new monitor",
			wantText:    []string{"Bob Agent commented on TKT-42", "Try <b>this</b> & that.\r\n\r\nThen reboot."}},
		{name: "resolved", mail: domain.Mail{Kind: domain.MailResolved, To: "ann@company.test", Ticket: ticket,
			Vars:      map[string]string{"ResolvedBy": "Bob Agent", "Note": "Replaced the monitor."},
			InReplyTo: "tkt-42.comment.bbbb@company.test", References: []string{ticket.MessageID, "tkt-42.ticket_received.aaaa@company.test", "tkt-42.comment.bbbb@company.test"}},
			from:        "noreply@company.test",
			wantSubject: "Re: [TKT-42] Écran cassé – need a new monitor", wantReplyTo: "help@company.test",
			wantText: []string{"resolved by Bob Agent", "Replaced the monitor.", "REOPEN"}},
		{name: "portal_root", mail: domain.Mail{Kind: domain.MailTicketReceived, To: "ann@company.test",
			Ticket: &domain.Ticket{ID: 43, Subject: "VPN", Status: domain.StatusAssigned, Assignee: "bob@company.test", Category: "Network"}},
			wantSubject: "[TKT-43] VPN",
			wantText:    []string{"Category: Network", "bob@company.test is working on it"}},
		{name: "assigned", mail: domain.Mail{Kind: domain.MailAssigned, To: "bob@company.test", ToName: "Bob Agent", Ticket: assignedTicket,
			Vars: map[string]string{"Requester": "Ann Lee <ann@company.test>", "Text": "My screen is <cracked> & flickers.\n\nDesk 4.2.",
				"Approvals": "level 1: carl@company.test approved by email on 2026-11-27 — fine\nlevel 2: dana@company.test approved by portal on 2026-11-27"},
			InReplyTo: "tkt-42.ticket_received.aaaa@company.test", References: []string{ticket.MessageID, "tkt-42.ticket_received.aaaa@company.test"}},
			wantSubject: "Re: [TKT-42] Écran cassé – need a new monitor",
			wantText: []string{"Ticket TKT-42 has been assigned to you.", "Requester: Ann Lee <ann@company.test>", "Category: Hardware",
				"level 1: carl@company.test approved by email on 2026-11-27 — fine", "My screen is <cracked> & flickers.\r\n\r\nDesk 4.2.",
				"DONE on the first line"}},
		{name: "assigned_reassigned", mail: domain.Mail{Kind: domain.MailAssigned, To: "cleo@company.test", Ticket: assignedTicket,
			Vars:      map[string]string{"Requester": "ann@company.test", "Reassigned": "yes"},
			InReplyTo: "tkt-42.assigned.cccc@company.test", References: []string{ticket.MessageID, "tkt-42.assigned.cccc@company.test"}},
			wantSubject: "Re: [TKT-42] Écran cassé – need a new monitor",
			wantText:    []string{"Ticket TKT-42 has been reassigned to you.", "Requester: ann@company.test", "(no text)"}},
		{name: "assigned_requester", mail: domain.Mail{Kind: domain.MailAssignedRequester, To: "ann@company.test", ToName: "Ann Lee", Ticket: assignedTicket,
			Vars:      map[string]string{"AssigneeName": "Bob Agent", "Approved": "yes"},
			InReplyTo: "tkt-42.assigned.bbbb@company.test", References: []string{ticket.MessageID, "tkt-42.assigned.bbbb@company.test"}},
			wantSubject: "Re: [TKT-42] Écran cassé – need a new monitor",
			wantText:    []string{"Your ticket TKT-42 (Écran cassé – need a new monitor) has been approved and assigned to Bob Agent.", "Bob Agent will get back to you"}},
		{name: "assigned_requester_plain", mail: domain.Mail{Kind: domain.MailAssignedRequester, To: "ann@company.test", Ticket: assignedTicket,
			Vars:      map[string]string{"AssigneeName": "bob@company.test"},
			InReplyTo: "tkt-42.assigned.bbbb@company.test", References: []string{ticket.MessageID, "tkt-42.assigned.bbbb@company.test"}},
			wantSubject: "Re: [TKT-42] Écran cassé – need a new monitor",
			wantText:    []string{"Your ticket TKT-42 (Écran cassé – need a new monitor) has been assigned to bob@company.test."}},
		{name: "refusal", mail: domain.Mail{Kind: domain.MailRefusal, To: "stranger@elsewhere.test",
			Vars: map[string]string{"Subject": "Drucker kaputt"}, ReplyTo: "help+x@company.test"},
			wantSubject: "Your message to ACME IT Helpdesk", wantReplyTo: "help+x@company.test",
			wantText: []string{`Your message to help@company.test did not open a ticket`, "ACME IT Helpdesk takes requests"}},
		{name: "triage_notice", mail: domain.Mail{Kind: domain.MailTriageNotice, To: "root@company.test",
			Lines: []domain.MailLine{
				{Ref: "TKT-42", Subject: "Écran cassé – need a new monitor", Note: "best guess Hardware 0.41"},
				{Ref: "TKT-43", Subject: "<b>VPN</b>\r\nBcc: x@evil.test", Note: "no category fits"}},
			Vars: map[string]string{"total": "9", "more": "7"}},
			wantSubject: "Triage: 9 tickets waiting at ACME IT Helpdesk",
			wantText: []string{"9 tickets wait in triage", `- TKT-42 "Écran cassé – need a new monitor": best guess Hardware 0.41`,
				"https://help.company.test/admin/tickets/TKT-42", `- TKT-43 "<b>VPN</b> Bcc: x@evil.test": no category fits`,
				"… and 7 more.", "https://help.company.test/admin/tickets?status=triage"}},
		{name: "mailbox_reauthorization", mail: domain.Mail{Kind: domain.MailMailboxReauth, To: "root@company.test", ToName: "Root",
			Vars: map[string]string{"mailbox": "help@company.test", "reason": "OAuth2 refresh: the provider answered HTTP 400 invalid_grant: AADSTS50173: The provided grant has expired due to it being revoked",
				"advice": "The grant was revoked or has expired: connect the mailbox again."}},
			wantSubject: "Mailbox help@company.test must be connected again (ACME IT Helpdesk)",
			wantText: []string{"The mailbox help@company.test must be connected again", "What the provider said: OAuth2 refresh: the provider answered HTTP 400 invalid_grant: AADSTS50173",
				"The grant was revoked or has expired", "https://help.company.test/admin/mail/mailboxes", "stays in the mailbox, unread"}},
		{name: "password_link", mail: domain.Mail{Kind: domain.MailPasswordLink, To: "ann@company.test", ToName: "Ann Lee",
			Vars: map[string]string{"link": "https://help.company.test/password/abc.def", "purpose": "reset", "expires": "1 hour", "name": "Ann Lee"}},
			wantSubject: "Choose a new password for ACME IT Helpdesk",
			wantText:    []string{"https://help.company.test/password/abc.def", "works once, for 1 hour"}},
		{name: "approval_needed", mail: domain.Mail{Kind: domain.MailApprovalNeeded, To: "lead@company.test", ToName: "Lea Lead", Ticket: ticket,
			Token: "apr-7-abcdefghijklmnopqrstuvwxyz", ReplyTo: "help+apr-7-abcdefghijklmnopqrstuvwxyz@company.test",
			Vars: map[string]string{"Token": "apr-7-abcdefghijklmnopqrstuvwxyz", "Level": "1", "Of": "2",
				"ApproveLink": "mailto:help+apr-7-abcdefghijklmnopqrstuvwxyz@company.test?subject=Re%3A%20%5BTKT-42%5D&body=APPROVE",
				"RejectLink":  "mailto:help+apr-7-abcdefghijklmnopqrstuvwxyz@company.test?subject=Re%3A%20%5BTKT-42%5D&body=REJECT"}},
			wantSubject: "Approval needed: [TKT-42] Écran cassé – need a new monitor", wantReplyTo: "help+apr-7-abcdefghijklmnopqrstuvwxyz@company.test",
			wantText: []string{"asks for approval of TKT-42", "APPROVE    (or YES, OK)", "Ref: apr-7-abcdefghijklmnopqrstuvwxyz", "level 1 of 2"}},
		{name: "approval_reminder", mail: domain.Mail{Kind: domain.MailApprovalReminder, To: "lead@company.test", Ticket: ticket,
			Token: "apr-7-abcdefghijklmnopqrstuvwxyz", ReplyTo: "help+apr-7-abcdefghijklmnopqrstuvwxyz@company.test",
			InReplyTo: "tkt-42.approval_needed.apr-7-abcdefghijklmnopqrstuvwxyz@company.test",
			Vars:      map[string]string{"Token": "apr-7-abcdefghijklmnopqrstuvwxyz", "ApproveLink": "mailto:x@company.test", "RejectLink": "mailto:x@company.test"}},
			wantSubject: "Re: Approval needed: [TKT-42] Écran cassé – need a new monitor", wantReplyTo: "help+apr-7-abcdefghijklmnopqrstuvwxyz@company.test",
			wantText: []string{"A reminder", "still waiting for your approval of TKT-42"}},
		{name: "rejected", mail: domain.Mail{Kind: domain.MailRejected, To: "ann@company.test", Ticket: ticket,
			InReplyTo: ticket.MessageID, References: []string{ticket.MessageID},
			Vars: map[string]string{"Approver": "lead@company.test", "Reason": "Over budget this quarter."}},
			wantSubject: "Re: [TKT-42] Écran cassé – need a new monitor",
			wantText:    []string{"was not approved by lead@company.test", "Over budget this quarter."}},
		{name: "unreadable_reply", mail: domain.Mail{Kind: domain.MailUnreadableReply, To: "lead@company.test", Ticket: ticket,
			Vars: map[string]string{"Problem": "its first line is not APPROVE or REJECT.", "Instructions": "Reply to the approval mail with APPROVE or REJECT on the first line."}},
			wantSubject: "[TKT-42] Écran cassé – need a new monitor",
			wantText:    []string{"its first line is not APPROVE or REJECT", "Nothing was changed."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := tt.from
			if from == "" {
				from = "help@company.test"
			}
			msg, err := testComposer(t, from).Compose(context.Background(), tt.mail)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.name+".eml")
			if *update {
				if err := os.WriteFile(golden, msg.Raw, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(msg.Raw, want) {
				t.Errorf("%s differs from the golden file (go test -update rewrites it); got:\n%s", golden, msg.Raw)
			}

			p := parse(t, msg.Raw)
			h := p.h
			if subj, _ := h.Subject(); subj != tt.wantSubject || msg.Subject != tt.wantSubject {
				t.Errorf("Subject = %q (row %q), want %q", subj, msg.Subject, tt.wantSubject)
			}
			if raw := h.Get("Subject"); strings.ContainsFunc(raw, func(r rune) bool { return r > 127 }) {
				t.Errorf("raw Subject %q is not RFC 2047 encoded", raw)
			}
			m := msgIDRE.FindStringSubmatch(h.Get("Message-Id"))
			wantTicket := "0"
			if tt.mail.Ticket != nil {
				wantTicket = strings.TrimPrefix(tt.mail.Ticket.Ref(), "TKT-")
			}
			if m == nil || m[1] != wantTicket || m[2] != string(tt.mail.Kind) || "<"+msg.MessageID+">" != h.Get("Message-Id") ||
				tt.mail.Token != "" && !strings.Contains(msg.MessageID, "."+tt.mail.Token+"@") {
				t.Errorf("Message-Id %q (row %q), want <tkt-%s.%s.RANDOM@company.test>", h.Get("Message-Id"), msg.MessageID, wantTicket, tt.mail.Kind)
			}
			inReplyTo, _ := h.MsgIDList("In-Reply-To")
			refs, _ := h.MsgIDList("References")
			if tt.mail.InReplyTo == "" {
				if len(inReplyTo) != 0 || len(refs) != 0 {
					t.Errorf("a thread's first mail has In-Reply-To %v, References %v", inReplyTo, refs)
				}
			} else if len(inReplyTo) != 1 || inReplyTo[0] != tt.mail.InReplyTo || strings.Join(refs, " ") != strings.Join(tt.mail.References, " ") {
				t.Errorf("In-Reply-To %v, References %v; want %s, %v", inReplyTo, refs, tt.mail.InReplyTo, tt.mail.References)
			}
			if h.Get("Auto-Submitted") != "auto-generated" || h.Get("X-Auto-Response-Suppress") != "All" {
				t.Errorf("Auto-Submitted %q, X-Auto-Response-Suppress %q", h.Get("Auto-Submitted"), h.Get("X-Auto-Response-Suppress"))
			}
			if d, err := h.Date(); err != nil || !d.Equal(t0) {
				t.Errorf("Date = %v, %v", d, err)
			}
			fromList, _ := h.AddressList("From")
			if len(fromList) != 1 || fromList[0].Name != "ACME IT Helpdesk" || fromList[0].Address != from {
				t.Errorf("From = %v", fromList)
			}
			toList, _ := h.AddressList("To")
			if len(toList) != 1 || toList[0].Address != tt.mail.To || toList[0].Name != tt.mail.ToName || msg.To != tt.mail.To {
				t.Errorf("To = %v", toList)
			}
			replyTo, _ := h.AddressList("Reply-To")
			if tt.wantReplyTo == "" && len(replyTo) != 0 || tt.wantReplyTo != "" && (len(replyTo) != 1 || replyTo[0].Address != tt.wantReplyTo) {
				t.Errorf("Reply-To = %v, want %q", replyTo, tt.wantReplyTo)
			}
			for _, w := range tt.wantText {
				w2 := strings.ReplaceAll(w, "\r\n", "\n")
				if !strings.Contains(p.text, w) && !strings.Contains(p.text, w2) {
					t.Errorf("text part lacks %q:\n%s", w, p.text)
				}
			}
			if tt.mail.Token != "" {
				// Approvers have no account: their mail links to no page, and
				// its buttons are mailto: links, so no web request decides.
				if strings.Contains(p.html, "https://help.company.test/") || strings.Contains(p.text, "https://help.company.test/") {
					t.Errorf("approval mail links to the portal")
				}
				if !strings.Contains(p.html, `href="mailto:`) {
					t.Errorf("approval mail has no mailto: buttons:\n%s", p.html)
				}
			} else if tt.mail.Ticket != nil {
				link := "https://help.company.test/tickets/" + tt.mail.Ticket.Ref()
				if !strings.Contains(p.html, `href="`+link+`"`) || !strings.Contains(p.text, link) {
					t.Errorf("parts lack the portal link %s", link)
				}
			}
			if strings.Contains(p.html, "<b>this</b>") || strings.Contains(p.html, "http://") && !strings.Contains(p.html, "https://") {
				t.Errorf("HTML part is not escaped or links elsewhere:\n%s", p.html)
			}
			if tt.name == "comment" && !strings.Contains(p.html, "Try &lt;b&gt;this&lt;/b&gt; &amp; that.") {
				t.Errorf("HTML part lacks the escaped comment:\n%s", p.html)
			}
			if tt.name == "assigned" && (!strings.Contains(p.html, "My screen is &lt;cracked&gt; &amp; flickers.") ||
				!strings.Contains(p.html, "Ann Lee &lt;ann@company.test&gt;") || !strings.Contains(p.html, "level 2: dana@company.test approved")) {
				t.Errorf("HTML part lacks the escaped text, requester or approvals:\n%s", p.html)
			}
			if tt.name == "assigned_requester" && !strings.Contains(p.html, "has been approved and assigned to <strong>Bob Agent</strong>") {
				t.Errorf("HTML part lacks the assignee:\n%s", p.html)
			}
		})
	}
}

// TestComposeHeaderInjection: CR and LF in a subject or a name end up as
// spaces inside one header; no header can be added.
func TestComposeHeaderInjection(t *testing.T) {
	evil := "Help\r\nBcc: victim@evil.test\r\n\r\nfake body"
	tk := &domain.Ticket{ID: 5, Subject: evil, Status: domain.StatusTriage}
	c := testComposer(t, "help@company.test")
	msg, err := c.Compose(context.Background(), domain.Mail{Kind: domain.MailComment, To: "ann@company.test", ToName: "Ann\nBcc: victim@evil.test",
		Ticket: tk, Vars: map[string]string{"Author": "Eve\r\nX-Evil: 1", "Comment": "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, msg.Raw)
	for _, k := range []string{"Bcc", "X-Evil"} {
		if p.h.Has(k) {
			t.Errorf("header %s was injected:\n%s", k, msg.Raw)
		}
	}
	if subj, _ := p.h.Subject(); subj != "[TKT-5] Help Bcc: victim@evil.test fake body" {
		t.Errorf("Subject = %q", subj)
	}
	head, _, _ := bytes.Cut(msg.Raw, []byte("\r\n\r\n"))
	if bytes.Contains(head, []byte("\nBcc")) || bytes.Contains(head, []byte("fake body\r\n\r\n")) {
		t.Errorf("header block:\n%s", head)
	}
	for _, bad := range []domain.Mail{
		{Kind: domain.MailComment, To: "ann@company.test\r\nBcc: x@evil.test", Ticket: tk},
		{Kind: domain.MailComment, To: "ann@company.test", Ticket: tk, InReplyTo: "a@b>\r\nBcc: <x@evil.test"},
		{Kind: domain.MailComment, To: "ann@company.test", Ticket: tk, References: []string{"x y@z"}},
		{Kind: domain.MailComment, To: "ann@company.test", Ticket: tk, ReplyTo: "r@company.test\nBcc: x@evil.test"},
		{Kind: domain.MailApprovalNeeded, To: "ann@company.test", Ticket: tk},
		{Kind: domain.MailApprovalNeeded, To: "ann@company.test", Ticket: tk, Token: "apr-1-x\r\nBcc: x@evil.test"},
	} {
		if _, err := c.Compose(context.Background(), bad); err == nil {
			t.Errorf("Compose(%+v) = nil error", bad)
		}
	}
}

// TestEveryKindComposes guards against a mail kind that a use case sends
// with no template: Compose would fail inside the use case's transaction.
func TestEveryKindComposes(t *testing.T) {
	c := testComposer(t, "help@company.test")
	kinds := []domain.MailKind{domain.MailTicketReceived, domain.MailApprovalNeeded, domain.MailApprovalReminder,
		domain.MailRejected, domain.MailAssigned, domain.MailAssignedRequester, domain.MailComment, domain.MailResolved,
		domain.MailRefusal, domain.MailUnreadableReply, domain.MailTriageNotice, domain.MailPasswordLink, domain.MailApprovalExpired,
		domain.MailMailboxReauth}
	for _, k := range kinds {
		m := domain.Mail{Kind: k, To: "ann@company.test", Ticket: assignedTicket, Vars: map[string]string{}}
		if k == domain.MailApprovalNeeded || k == domain.MailApprovalReminder {
			m.Token = "apr-1-abcdefghijklmnopqrstuvwxyz"
		}
		if _, err := c.Compose(context.Background(), m); err != nil {
			t.Errorf("Compose(%s) = %v", k, err)
		}
	}
}
