package domain_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// itOnlyClassifier answers IT for every ticket, and fails the test when it
// is asked about a ticket of the HR mailbox (whose subjects start with
// "HR:"), which its default category must route without it.
type itOnlyClassifier struct {
	t      *testing.T
	inline bool
	mu     sync.Mutex
	asked  []string
}

func (c *itOnlyClassifier) Classify(ctx context.Context, subject, body string, cats []domain.Category) (domain.Classification, error) {
	c.mu.Lock()
	c.asked = append(c.asked, subject)
	c.mu.Unlock()
	if strings.HasPrefix(subject, "HR:") {
		c.t.Errorf("the classifier was asked about %q, a ticket of a mailbox with a default category", subject)
		return domain.Classification{}, errors.New("not for HR")
	}
	return domain.Classification{Category: "IT", Confidence: 0.9, Method: domain.MethodLocal}, nil
}

func (c *itOnlyClassifier) Inline() bool { return c.inline }

const routeSetup = `{
  "categories": [
    {"name": "IT", "description": "Computers"},
    {"name": "HR", "description": "Contracts and leave",
     "approval_levels": [{"rule": "all", "approvers": ["boss@company.test"]}]}
  ],
  "users": [{"email": "root@company.test", "role": "admin"}],
  "team_members": [{"email": "carl@company.test", "categories": ["IT"], "available": true},
                   {"email": "dana@company.test", "categories": ["HR"], "available": true}]
}`

// mailsTo returns the mails of kind that were composed for a ticket
// (by its ref), in order.
func mailsOf(c *recordingComposer, ref string, kind domain.MailKind) []domain.Mail {
	var out []domain.Mail
	for _, m := range c.Sent() {
		if m.Kind == kind && m.Ticket != nil && m.Ticket.Ref() == ref {
			out = append(out, m)
		}
	}
	return out
}

// Two mailboxes, the default one (help@, HELPDESK_ADDRESS) and hr@ with a
// default category: each mail's ticket keeps the mailbox it came in on;
// hr@'s goes to HR without the classifier, through HR's approval and
// assignment; every mail about it goes out from hr@ (with its name, and
// approval replies to hr@'s plus address), its outbox rows name hr@, and
// a reply that arrives at help@ still joins it. Mail from hr@ is a loop.
// Once hr@ is disabled its ticket's mail falls back to the default.
func TestMailboxRouting(t *testing.T) {
	for _, inline := range []bool{true, false} {
		name := map[bool]string{true: "inline", false: "later"}[inline]
		t.Run(name, func(t *testing.T) {
			storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
				testMailboxRouting(t, s, inline)
			})
		})
	}
}

func testMailboxRouting(t *testing.T, s *storage.Store, inline bool) {
	ctx := context.Background()
	cls := &itOnlyClassifier{t: t, inline: inline}
	composer := &recordingComposer{}
	d := domain.NewDesk(s, fixedClock{}, storagetest.Logger(t),
		domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}),
		domain.WithClassifier(cls, 0.5), domain.WithComposer(composer, true))
	applySetup(t, d, routeSetup)
	hr, err := s.GetCategoryByName(ctx, "HR")
	if err != nil {
		t.Fatal(err)
	}
	hrBox := &domain.Mailbox{Address: "hr@company.test", Name: "HR Desk", DefaultCategoryID: &hr.ID, Enabled: true}
	off := &domain.Mailbox{Address: "facilities@company.test", Enabled: false}
	for _, m := range []*domain.Mailbox{hrBox, off} {
		if err := m.Normalize(); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateMailbox(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	d.InvalidateMailboxes()

	// The receivers' view: whose addresses are ours, for which mailbox.
	for _, c := range []struct {
		addr, mailbox string
		ok            bool
	}{
		{"help@company.test", "", true}, {"Help+apr-1@Company.test", "", true},
		{"hr@company.test", "hr@company.test", true}, {"HR+x@company.test", "hr@company.test", true},
		{"facilities@company.test", "", false}, {"nobody@company.test", "", false}, {"not an address", "", false},
	} {
		mb, ok, err := d.RecipientMailbox(ctx, c.addr)
		if err != nil || mb != c.mailbox || ok != c.ok {
			t.Errorf("RecipientMailbox(%q) = %q, %v, %v; want %q, %v", c.addr, mb, ok, err, c.mailbox, c.ok)
		}
	}

	// help@ (the default mailbox) and hr@ in one batch.
	help := mail("help1@mail.test", "ann@company.test", "Printer jams", "The printer jams.")
	hrMail := mail("hr1@mail.test", "ann@company.test", "HR: contract question", "About my contract.")
	hrMail.Source = domain.Source{Channel: "imap", Mailbox: "imap://hr@mail/INBOX", Address: "hr@company.test", UIDValidity: 1, UID: 1}
	outs, err := d.Receive(ctx, []domain.Received{help, hrMail})
	if err != nil || len(outs) != 2 || outs[0].Kind != domain.OutcomeTicket || outs[1].Kind != domain.OutcomeTicket {
		t.Fatalf("Receive = %+v, %v", outs, err)
	}
	if !inline {
		if _, err := d.ClassifyPending(ctx); err != nil {
			t.Fatal(err)
		}
	}
	helpT, _ := d.Ticket(ctx, outs[0].TicketID)
	hrT, _ := d.Ticket(ctx, outs[1].TicketID)
	if helpT.Ticket.Mailbox != "" || helpT.Ticket.Category != "IT" || helpT.Ticket.Status != domain.StatusAssigned {
		t.Errorf("help@'s ticket = %+v; want mailbox \"\", IT, assigned", helpT.Ticket)
	}
	if got := hrT.Ticket; got.Mailbox != "hr@company.test" || got.Category != "HR" || got.ClassMethod != domain.MethodMailbox ||
		got.Status != domain.StatusAwaitingApproval {
		t.Errorf("hr@'s ticket = %+v; want mailbox hr@company.test, HR by mailbox, awaiting_approval", got)
	}
	if k := eventKinds(hrT.Events); k != "received,classified,approval_requested" {
		t.Errorf("hr@'s history = %s; want received,classified,approval_requested", k)
	}
	if e := hrT.Events[1]; !strings.Contains(e.Detail, "default category of mailbox hr@company.test") {
		t.Errorf("classified event = %q; want it to name the mailbox's default", e.Detail)
	}
	if len(cls.asked) != 1 || cls.asked[0] != "Printer jams" {
		t.Errorf("classifier asked about %q; want only help@'s ticket", cls.asked)
	}

	// help@'s mail goes out as before; hr@'s from hr@ with its name.
	helpRef, hrRef := helpT.Ticket.Ref(), hrT.Ticket.Ref()
	for _, k := range []domain.MailKind{domain.MailTicketReceived, domain.MailAssigned} {
		for _, m := range mailsOf(composer, helpRef, k) {
			if m.From != "" || m.FromName != "" {
				t.Errorf("%s mail of help@'s ticket from %q %q; want the default", k, m.FromName, m.From)
			}
		}
	}
	fromHR := func(kind domain.MailKind) []domain.Mail {
		t.Helper()
		ms := mailsOf(composer, hrRef, kind)
		if len(ms) == 0 {
			t.Errorf("no %s mail for hr@'s ticket", kind)
		}
		for _, m := range ms {
			if m.From != "hr@company.test" || m.FromName != "HR Desk" {
				t.Errorf("%s mail of hr@'s ticket to %s from %q <%s>; want \"HR Desk\" <hr@company.test>", kind, m.To, m.FromName, m.From)
			}
		}
		return ms
	}
	fromHR(domain.MailTicketReceived)
	apr := fromHR(domain.MailApprovalNeeded)
	if len(apr) != 1 || !strings.HasPrefix(apr[0].ReplyTo, "hr+apr-") || !strings.HasSuffix(apr[0].ReplyTo, "@company.test") ||
		!strings.Contains(apr[0].Vars["ApproveLink"], "mailto:hr+apr-") {
		t.Fatalf("approval mail = %+v; want Reply-To and links at hr@'s plus address", apr)
	}
	box := func(ref string) map[string]int {
		ms, err := s.ListOutbox(ctx, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, m := range ms {
			if domain.FormatRef(m.TicketID) == ref {
				n[m.Mailbox]++
			}
		}
		return n
	}
	if n := box(hrRef); n["hr@company.test"] != 2 || len(n) != 1 {
		t.Errorf("outbox rows of hr@'s ticket by mailbox = %v; want 2 of hr@company.test", n)
	}
	if n := box(helpRef); n[""] == 0 || len(n) != 1 {
		t.Errorf("outbox rows of help@'s ticket by mailbox = %v; want all of the default", n)
	}

	// The approver's reply arrives at help@ (by the plus address of
	// hr@): it decides hr@'s ticket, which goes on to HR's agent from hr@.
	reply := mail("apr1@mail.test", "boss@company.test", "Re: Approval needed", "APPROVE")
	reply.Mail.To = []string{apr[0].ReplyTo}
	if o := receive1(t, d, reply); o.TicketID != hrT.Ticket.ID {
		t.Fatalf("approval reply = %+v; want it on %s", o, hrRef)
	}
	if tk, _ := s.GetTicket(ctx, hrT.Ticket.ID); tk.Status != domain.StatusAssigned || tk.Assignee != "dana@company.test" || tk.Mailbox != "hr@company.test" {
		t.Fatalf("after APPROVE: %+v", tk)
	}
	fromHR(domain.MailAssigned)
	// The requester writes again, to help@, with the subject tag: a
	// comment on hr@'s ticket, relayed to its agent from hr@.
	again := mail("c1@mail.test", "ann@company.test", "Re: ["+hrRef+"] HR: contract question", "One more thing.")
	if o := receive1(t, d, again); o.TicketID != hrT.Ticket.ID || o.Kind != domain.OutcomeComment {
		t.Fatalf("requester's mail to help@ = %+v; want a comment on %s", o, hrRef)
	}
	fromHR(domain.MailComment)

	// Mail from hr@ itself is ours: a loop, no ticket.
	if o := receive1(t, d, mail("loop@mail.test", "hr+x@company.test", "Auto", "Hello")); o.Kind != domain.OutcomeLogged ||
		!strings.Contains(o.Reason, "mail loop") {
		t.Errorf("mail from hr+x@ = %+v; want a logged mail loop", o)
	}

	// A sender outside the policy who wrote to hr@ is refused from hr@,
	// one who wrote to help@ from the default.
	for _, c := range []struct{ to, from string }{{"hr@company.test", "hr@company.test"}, {"", ""}} {
		stranger := "stranger-" + strings.SplitN(c.to+"help", "@", 2)[0] + "@elsewhere.test"
		m := mail("out-"+stranger, stranger, "Hello", "Can you help?")
		if c.to != "" {
			m.Source = domain.Source{Channel: "smtp", Address: c.to}
		}
		composer.Mails = nil
		if o := receive1(t, d, m); o.TicketID != 0 {
			t.Fatalf("a stranger's mail made ticket %d", o.TicketID)
		}
		if len(composer.Mails) != 1 || composer.Mails[0].Kind != domain.MailRefusal || composer.Mails[0].From != c.from {
			t.Errorf("mail to %q from a stranger: mails %+v; want one refusal from %q", c.to, composer.Mails, c.from)
		}
	}

	// hr@ disabled: its ticket's mail goes out from the default.
	hrBox.Enabled = false
	if err := s.UpdateMailbox(ctx, hrBox); err != nil {
		t.Fatal(err)
	}
	d.InvalidateMailboxes()
	before := len(mailsOf(composer, hrRef, domain.MailResolved))
	done := mail("d1@mail.test", "dana@company.test", "Re: ["+hrRef+"] HR: contract question", "DONE")
	if o := receive1(t, d, done); o.TicketID != hrT.Ticket.ID {
		t.Fatalf("agent's DONE = %+v", o)
	}
	res := mailsOf(composer, hrRef, domain.MailResolved)
	if len(res) != before+1 || res[len(res)-1].From != "" {
		t.Errorf("resolved mail after hr@ was disabled = %+v; want one from the default address", res[before:])
	}
	if n := box(hrRef); n[""] != 1 {
		t.Errorf("outbox rows of hr@'s ticket by mailbox = %v; want the resolved mail on the default", n)
	}
	if _, ok, _ := d.RecipientMailbox(ctx, "hr@company.test"); ok {
		t.Error("RecipientMailbox(hr@) is ours after hr@ was disabled")
	}
	if n := historyInEveryLanguage(t, s); n < 8 {
		t.Errorf("%d details checked", n)
	}
}

// A ticket opened outside intake with hr@'s mailbox (ClassifyTicket's
// path: the one-mail retries, a follow-up, the sweep) goes to hr@'s
// default category without the classifier.
func TestClassifyTicketUsesMailboxDefault(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		cls := &itOnlyClassifier{t: t}
		d := domain.NewDesk(s, fixedClock{}, storagetest.Logger(t),
			domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test"}),
			domain.WithClassifier(cls, 0.5), domain.WithComposer(&recordingComposer{}, true))
		applySetup(t, d, routeSetup)
		hr, _ := s.GetCategoryByName(ctx, "HR")
		m := &domain.Mailbox{Address: "hr@company.test", DefaultCategoryID: &hr.ID, Enabled: true}
		if err := m.Normalize(); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateMailbox(ctx, m); err != nil {
			t.Fatal(err)
		}
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "HR: leave", From: "ann@company.test", Mailbox: "hr@company.test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.ClassifyTicket(ctx, tk.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetTicket(ctx, tk.ID)
		if got.Mailbox != "hr@company.test" || got.Category != "HR" || got.ClassMethod != domain.MethodMailbox ||
			got.Status != domain.StatusAwaitingApproval {
			t.Errorf("ticket = %+v; want hr@'s, HR by its mailbox, awaiting approval", got)
		}
		if len(cls.asked) != 0 {
			t.Errorf("classifier asked about %q", cls.asked)
		}
		if n := historyInEveryLanguage(t, s); n < 3 {
			t.Errorf("%d details checked", n)
		}
	})
}
