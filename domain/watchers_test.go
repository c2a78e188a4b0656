package domain_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"regexp"
	"slices"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/outbox"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// watchSetup: IT assigns to bob at once, Access needs lead's approval.
const watchSetup = `{
  "categories": [
    {"name": "IT", "description": "Printers and laptops", "keywords": ["printer"]},
    {"name": "Access", "description": "Accounts and VPN", "keywords": ["vpn"],
     "approval_levels": [{"rule": "all", "approvers": ["lead@company.test"]}]}
  ],
  "users": [{"email": "root@company.test", "role": "admin"}, {"email": "bob@company.test", "role": "agent"}],
  "team_members": [{"email": "bob@company.test", "categories": ["IT", "Access"], "available": true, "away_until": null}]
}`

var watchAdmin = domain.Actor{Email: "root@company.test", Admin: true}

// watchDesk is a Desk taking mail for help@company.test (and the mailbox
// support@company.test) from company.test, rendering mail with the real
// composer.
func watchDesk(t *testing.T, s *storage.Store) *domain.Desk {
	t.Helper()
	c, err := outbox.NewComposer(outbox.ComposerConfig{From: "help@company.test", FromName: "IT Help",
		HelpdeskAddress: "help@company.test", BaseURL: "https://help.company.test"})
	if err != nil {
		t.Fatal(err)
	}
	d := domain.NewDesk(s, fixedClock{}, storagetest.Logger(t),
		domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}),
		domain.WithComposer(c, true), domain.WithSecretKey("a test secret of enough length"))
	applySetup(t, d, watchSetup)
	box := &domain.Mailbox{Address: "support@company.test", Enabled: true}
	if err := box.Normalize(); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateMailbox(context.Background(), box); err != nil {
		t.Fatal(err)
	}
	d.InvalidateMailboxes()
	return d
}

// ccMail is a new mail from ann with cc in To/Cc.
func ccMail(id, subject string, cc ...string) domain.Received {
	r := mail(id, "ann@company.test", subject, "Please help.")
	r.Mail.To = append([]string{"help@company.test"}, cc...)
	return r
}

// threadReply is a reply from from in the thread of message-id parent.
func threadReply(id, from, parent, text string) domain.Received {
	r := mail(id, from, "Re: the ticket", text)
	r.Mail.InReplyTo, r.Mail.References = []string{parent}, []string{parent}
	return r
}

func watcherEmails(t *testing.T, d *domain.Desk, id int64) []string {
	t.Helper()
	td, err := d.Ticket(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, w := range td.Watchers {
		out = append(out, w.Email)
	}
	return out
}

// sentMail is a ticket's outbox rows of kind, with their raw bytes.
func sentMail(t *testing.T, s *storage.Store, id int64, kind domain.MailKind) []domain.OutboxMessage {
	t.Helper()
	ctx := context.Background()
	rows, err := s.TicketMail(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []domain.OutboxMessage
	for _, r := range rows {
		if r.Kind != string(kind) {
			continue
		}
		full, err := s.GetOutbox(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		full.MessageID = r.MessageID
		out = append(out, *full)
	}
	return out
}

func recipients(ms []domain.OutboxMessage) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.To)
	}
	return out
}

func header(t *testing.T, raw []byte) netmail.Header {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return m.Header
}

func addrs(t *testing.T, h netmail.Header, name string) []string {
	t.Helper()
	l, err := h.AddressList(name)
	if err != nil && !errors.Is(err, netmail.ErrHeaderNotPresent) {
		t.Fatalf("%s: %v", name, err)
	}
	var out []string
	for _, a := range l {
		out = append(out, a.Address)
	}
	return out
}

var unwatchRE = regexp.MustCompile(`/unwatch/([0-9]+-[a-z2-7]+)`)

// unwatchToken finds the link to stop following in a quoted-printable mail.
func unwatchToken(raw []byte) string {
	m := unwatchRE.FindSubmatch(bytes.ReplaceAll(raw, []byte("=\r\n"), nil))
	if m == nil {
		return ""
	}
	return string(m[1])
}

func lastEventOf(t *testing.T, d *domain.Desk, id int64, kind domain.EventKind) *domain.Event {
	t.Helper()
	td, err := d.Ticket(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(td.Events) - 1; i >= 0; i-- {
		if td.Events[i].Kind == kind {
			return &td.Events[i]
		}
	}
	return nil
}

func TestWatchersFromMail(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		d := watchDesk(t, s)
		// Own addresses (HELPDESK_ADDRESS, a mailbox, their plus
		// addresses), the requester, outside the policy and the same
		// mailbox twice are left out.
		o := receive1(t, d, ccMail("m1@mail.test", "Printer jams",
			"help+x@company.test", "support+y@company.test", "Support@company.test", "Boss@Company.test", "boss+cc@company.test",
			"ann@company.test", "eve@evil.test", "carl@company.test", "not an address"))
		if o.Kind != domain.OutcomeTicket {
			t.Fatalf("outcome = %+v", o)
		}
		if got := watcherEmails(t, d, o.TicketID); !slices.Equal(got, []string{"boss@company.test", "carl@company.test"}) {
			t.Errorf("watchers = %v, want boss and carl", got)
		}
		if e := lastEventOf(t, d, o.TicketID, domain.EventWatcherAdded); e == nil || !strings.Contains(e.Detail, "carl@company.test") {
			t.Errorf("watcher_added event = %+v", e)
		}

		// The acknowledgement: one mail To ann Cc boss and carl, one row per
		// recipient, one Message-ID; only the watchers' copies carry a
		// link to stop following.
		acks := sentMail(t, s, o.TicketID, domain.MailTicketReceived)
		if got := recipients(acks); !slices.Equal(got, []string{"ann@company.test", "boss@company.test", "carl@company.test"}) {
			t.Fatalf("acknowledgements to %v", got)
		}
		for i, m := range acks {
			h := header(t, m.Raw)
			if to, cc := addrs(t, h, "To"), addrs(t, h, "Cc"); !slices.Equal(to, []string{"ann@company.test"}) ||
				!slices.Equal(cc, []string{"boss@company.test", "carl@company.test"}) {
				t.Errorf("mail to %s: To %v Cc %v", m.To, to, cc)
			}
			if h.Get("Message-Id") == "" || h.Get("Message-Id") != header(t, acks[0].Raw).Get("Message-Id") {
				t.Errorf("mail to %s has Message-ID %s, want the same as ann's", m.To, h.Get("Message-Id"))
			}
			if tok := unwatchToken(m.Raw); (tok != "") != (i > 0) {
				t.Errorf("mail to %s: unwatch token %q", m.To, tok)
			}
		}

		// At most MaxWatchers, the first ones; the history says so.
		var many []string
		for i := range domain.MaxWatchers + 5 {
			many = append(many, fmt.Sprintf("colleague%02d@company.test", i))
		}
		o = receive1(t, d, ccMail("m2@mail.test", "Printer again", many...))
		if got := watcherEmails(t, d, o.TicketID); !slices.Equal(got, many[:domain.MaxWatchers]) {
			t.Errorf("watchers = %v, want the first %d", got, domain.MaxWatchers)
		}
		if e := lastEventOf(t, d, o.TicketID, domain.EventMailIgnored); e == nil || !strings.Contains(e.Detail, "5 more") {
			t.Errorf("bound event = %+v", e)
		}
		if n := historyInEveryLanguage(t, s); n < 20 {
			t.Errorf("%d details checked", n)
		}
	})
}

// bossWatches opens a ticket by a mail from ann Cc boss and puts it in
// category, and returns its id.
func bossWatches(t *testing.T, d *domain.Desk, msgID, subject, category string) int64 {
	t.Helper()
	return openFrom(t, d, msgID, "ann@company.test", subject, category, "boss@company.test")
}

func TestWatcherReplies(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := watchDesk(t, s)
		id := bossWatches(t, d, "w1@mail.test", "Printer jams", "IT")
		ack := sentMail(t, s, id, domain.MailTicketReceived)[1] // boss's copy
		parent := header(t, ack.Raw).Get("Message-Id")
		parent = strings.Trim(parent, "<>")
		// The assignment reaches the requester and boss.
		if got := recipients(sentMail(t, s, id, domain.MailAssignedRequester)); !slices.Equal(got, []string{"ann@company.test", "boss@company.test"}) {
			t.Errorf("assignment mails to %v", got)
		}

		// boss's reply-all is a comment by boss, relayed to the agent.
		if o := receive1(t, d, threadReply("w2@mail.test", "boss@company.test", parent, "Please hurry, the board meets at ten.")); o.Kind != domain.OutcomeComment {
			t.Fatalf("boss's reply = %+v", o)
		}
		if e := lastEventOf(t, d, id, domain.EventCommented); e == nil || e.Actor != "boss@company.test" || !strings.Contains(e.Detail, "board") {
			t.Errorf("comment = %+v, want boss's", e)
		}
		if got := recipients(sentMail(t, s, id, domain.MailComment)); !slices.Equal(got, []string{"bob@company.test"}) {
			t.Errorf("boss's comment relayed to %v, want bob", got)
		}
		// boss's DONE resolves nothing, REOPEN and APPROVE are comments.
		for i, word := range []string{"DONE", "APPROVE", "YES"} {
			o := receive1(t, d, threadReply(fmt.Sprintf("w3-%d@mail.test", i), "boss@company.test", parent, word))
			if tk, _ := d.Ticket(ctx, id); o.Kind != domain.OutcomeComment || tk.Ticket.Status != domain.StatusAssigned {
				t.Errorf("boss's %s = %+v, ticket %s", word, o, tk.Ticket.Status)
			}
		}
		// A stranger in the thread is no watcher: logged, not a comment.
		if o := receive1(t, d, threadReply("w4@mail.test", "eve@company.test", parent, "me too")); o.Kind != domain.OutcomeLogged {
			t.Errorf("stranger's reply = %+v, want logged", o)
		}

		// The agent's comment goes To ann, Cc boss, and boss's copy.
		before := len(sentMail(t, s, id, domain.MailComment))
		bob := threadReply("w5@mail.test", "bob@company.test", parent, "Restart the printer, please.")
		if o := receive1(t, d, bob); o.Kind != domain.OutcomeComment {
			t.Fatalf("bob's reply = %+v", o)
		}
		if got := recipients(sentMail(t, s, id, domain.MailComment)[before:]); !slices.Equal(got, []string{"ann@company.test", "boss@company.test"}) {
			t.Errorf("bob's comment to %v, want ann and boss", got)
		}

		// UNSUBSCRIBE stops boss's mails.
		if o := receive1(t, d, threadReply("w6@mail.test", "boss@company.test", parent, "unsubscribe\n\nthanks")); o.Kind != domain.OutcomeComment || o.Reason != "unsubscribed by mail" {
			t.Errorf("UNSUBSCRIBE = %+v", o)
		}
		if got := watcherEmails(t, d, id); len(got) != 0 {
			t.Errorf("watchers after UNSUBSCRIBE = %v", got)
		}
		if e := lastEventOf(t, d, id, domain.EventWatcherRemoved); e == nil || e.Actor != "boss@company.test" {
			t.Errorf("watcher_removed = %+v", e)
		}
		before = len(sentMail(t, s, id, domain.MailComment))
		if o := receive1(t, d, threadReply("w7@mail.test", "bob@company.test", parent, "Any better?")); o.Kind != domain.OutcomeComment {
			t.Fatal(o)
		}
		if _, err := d.Resolve(ctx, id, domain.Actor{Email: "bob@company.test"}, "Restarted."); err != nil {
			t.Fatal(err)
		}
		if got := append(recipients(sentMail(t, s, id, domain.MailComment)[before:]), recipients(sentMail(t, s, id, domain.MailResolved))...); !slices.Equal(got, []string{"ann@company.test", "ann@company.test"}) {
			t.Errorf("mails after UNSUBSCRIBE to %v, want ann alone", got)
		}
		// And boss, no longer a watcher, is a stranger to the thread.
		if o := receive1(t, d, threadReply("w8@mail.test", "boss@company.test", parent, "Thanks")); o.Kind != domain.OutcomeLogged {
			t.Errorf("former watcher's reply = %+v, want logged", o)
		}
		if n := historyInEveryLanguage(t, s); n < 6 {
			t.Errorf("%d details checked", n)
		}
	})
}

func TestWatcherApproveDecidesNothing(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := watchDesk(t, s)
		id := bossWatches(t, d, "a1@mail.test", "VPN access", "Access")
		// The approval mail goes to lead alone: no copy, no Cc.
		for _, m := range sentMail(t, s, id, domain.MailApprovalNeeded) {
			if m.To != "lead@company.test" || len(addrs(t, header(t, m.Raw), "Cc")) != 0 {
				t.Errorf("approval mail to %s, Cc %v", m.To, addrs(t, header(t, m.Raw), "Cc"))
			}
		}
		parent := strings.Trim(header(t, sentMail(t, s, id, domain.MailTicketReceived)[1].Raw).Get("Message-Id"), "<>")
		if o := receive1(t, d, threadReply("a2@mail.test", "boss@company.test", parent, "APPROVE")); o.Kind != domain.OutcomeComment {
			t.Errorf("boss's APPROVE = %+v, want a comment", o)
		}
		td, _ := d.Ticket(ctx, id)
		if td.Ticket.Status != domain.StatusAwaitingApproval || len(td.Approvals) != 1 || td.Approvals[0].Decision != domain.DecisionPending {
			t.Errorf("after boss's APPROVE: %s, approvals %+v", td.Ticket.Status, td.Approvals)
		}
	})
}

func TestWatchersPortal(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := watchDesk(t, s)
		o := receive1(t, d, ccMail("p1@mail.test", "Printer jams"))
		id := o.TicketID
		user := func(email string) *domain.User {
			u, err := s.GetUserByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		ann, root, bob := user("ann@company.test"), user("root@company.test"), user("bob@company.test")
		dan := mustUser(t, s, "dan@company.test", domain.RoleEmployee)

		// The requester adds a colleague; the rules hold for everyone.
		if err := d.AddWatcherAs(ctx, ann, id, " Carl@Company.test "); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			u    *domain.User
			addr string
			want error
		}{
			{ann, "carl@company.test", domain.ErrInvalid},     // already
			{ann, "eve@evil.test", domain.ErrInvalid},         // outside the policy
			{ann, "help+x@company.test", domain.ErrInvalid},   // the helpdesk
			{root, "support@company.test", domain.ErrInvalid}, // a mailbox
			{ann, "ann+me@company.test", domain.ErrInvalid},   // the requester
			{ann, "not an address", domain.ErrInvalid},
			{dan, "dan@company.test", domain.ErrNotFound}, // not his ticket
			{bob, "x@company.test", domain.ErrNotFound},   // not assigned, no category yet
		} {
			if err := d.AddWatcherAs(ctx, c.u, id, c.addr); !errors.Is(err, c.want) {
				t.Errorf("AddWatcherAs(%s, %q) = %v, want %v", c.u.Email, c.addr, err, c.want)
			}
		}
		if got := watcherEmails(t, d, id); !slices.Equal(got, []string{"carl@company.test"}) {
			t.Fatalf("watchers = %v", got)
		}
		if e := lastEventOf(t, d, id, domain.EventWatcherAdded); e == nil || e.Actor != "ann@company.test" {
			t.Errorf("watcher_added = %+v", e)
		}
		// The bound.
		for i := 1; i < domain.MaxWatchers; i++ {
			if err := d.AddWatcherAs(ctx, root, id, fmt.Sprintf("c%02d@company.test", i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.AddWatcherAs(ctx, root, id, "one.too.many@company.test"); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("watcher %d = %v, want ErrInvalid", domain.MaxWatchers+1, err)
		}
		td, _ := d.Ticket(ctx, id)
		carl := td.Watchers[0]
		// Removing: the requester may not, a stranger sees nothing, an admin may.
		if err := d.RemoveWatcherAs(ctx, ann, id, carl.ID); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("requester removes = %v, want ErrForbidden", err)
		}
		if err := d.RemoveWatcherAs(ctx, dan, id, carl.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("stranger removes = %v, want ErrNotFound", err)
		}
		other := receive1(t, d, ccMail("p2@mail.test", "Other", "zed@company.test"))
		zed := watcherEmails(t, d, other.TicketID)
		otd, _ := d.Ticket(ctx, other.TicketID)
		if err := d.RemoveWatcherAs(ctx, root, id, otd.Watchers[0].ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("another ticket's watcher (%v) through this one = %v, want ErrNotFound", zed, err)
		}
		if err := d.RemoveWatcherAs(ctx, root, id, carl.ID); err != nil {
			t.Fatal(err)
		}
		if e := lastEventOf(t, d, id, domain.EventWatcherRemoved); e == nil || e.Actor != "root@company.test" || !strings.Contains(e.Detail, "carl@company.test") {
			t.Errorf("watcher_removed = %+v", e)
		}
		if slices.Contains(watcherEmails(t, d, id), "carl@company.test") {
			t.Error("carl still watches")
		}
		if n := historyInEveryLanguage(t, s); n < 20 {
			t.Errorf("%d details checked", n)
		}
	})
}

func TestUnwatchLink(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := watchDesk(t, s)
		o := receive1(t, d, ccMail("u1@mail.test", "Printer jams", "boss@company.test", "carl@company.test"))
		acks := sentMail(t, s, o.TicketID, domain.MailTicketReceived)
		bossTok, carlTok := unwatchToken(acks[1].Raw), unwatchToken(acks[2].Raw)
		if bossTok == "" || carlTok == "" || bossTok == carlTok {
			t.Fatalf("tokens %q %q", bossTok, carlTok)
		}
		w, err := d.UnwatchLink(ctx, bossTok)
		if err != nil || w.Email != "boss@company.test" || w.TicketID != o.TicketID {
			t.Fatalf("UnwatchLink = %+v, %v", w, err)
		}
		// A changed token, another id with boss's mac: nothing.
		id, mac, _ := strings.Cut(bossTok, "-")
		_, carlMac, _ := strings.Cut(carlTok, "-")
		for _, bad := range []string{id + "-" + carlMac, "999-" + mac, bossTok + "a", "", "x-y", strings.Repeat("1", 70)} {
			if _, err := d.Unwatch(ctx, bad); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("Unwatch(%q) = %v, want ErrNotFound", bad, err)
			}
		}
		if _, err := d.Unwatch(ctx, bossTok); err != nil {
			t.Fatal(err)
		}
		if got := watcherEmails(t, d, o.TicketID); !slices.Equal(got, []string{"carl@company.test"}) {
			t.Errorf("watchers = %v, want carl", got)
		}
		if e := lastEventOf(t, d, o.TicketID, domain.EventWatcherRemoved); e == nil || e.Actor != "boss@company.test" {
			t.Errorf("watcher_removed = %+v", e)
		}
		// Once only, and not after boss is added again.
		if _, err := d.Unwatch(ctx, bossTok); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("second Unwatch = %v, want ErrNotFound", err)
		}
		ann, _ := s.GetUserByEmail(ctx, "ann@company.test")
		if err := d.AddWatcherAs(ctx, ann, o.TicketID, "boss@company.test"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.UnwatchLink(ctx, bossTok); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("old link after re-adding = %v, want ErrNotFound", err)
		}
		if n := historyInEveryLanguage(t, s); n < 4 {
			t.Errorf("%d details checked", n)
		}
	})
}
