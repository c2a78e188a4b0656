package domain_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// noteSetup: Hardware is served by bob and carl, Software by dave; root is
// an admin, off a disabled one; ann and eve are employees.
const noteSetup = `{
  "categories": [{"name": "Hardware", "keywords": ["laptop"]}, {"name": "Software", "keywords": ["excel"]}],
  "users": [{"email": "root@company.test", "name": "Root", "role": "admin"},
            {"email": "off@company.test", "role": "admin", "disabled": true},
            {"email": "ann@company.test", "name": "Ann", "role": "employee"}],
  "team_members": [{"email": "bob@company.test", "categories": ["Hardware"]},
                   {"email": "carl@company.test", "categories": ["Hardware"]},
                   {"email": "dave@company.test", "categories": ["Software"]}]
}`

// threadComposer records mails like RecordingComposer, with Message-IDs
// of our form (tkt-N.KIND.n@company.test), so that replies to them thread.
type threadComposer struct {
	storagetest.RecordingComposer
	mu sync.Mutex
	n  int
}

func (c *threadComposer) Compose(ctx context.Context, m domain.Mail) (*domain.OutboxMessage, error) {
	msg, err := c.RecordingComposer.Compose(ctx, m)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.n++
	msg.MessageID = fmt.Sprintf("tkt-%d.%s.%d@company.test", m.Ticket.ID, m.Kind, c.n)
	c.mu.Unlock()
	msg.Raw = []byte("Message-ID: <" + msg.MessageID + ">\r\nSubject: " + msg.Subject + "\r\n\r\n" + m.Vars["Note"] + m.Vars["Comment"])
	return msg, nil
}

// noteDesk is a Desk that takes in mail and mails through c, over s with
// noteSetup, and ann's laptop ticket in Hardware, assigned to bob.
func noteDesk(t *testing.T, s *storage.Store, c domain.Composer, opts ...domain.Option) (*domain.Desk, *domain.Ticket) {
	t.Helper()
	opts = append([]domain.Option{domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test",
		AllowedDomains: []string{"company.test"}}), domain.WithComposer(c, false)}, opts...)
	d := domain.NewDesk(s, fixedClock{}, storagetest.Logger(t), opts...)
	applySetup(t, d, noteSetup)
	o := receive1(t, d, mail("laptop@mail.test", "ann@company.test", "Laptop broken", "The screen is black."))
	if _, err := d.Categorize(context.Background(), o.TicketID, "Hardware", admin); err != nil {
		t.Fatal(err)
	}
	tk, err := s.GetTicket(context.Background(), o.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Status != domain.StatusAssigned || tk.Assignee != "bob@company.test" {
		t.Fatalf("ticket = %s for %q, want assigned to bob", tk.Status, tk.Assignee)
	}
	return d, tk
}

// mailsSince returns "kind:to" of the mails composed after the first n.
func mailsSince(c *threadComposer, n int) []string {
	var out []string
	for _, m := range c.Sent()[n:] {
		out = append(out, string(m.Kind)+":"+m.To)
	}
	slices.Sort(out)
	return out
}

func reply(id, from, text string, inReplyTo ...string) domain.Received {
	r := mail(id, from, "Re: Laptop broken", text)
	r.Mail.InReplyTo = inReplyTo
	return r
}

func user(t *testing.T, s *storage.Store, email string) *domain.User {
	t.Helper()
	u, err := s.GetUserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// noteMailTo returns the Message-ID of the last note mail to addr.
func noteMailTo(t *testing.T, s *storage.Store, id int64, addr string) string {
	t.Helper()
	return mailTo(t, s, id, domain.MailNote, addr)
}

// mailTo returns the Message-ID of the last mail of kind to addr about
// ticket id.
func mailTo(t *testing.T, s *storage.Store, id int64, kind domain.MailKind, addr string) string {
	t.Helper()
	ms, err := s.TicketMail(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Kind == string(kind) && ms[i].To == addr {
			return ms[i].MessageID
		}
	}
	t.Fatalf("no %s mail to %s", kind, addr)
	return ""
}

// TestNoteByMail: an agent's NOTE reply and a reply to a note's mail are
// internal notes, mailed to the category's agents and the admins (not to
// the author, the requester, a disabled admin or another category's
// agent) outside the requester's thread; the requester's NOTE, and her
// forged answer to a note's mail, are public comments; an agent of
// another category changes nothing; a note's files are internal.
func TestNoteByMail(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		c := &threadComposer{}
		d, tk := noteDesk(t, s, c)
		ann, bob := user(t, s, "ann@company.test"), user(t, s, "bob@company.test")

		n := len(c.Sent())
		o := receive1(t, d, reply("n1@mail.test", "bob@company.test", "NOTE: under warranty, I will call Dell.\nSerial in the asset list.", "laptop@mail.test"))
		if o.Kind != domain.OutcomeComment || o.TicketID != tk.ID {
			t.Fatalf("bob's NOTE = %+v", o)
		}
		if got, want := mailsSince(c, n), []string{"note:carl@company.test", "note:root@company.test"}; !slices.Equal(got, want) {
			t.Errorf("bob's NOTE mailed %v, want %v", got, want)
		}
		last := lastEvent(t, d, tk.ID)
		if last.Kind != domain.EventNote || last.Actor != "bob@company.test" || last.Detail != "under warranty, I will call Dell.\nSerial in the asset list." || !last.Internal() {
			t.Errorf("bob's NOTE made %+v", last)
		}

		// carl serves Hardware but is no party to the thread: his answer
		// to the note's mail, without the word, is a note too.
		n = len(c.Sent())
		toCarl := noteMailTo(t, s, tk.ID, "carl@company.test")
		if o := receive1(t, d, reply("n2@mail.test", "carl@company.test", "I have a spare one on my desk.", toCarl)); o.Kind != domain.OutcomeComment {
			t.Fatalf("carl's answer to the note = %+v", o)
		}
		if got, want := mailsSince(c, n), []string{"note:bob@company.test", "note:root@company.test"}; !slices.Equal(got, want) {
			t.Errorf("carl's note mailed %v, want %v", got, want)
		}
		if last := lastEvent(t, d, tk.ID); last.Kind != domain.EventNote || last.Detail != "I have a spare one on my desk." || last.Actor != "carl@company.test" {
			t.Errorf("carl's answer made %+v", last)
		}
		// Without NOTE, and not answering a note, carl's reply is no one's business.
		if o := receive1(t, d, reply("n3@mail.test", "carl@company.test", "Hello Ann", "laptop@mail.test")); o.Kind != domain.OutcomeLogged {
			t.Errorf("carl's plain reply = %+v, want logged", o)
		}
		// dave does not serve Hardware: his NOTE changes nothing.
		n = len(c.Sent())
		if o := receive1(t, d, reply("n4@mail.test", "dave@company.test", "NOTE: not mine", "laptop@mail.test")); o.Kind != domain.OutcomeLogged {
			t.Errorf("dave's NOTE = %+v, want logged", o)
		}
		if got := mailsSince(c, n); len(got) != 0 {
			t.Errorf("dave's NOTE mailed %v", got)
		}

		// The requester's NOTE is her comment, relayed to bob; so is her
		// answer to a note's mail (she never gets one: the In-Reply-To is
		// forged).
		n = len(c.Sent())
		if o := receive1(t, d, reply("n5@mail.test", "ann@company.test", "NOTE: please hurry", "laptop@mail.test")); o.Kind != domain.OutcomeComment {
			t.Fatalf("ann's NOTE = %+v", o)
		}
		if last := lastEvent(t, d, tk.ID); last.Kind != domain.EventCommented || last.Detail != "NOTE: please hurry" {
			t.Errorf("ann's NOTE made %+v", last)
		}
		if o := receive1(t, d, reply("n6@mail.test", "ann@company.test", "is this internal?", toCarl)); o.Kind != domain.OutcomeComment {
			t.Fatalf("ann's forged answer = %+v", o)
		}
		if last := lastEvent(t, d, tk.ID); last.Kind != domain.EventCommented {
			t.Errorf("ann's forged answer to a note made %+v", last)
		}
		if got, want := mailsSince(c, n), []string{"comment:bob@company.test", "comment:bob@company.test"}; !slices.Equal(got, want) {
			t.Errorf("ann's replies mailed %v, want %v", got, want)
		}

		// An admin's NOTE by subject tag, with a file: the file is the note's.
		tagged := mail("n7@mail.test", "root@company.test", "["+tk.Ref()+"] Laptop", "note - the serial is ABC123")
		tagged.Mail.Attachments = []domain.InboundAttachment{{Name: "serial.txt", ContentType: "text/plain", Content: []byte("ABC123")}}
		if o := receive1(t, d, tagged); o.Kind != domain.OutcomeComment {
			t.Fatalf("root's tagged NOTE = %+v", o)
		}

		// bob answers his assignment mail: a comment to ann, whose mail's
		// thread names no note mail.
		n = len(c.Sent())
		assigned := mailTo(t, s, tk.ID, domain.MailAssigned, "bob@company.test")
		if o := receive1(t, d, reply("n8@mail.test", "bob@company.test", "A new laptop comes tomorrow.", assigned)); o.Kind != domain.OutcomeComment {
			t.Fatalf("bob's comment = %+v", o)
		}
		if last := lastEvent(t, d, tk.ID); last.Kind != domain.EventCommented {
			t.Errorf("bob's answer to his assignment mail made %+v", last)
		}
		var toAnn int
		for _, m := range c.Sent()[n:] {
			if m.To != "ann@company.test" {
				continue
			}
			toAnn++
			for _, id := range append([]string{m.InReplyTo}, m.References...) {
				if strings.Contains(id, ".note.") {
					t.Errorf("the comment mail to ann names the note mail %s", id)
				}
			}
		}
		if toAnn != 1 {
			t.Errorf("ann got %d mails for bob's comment, want 1", toAnn)
		}
		for _, m := range c.Sent() {
			if m.To == "ann@company.test" && (m.Kind == domain.MailNote || strings.Contains(m.Vars["Comment"], "warranty") || strings.Contains(m.Vars["Comment"], "spare")) {
				t.Errorf("ann was mailed a note: %+v", m)
			}
			if m.Kind == domain.MailNote && (m.To == "off@company.test" || m.To == "dave@company.test") {
				t.Errorf("a note was mailed to %s", m.To)
			}
		}

		// ann's page: no note, no note's file; bob's: both.
		td, acc, err := d.TicketFor(ctx, ann, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if acc.Notes || strings.Contains(eventKinds(td.Events), "note") || len(td.Attachments) != 0 {
			t.Errorf("ann sees notes %v: %s, %d attachments", acc.Notes, eventKinds(td.Events), len(td.Attachments))
		}
		td, acc, err = d.TicketFor(ctx, bob, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if notes := strings.Count(eventKinds(td.Events), "note"); !acc.Notes || notes != 3 || len(td.Attachments) != 1 || !td.Attachments[0].Internal {
			t.Errorf("bob sees %v: %d notes in %s, attachments %+v", acc.Notes, notes, eventKinds(td.Events), td.Attachments)
		}
		attID := td.Attachments[0].ID
		if _, _, err := d.AttachmentFor(ctx, ann, tk.ID, attID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("ann fetches the note's file: %v, want ErrNotFound", err)
		}
		a, rc, err := d.AttachmentFor(ctx, bob, tk.ID, attID)
		if err != nil {
			t.Fatalf("bob fetches the note's file: %v", err)
		}
		rc.Close()
		if a.Name != "serial.txt" || !a.Internal {
			t.Errorf("note's file = %+v", a)
		}
	})
}

// TestNoteByMailNeedsAuthentication: with TRUSTED_AUTHSERV_ID, a NOTE
// without a DMARC or DKIM pass is refused, and never becomes a public
// comment instead; with the pass it is a note.
func TestNoteByMailNeedsAuthentication(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		c := &threadComposer{}
		d, tk := noteDesk(t, s, c, domain.WithTrustedAuthserv("mx.company.test"))
		n := len(c.Sent())
		if o := receive1(t, d, reply("f1@mail.test", "bob@company.test", "NOTE: the requester is lying", "laptop@mail.test")); o.Kind != domain.OutcomeLogged {
			t.Errorf("unauthenticated NOTE = %+v, want logged", o)
		}
		if last := lastEvent(t, d, tk.ID); last.Kind != domain.EventMailIgnored || !strings.Contains(last.Detail, "internal note from bob@company.test refused") {
			t.Errorf("unauthenticated NOTE made %+v", last)
		}
		if got := mailsSince(c, n); len(got) != 0 {
			t.Errorf("unauthenticated NOTE mailed %v", got)
		}
		ok := reply("f2@mail.test", "bob@company.test", "NOTE: checked", "laptop@mail.test")
		ok.Mail.AuthenticationResults = []string{"mx.company.test; dmarc=pass header.from=company.test"}
		receive1(t, d, ok)
		if last := lastEvent(t, d, tk.ID); last.Kind != domain.EventNote || last.Detail != "checked" {
			t.Errorf("authenticated NOTE made %+v", last)
		}
	})
}

// TestNoteInPortal: who may write a note from the portal, and who gets it
// by mail.
func TestNoteInPortal(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		c := &threadComposer{}
		d, tk := noteDesk(t, s, c)
		ann, carl, dave, root := user(t, s, "ann@company.test"), user(t, s, "carl@company.test"), user(t, s, "dave@company.test"), user(t, s, "root@company.test")

		if err := d.NoteAs(ctx, ann, tk.ID, "mine"); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("the requester's note = %v, want ErrForbidden", err)
		}
		if err := d.NoteAs(ctx, dave, tk.ID, "not my category"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("another category's agent's note = %v, want ErrNotFound", err)
		}
		if err := d.NoteAs(ctx, carl, tk.ID, "  "); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("empty note = %v, want ErrInvalid", err)
		}
		n := len(c.Sent())
		if err := d.NoteAs(ctx, carl, tk.ID, "  I can take it if bob is busy.  "); err != nil {
			t.Fatal(err)
		}
		if got, want := mailsSince(c, n), []string{"note:bob@company.test", "note:root@company.test"}; !slices.Equal(got, want) {
			t.Errorf("carl's note mailed %v, want %v", got, want)
		}
		for _, m := range c.Sent()[n:] {
			if m.Vars["Note"] != "I can take it if bob is busy." || m.Vars["AuthorEmail"] != "carl@company.test" || m.InReplyTo == "" {
				t.Errorf("note mail = %+v", m)
			}
		}
		n = len(c.Sent())
		if err := d.NoteAs(ctx, root, tk.ID, "Fine."); err != nil {
			t.Fatal(err)
		}
		if got, want := mailsSince(c, n), []string{"note:bob@company.test", "note:carl@company.test"}; !slices.Equal(got, want) {
			t.Errorf("root's note mailed %v, want %v", got, want)
		}
		if last := lastEvent(t, d, tk.ID); last.Kind != domain.EventNote || last.Actor != "root@company.test" || last.Detail != "Fine." {
			t.Errorf("root's note made %+v", last)
		}
		// A closed ticket still takes notes.
		if _, err := d.Resolve(ctx, tk.ID, admin, "done"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.CloseTicket(ctx, tk.ID, "", admin); err != nil {
			t.Fatal(err)
		}
		if err := d.NoteAs(ctx, carl, tk.ID, "for the record: Dell case 42"); err != nil {
			t.Errorf("note on a closed ticket: %v", err)
		}
		// An agent's own ticket is theirs as a requester: no notes there.
		mine, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "My own laptop", Body: "x", From: "carl@company.test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Categorize(ctx, mine.ID, "Hardware", admin); err != nil {
			t.Fatal(err)
		}
		if err := d.NoteAs(ctx, carl, mine.ID, "about me"); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("a note on one's own ticket = %v, want ErrForbidden", err)
		}
		for _, m := range c.Sent() {
			if m.Kind == domain.MailNote && (m.To == "ann@company.test" || m.To == "off@company.test" || m.To == "dave@company.test") {
				t.Errorf("a note was mailed to %s", m.To)
			}
		}
	})
}

func lastEvent(t *testing.T, d *domain.Desk, id int64) domain.Event {
	t.Helper()
	td, err := d.Ticket(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return td.Events[len(td.Events)-1]
}
