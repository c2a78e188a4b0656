package outbox

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/i18n"
)

// englishWords give away an English sentence left in a translated mail:
// words no German, French or Spanish sentence of ours uses.
var englishWords = regexp.MustCompile(`\b(the|and|you|your|is|has|been|this|with|reply|please|will|not|here|what|who|to|The|You|Your|This|Hello|Reply|Please|What)\b`)

var leftPlaceholder = regexp.MustCompile(`\{[a-z_]+\}`)

var tagRE = regexp.MustCompile(`<[^>]*>`)

// i18nMails are one mail of every template branch, with names and codes
// that are no English words.
func i18nMails() map[string]domain.Mail {
	tk := &domain.Ticket{ID: 7, Subject: "VPN 42", Status: domain.StatusAssigned, Category: "Hardware",
		Requester: "ana@firma.test", Assignee: "Bob Ruiz", Body: "VPN 42?"}
	tkFields := &domain.Ticket{ID: 7, Subject: "VPN 42", Status: domain.StatusAssigned, Category: "Hardware", Requester: "ana@firma.test",
		Fields: []domain.TicketField{{Question: "VPN-ID", Answer: "42"}, {Question: "Modell", Answer: "T14"}}}
	tri := &domain.Ticket{ID: 7, Subject: "VPN 42", Status: domain.StatusTriage, Requester: "ana@firma.test"}
	appr := map[string]string{"Token": "apr-1-abc", "Level": "1", "Of": "2", "OthersRule": "all", "Approvers": "3",
		"ApproveLink": "mailto:x@firma.test", "RejectLink": "mailto:x@firma.test"}
	return map[string]domain.Mail{
		"ticket_received":       {Kind: domain.MailTicketReceived, To: "ana@firma.test", ToName: "Ana", Ticket: tri},
		"ticket_received_assig": {Kind: domain.MailTicketReceived, To: "ana@firma.test", Ticket: tk},
		"approval_needed":       {Kind: domain.MailApprovalNeeded, To: "lea@firma.test", ToName: "Lea", Ticket: tk, Token: "apr-1-abc", Vars: appr},
		"approval_needed_any": {Kind: domain.MailApprovalNeeded, To: "lea@firma.test", Ticket: &domain.Ticket{ID: 7, Subject: "VPN 42", Requester: "ana@firma.test"},
			Token: "apr-1-abc", Vars: map[string]string{"Token": "apr-1-abc", "Level": "1", "OthersRule": "any", "Approvers": "2"}},
		"approval_reminder": {Kind: domain.MailApprovalReminder, To: "lea@firma.test", Ticket: tk, Token: "apr-1-abc", Vars: appr, InReplyTo: "a@firma.test"},
		"approval_expired": {Kind: domain.MailApprovalExpired, To: "adm@firma.test", Ticket: tk,
			Vars: map[string]string{"Since": "2026-12-01T09:00:00Z", "Pending": "lea@firma.test", "Level": "1"}},
		"rejected":           {Kind: domain.MailRejected, To: "ana@firma.test", Ticket: tk, Vars: map[string]string{"Approver": "Lea", "Reason": "Budget 2027"}},
		"rejected_plain":     {Kind: domain.MailRejected, To: "ana@firma.test", Ticket: tk},
		"assigned":           {Kind: domain.MailAssigned, To: "bob@firma.test", ToName: "Bob", Ticket: tk, Vars: map[string]string{"Requester": "Ana", "Text": "VPN 42?", "Approvals": "Lea: OK"}},
		"assigned_again":     {Kind: domain.MailAssigned, To: "bob@firma.test", Ticket: &domain.Ticket{ID: 7, Subject: "VPN 42"}, Vars: map[string]string{"Reassigned": "1"}},
		"assigned_requester": {Kind: domain.MailAssignedRequester, To: "ana@firma.test", Ticket: tk, Vars: map[string]string{"AssigneeName": "Bob Ruiz"}},
		"assigned_req_again": {Kind: domain.MailAssignedRequester, To: "ana@firma.test", Ticket: tk, Vars: map[string]string{"AssigneeName": "Bob Ruiz", "Reassigned": "1"}},
		"assigned_req_appr":  {Kind: domain.MailAssignedRequester, To: "ana@firma.test", Ticket: tk, Vars: map[string]string{"AssigneeName": "Bob Ruiz", "Approved": "1"}},
		"comment":            {Kind: domain.MailComment, To: "ana@firma.test", Ticket: tk, Vars: map[string]string{"Author": "Bob Ruiz", "Comment": "VPN 42!"}},
		"resolved":           {Kind: domain.MailResolved, To: "ana@firma.test", Ticket: tk, Vars: map[string]string{"ResolvedBy": "Bob Ruiz", "Note": "VPN 43."}},
		"resolved_rate":      {Kind: domain.MailResolved, To: "ana@firma.test", Ticket: tk, Vars: map[string]string{"ResolvedBy": "Bob Ruiz", "satisfaction_yes": "7-3-yes-abc", "satisfaction_no": "7-3-no-abc"}},
		"refusal":            {Kind: domain.MailRefusal, To: "x@andere.test"},
		"unreadable_reply":   {Kind: domain.MailUnreadableReply, To: "lea@firma.test", Ticket: tk, Vars: map[string]string{"NoWord": "1"}},
		"triage_notice": {Kind: domain.MailTriageNotice, To: "adm@firma.test", Vars: map[string]string{"total": "3", "more": "1"},
			Lines: []domain.MailLine{{Ref: "TKT-7", Subject: "VPN 42", Note: "Hardware 80%"}, {Ref: "TKT-8", Subject: "SAP", Note: "ERP 51%"}}},
		"triage_notice_one":       {Kind: domain.MailTriageNotice, To: "adm@firma.test", Vars: map[string]string{"total": "1"}, Lines: []domain.MailLine{{Ref: "TKT-7", Subject: "VPN 42"}}},
		"password_reset":          {Kind: domain.MailPasswordLink, To: "ana@firma.test", Vars: map[string]string{"link": "https://h.firma.test/p/1.2", "purpose": "reset", "expires": "1 hour", "name": "Ana"}},
		"password_invite":         {Kind: domain.MailPasswordLink, To: "ana@firma.test", Vars: map[string]string{"link": "https://h.firma.test/p/1.2", "purpose": "invite", "expires": "2 hours"}},
		"assigned_watch":          {Kind: domain.MailComment, To: "ana@firma.test", Ticket: tk, CopyTo: "eva@firma.test", Vars: map[string]string{"Author": "Bob", "Comment": "42", "unwatch_token": "abc"}},
		"mailbox_reauthorization": {Kind: domain.MailMailboxReauth, To: "adm@firma.test", Vars: map[string]string{"mailbox": "hilfe@firma.test", "reason": "invalid_grant"}},
		"note":                    {Kind: domain.MailNote, To: "bob@firma.test", Ticket: tk, Vars: map[string]string{"Author": "Eva", "Note": "VPN 42."}},
		"webhook_disabled":        {Kind: domain.MailWebhookDisabled, To: "adm@firma.test", Vars: map[string]string{"url": "https://hook.firma.test/x", "reason": "HTTP 500", "since": "2026-12-01T09:00:00Z"}},
		"merged_from":             {Kind: domain.MailMerged, To: "ana@firma.test", Ticket: tk, Vars: map[string]string{"Yours": "from", "From": "TKT-8", "FromSubject": "VPN", "Into": "TKT-7", "IntoSubject": "VPN 42"}},
		"sla_at_risk": {Kind: domain.MailSLAAtRisk, To: "bob@firma.test", ToName: "Bob", Ticket: tk,
			Vars: map[string]string{"Target": "first response", "Due": "Mon 7 Dec 2026 09:00 UTC", "DueAt": "2026-12-07T09:00:00Z", "Priority": "high"}},
		"sla_breached": {Kind: domain.MailSLABreached, To: "adm@firma.test", Ticket: tk,
			Vars: map[string]string{"Target": "resolution", "Due": "Mon 7 Dec 2026 09:00 UTC", "DueAt": "2026-12-07T09:00:00Z", "Priority": "urgent"}},
		"sla_breached_nobody": {Kind: domain.MailSLABreached, To: "adm@firma.test", Ticket: tri,
			Vars: map[string]string{"Target": "first response", "DueAt": "2026-12-07T09:00:00Z", "Priority": "low"}},
		"ticket_received_questions": {Kind: domain.MailTicketReceived, To: "ana@firma.test", Ticket: tk, Questions: []string{"VPN-ID", "Modell"}},
		"assigned_fields":           {Kind: domain.MailAssigned, To: "bob@firma.test", Ticket: tkFields, Vars: map[string]string{"Requester": "Ana", "Text": "VPN 42?"}},
		"merged_into":               {Kind: domain.MailMerged, To: "ana@firma.test", Ticket: tk, Vars: map[string]string{"Yours": "into", "From": "TKT-8", "FromSubject": "VPN", "Into": "TKT-7", "IntoSubject": "VPN 42", "FromRequester": "Eva"}},
	}
}

// TestEveryMailInEveryLanguage renders every template branch in every
// language: no key is missing (an error), no {placeholder} is left, no
// English sentence is left in a translated mail (its words and codes
// aside), the subject is the language's, and the mail names the command
// words in its language and in English.
func TestEveryMailInEveryLanguage(t *testing.T) {
	c := testComposer(t, "help@company.test")
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[domain.MailKind]bool{}
	for name, m := range i18nMails() {
		kinds[m.Kind] = true
		for _, lang := range i18n.Supported() {
			t.Run(name+"/"+lang, func(t *testing.T) {
				m := m
				m.Language, m.TimeZone = lang, "Europe/Madrid"
				msg, err := c.Compose(context.Background(), m)
				if err != nil {
					t.Fatalf("Compose: %v", err)
				}
				p := parse(t, msg.Raw)
				html := tagRE.ReplaceAllString(p.html, " ")
				for part, s := range map[string]string{"text": p.text, "HTML": html, "subject": msg.Subject} {
					if ph := leftPlaceholder.FindString(s); ph != "" {
						t.Errorf("%s part keeps %s:\n%s", part, ph, s)
					}
					if lang == i18n.English {
						continue
					}
					// The English command words are meant to be there.
					s = regexp.MustCompile(`\b(APPROVE|REJECT|DONE|REOPEN|UNSUBSCRIBE|OK|TRIAGE_DIGEST_INTERVAL|OAuth2)\b`).ReplaceAllString(s, "")
					s = strings.NewReplacer("https://help.company.test", "", "ACME IT Helpdesk", "").Replace(s)
					if w := englishWords.FindString(s); w != "" {
						t.Errorf("%s part in %s keeps the English %q:\n%s", part, lang, w, s)
					}
				}
				if !strings.Contains(p.html, `<html lang="`+lang+`">`) {
					t.Errorf("HTML part is not marked lang=%q", lang)
				}
				if m.Kind == domain.MailApprovalNeeded || m.Kind == domain.MailApprovalReminder || m.Kind == domain.MailUnreadableReply {
					l := cat.For(lang, nil)
					for _, w := range []string{l.T("word.approve"), l.T("word.reject"), "APPROVE", "REJECT"} {
						if !strings.Contains(p.text, w) || !strings.Contains(p.html, w) {
							t.Errorf("the %s mail does not name %q in both parts", lang, w)
						}
					}
				}
			})
		}
	}
	for _, k := range composedKinds {
		if !kinds[k] {
			t.Errorf("no mail of kind %s in the table", k)
		}
	}
}

func TestMailDatesInRecipientZone(t *testing.T) {
	c := testComposer(t, "help@company.test")
	m := i18nMails()["approval_expired"]
	m.Language, m.TimeZone = "de", "Europe/Berlin"
	msg, err := c.Compose(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if p := parse(t, msg.Raw); !strings.Contains(p.text, "seit 1. Dez. 2026, 10:00 CET") {
		t.Errorf("German mail in Berlin time lacks %q:\n%s", "seit 1. Dez. 2026, 10:00 CET", p.text)
	}
	m.Language, m.TimeZone = "", ""
	msg, _ = c.Compose(context.Background(), m)
	if p := parse(t, msg.Raw); !strings.Contains(p.text, "since 1 Dec 2026 09:00 UTC") {
		t.Errorf("default mail lacks %q:\n%s", "since 1 Dec 2026 09:00 UTC", p.text)
	}
	_ = time.UTC
}

func TestDefaultLanguage(t *testing.T) {
	c, err := NewComposer(ComposerConfig{From: "help@company.test", HelpdeskAddress: "help@company.test", DefaultLanguage: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := c.Compose(context.Background(), i18nMails()["refusal"])
	if err != nil || !strings.HasPrefix(msg.Subject, "Votre message") {
		t.Errorf("with DEFAULT_LANGUAGE fr the subject is %q, %v", msg.Subject, err)
	}
	msg, _ = c.Compose(context.Background(), domain.Mail{Kind: domain.MailRefusal, To: "x@y.test", Language: "es"})
	if !strings.HasPrefix(msg.Subject, "Su mensaje") {
		t.Errorf("a mail in es has the subject %q", msg.Subject)
	}
}
