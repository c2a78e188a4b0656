package domain_test

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/outbox"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// satDesk is watchDesk's helpdesk with a clock the test moves and
// REOPEN_WITHIN of two weeks.
func satDesk(t *testing.T, s *storage.Store) (*domain.Desk, *movingClock) {
	t.Helper()
	c, err := outbox.NewComposer(outbox.ComposerConfig{From: "help@company.test", FromName: "IT Help",
		HelpdeskAddress: "help@company.test", BaseURL: "https://help.company.test"})
	if err != nil {
		t.Fatal(err)
	}
	clock := storagetest.NewMovingClock(t0)
	d := domain.NewDesk(s, clock, storagetest.Logger(t),
		domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}),
		domain.WithComposer(c, true), domain.WithSecretKey("a test secret of enough length"),
		domain.WithSchedule(domain.Schedule{ReopenWithin: 336 * time.Hour}))
	applySetup(t, d, watchSetup)
	return d, clock
}

var satLinkRE = regexp.MustCompile(`/satisfaction/([0-9]+-[0-9]+-(yes|no)-[a-z2-7]{26})`)

// satLinks returns the yes and no tokens of a raw mail ("" when absent).
func satLinks(raw []byte) (yes, no string) {
	for _, m := range satLinkRE.FindAllSubmatch(bytes.ReplaceAll(raw, []byte("=\r\n"), nil), -1) {
		if string(m[2]) == "yes" {
			yes = string(m[1])
		} else {
			no = string(m[1])
		}
	}
	return yes, no
}

// resolveForSat resolves ticket id as bob and returns the yes and no
// tokens of the newest resolution mail to the requester.
func resolveForSat(t *testing.T, d *domain.Desk, s *storage.Store, id int64) (yes, no string) {
	t.Helper()
	if _, err := d.Resolve(context.Background(), id, domain.Actor{Email: "bob@company.test"}, "Replaced the toner."); err != nil {
		t.Fatal(err)
	}
	var last []byte
	for _, m := range sentMail(t, s, id, domain.MailResolved) {
		if m.To == "ann@company.test" {
			last = m.Raw
		}
	}
	yes, no = satLinks(last)
	if yes == "" || no == "" {
		t.Fatalf("the resolution mail has no satisfaction links:\n%s", last)
	}
	return yes, no
}

func ticketState(t *testing.T, d *domain.Desk, id int64) (domain.Status, int, *domain.SatisfactionRating) {
	t.Helper()
	td, err := d.Ticket(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return td.Ticket.Status, len(td.Events), td.Satisfaction
}

// TestSatisfactionByLink: the resolution mail carries the two links to
// the requester only; following one (GET) changes nothing; the POST
// records the answer once; a link used, tampered with, or of the other
// answer is refused afterwards; the answer is in the history and the
// ticket's JSON.
func TestSatisfactionByLink(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, _ := satDesk(t, s)
		id := bossWatches(t, d, "s1@mail.test", "Printer jams", "IT")
		yes, no := resolveForSat(t, d, s, id)
		for _, m := range sentMail(t, s, id, domain.MailResolved) {
			if y, n := satLinks(m.Raw); m.To != "ann@company.test" && (y != "" || n != "") {
				t.Errorf("the copy to %s carries the requester's links", m.To)
			}
		}

		st, n, r := ticketState(t, d, id)
		for range 3 { // a scanner, a preview, the requester
			ask, err := d.SatisfactionLink(ctx, yes)
			if err != nil || ask.Rating != domain.RatingYes || ask.Ticket.ID != id {
				t.Fatalf("SatisfactionLink(yes) = %+v, %v", ask, err)
			}
			if ask, err := d.SatisfactionLink(ctx, no); err != nil || ask.Rating != domain.RatingNo {
				t.Fatalf("SatisfactionLink(no) = %+v, %v", ask, err)
			}
		}
		if st2, n2, r2 := ticketState(t, d, id); st2 != st || n2 != n || r2 != nil || r != nil {
			t.Fatalf("following the links changed the ticket: %s/%d events/%+v, was %s/%d", st2, n2, r2, st, n)
		}

		// Tampered tokens: another answer, ticket or resolution under the
		// same mac, a changed mac, garbage.
		mac := yes[strings.LastIndex(yes, "-"):]
		parts := strings.Split(yes, "-")
		for _, bad := range []string{
			strings.Replace(yes, "-yes-", "-no-", 1),
			"9999-" + strings.Join(parts[1:], "-"),
			parts[0] + "-" + parts[1] + "1-yes" + mac,
			yes[:len(yes)-1] + map[bool]string{true: "b", false: "a"}[strings.HasSuffix(yes, "a")],
			"", "x", strings.Repeat("1-", 60) + "yes",
		} {
			if _, err := d.SatisfactionLink(ctx, bad); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("SatisfactionLink(%q) = %v, want ErrNotFound", bad, err)
			}
			if _, err := d.RateByLink(ctx, bad, ""); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("RateByLink(%q) = %v, want ErrNotFound", bad, err)
			}
		}

		r, err := d.RateByLink(ctx, yes, "  Works again, thanks!  ")
		if err != nil || r.Rating != domain.RatingYes || r.Comment != "Works again, thanks!" || r.Via != domain.ViaEmail {
			t.Fatalf("RateByLink(yes) = %+v, %v", r, err)
		}
		st, n, got := ticketState(t, d, id)
		if st != domain.StatusResolved || got == nil || got.Rating != domain.RatingYes {
			t.Errorf("after yes: %s, %+v", st, got)
		}
		if e := lastEventOf(t, d, id, domain.EventRated); e == nil || e.Actor != "ann@company.test" || !strings.Contains(e.Detail, "Works again") {
			t.Errorf("rated event = %+v", e)
		}
		// Once: the same link, the other one, and their pages.
		for _, tok := range []string{yes, no} {
			if _, err := d.RateByLink(ctx, tok, "again"); !errors.Is(err, domain.ErrConflict) {
				t.Errorf("RateByLink a second time = %v, want ErrConflict", err)
			}
			if _, err := d.SatisfactionLink(ctx, tok); !errors.Is(err, domain.ErrConflict) {
				t.Errorf("SatisfactionLink after the answer = %v, want ErrConflict", err)
			}
		}
		if st2, n2, _ := ticketState(t, d, id); st2 != st || n2 != n {
			t.Errorf("a refused answer changed the ticket: %s, %d events (was %d)", st2, n2, n)
		}

		td, err := d.Ticket(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		j := jsonValue(t, domain.NewTicketDetailJSON(td, "help@company.test")).(map[string]any)
		sat, _ := j["satisfaction"].(map[string]any)
		if sat["rating"] != "yes" || sat["comment"] != "Works again, thanks!" || sat["rated_at"] == nil {
			t.Errorf("JSON satisfaction = %v", j["satisfaction"])
		}
		if n := historyInEveryLanguage(t, s); n < 5 {
			t.Errorf("%d details checked", n)
		}
	})
}

// TestSatisfactionNoReopens: "No" reopens the ticket to its agent with the
// comment relayed; the next resolution asks again with new links, and the
// old ones stay refused.
func TestSatisfactionNoReopens(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, clock := satDesk(t, s)
		id := bossWatches(t, d, "s2@mail.test", "Printer jams", "IT")
		yes, no := resolveForSat(t, d, s, id)
		clock.Add(time.Hour)
		if _, err := d.RateByLink(ctx, no, "It still jams on page two."); err != nil {
			t.Fatal(err)
		}
		td, err := d.Ticket(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if td.Ticket.Status != domain.StatusAssigned || td.Ticket.Assignee != "bob@company.test" {
			t.Errorf("after no: %s to %s, want assigned to bob", td.Ticket.Status, td.Ticket.Assignee)
		}
		kinds := eventKinds(td.Events)
		if !strings.HasSuffix(kinds, "resolved,rated,commented,reopened") {
			t.Errorf("events = %s", kinds)
		}
		if e := lastEventOf(t, d, id, domain.EventCommented); e == nil || e.Actor != "ann@company.test" || e.Detail != "It still jams on page two." {
			t.Errorf("comment = %+v", e)
		}
		relayed := false
		for _, m := range sentMail(t, s, id, domain.MailComment) {
			relayed = relayed || (m.To == "bob@company.test" && bytes.Contains(m.Raw, []byte("page two")))
		}
		if !relayed {
			t.Error("the comment was not relayed to bob")
		}
		if _, err := d.RateByLink(ctx, yes, ""); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("yes after no = %v, want ErrConflict", err)
		}

		// Resolved again: new links, which work; the old ones do not.
		yes2, _ := resolveForSat(t, d, s, id)
		if yes2 == yes {
			t.Fatal("the second resolution has the first one's link")
		}
		for _, tok := range []string{yes, no} {
			if _, err := d.SatisfactionLink(ctx, tok); err == nil {
				t.Errorf("a link of the first resolution still works")
			}
		}
		if r, err := d.RateByLink(ctx, yes2, ""); err != nil || r.Rating != domain.RatingYes {
			t.Fatalf("RateByLink(second yes) = %+v, %v", r, err)
		}

		// A resolution nobody answered, then reopened by an admin and
		// resolved again: its links are stale, not merely answered.
		admin := domain.Actor{Email: "root@company.test", Admin: true}
		if _, err := d.ReopenTicket(ctx, id, admin); err != nil {
			t.Fatal(err)
		}
		_, no3 := resolveForSat(t, d, s, id)
		if _, err := d.ReopenTicket(ctx, id, admin); err != nil {
			t.Fatal(err)
		}
		yes4, _ := resolveForSat(t, d, s, id)
		st, n, _ := ticketState(t, d, id)
		if _, err := d.RateByLink(ctx, no3, "stale"); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("an unanswered link of an earlier resolution = %v, want ErrInvalid (expired)", err)
		}
		if st2, n2, _ := ticketState(t, d, id); st2 != st || n2 != n {
			t.Errorf("a stale link changed the ticket: %s, %d events (was %s, %d)", st2, n2, st, n)
		}
		if _, err := d.SatisfactionLink(ctx, yes4); err != nil {
			t.Errorf("the newest resolution's link = %v", err)
		}
		if n := historyInEveryLanguage(t, s); n < 10 {
			t.Errorf("%d details checked", n)
		}
	})
}

// TestSatisfactionExpires: past REOPEN_WITHIN, or once the ticket was
// reopened or closed otherwise, a link is refused and records nothing.
func TestSatisfactionExpires(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, clock := satDesk(t, s)
		id := bossWatches(t, d, "s3@mail.test", "Printer jams", "IT")
		yes, no := resolveForSat(t, d, s, id)
		clock.Add(336*time.Hour - time.Minute)
		if _, err := d.SatisfactionLink(ctx, no); err != nil {
			t.Fatalf("a minute before the end: %v", err)
		}
		clock.Add(2 * time.Minute)
		for _, tok := range []string{yes, no} {
			if _, err := d.SatisfactionLink(ctx, tok); !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("SatisfactionLink after REOPEN_WITHIN = %v, want ErrInvalid", err)
			}
			if _, err := d.RateByLink(ctx, tok, ""); !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("RateByLink after REOPEN_WITHIN = %v, want ErrInvalid", err)
			}
		}
		if st, _, r := ticketState(t, d, id); st != domain.StatusResolved || r != nil {
			t.Errorf("an expired link changed the ticket: %s, %+v", st, r)
		}

		// Reopened by the requester's REOPEN: the links stop working.
		id2 := bossWatches(t, d, "s4@mail.test", "Printer again", "IT")
		yes2, _ := resolveForSat(t, d, s, id2)
		ann, err := s.GetUserByEmail(ctx, "ann@company.test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Reopen(ctx, ann, id2); err != nil {
			t.Fatal(err)
		}
		if _, err := d.RateByLink(ctx, yes2, ""); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("RateByLink on a reopened ticket = %v, want ErrInvalid", err)
		}
	})
}

// TestSatisfactionInThePortal: the resolved ticket's page asks its
// requester alone; anyone else is refused (not found for those who may
// not see it, forbidden for those who may); the answer counts once, as
// the link's does.
func TestSatisfactionInThePortal(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, _ := satDesk(t, s)
		id := bossWatches(t, d, "s5@mail.test", "Printer jams", "IT")
		user := func(email string) *domain.User {
			u, err := s.GetUserByEmail(ctx, email)
			if err != nil {
				u = mustUser(t, s, email, domain.RoleEmployee)
			}
			return u
		}
		ann, carl, bob, root := user("ann@company.test"), user("carl@company.test"), user("bob@company.test"), user("root@company.test")
		td, _ := d.Ticket(ctx, id)
		if d.AskSatisfaction(ann, td) {
			t.Error("asked before the resolution")
		}
		if _, err := d.RateAs(ctx, ann, id, domain.RatingYes, ""); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("RateAs before the resolution = %v, want ErrInvalid", err)
		}
		_, no := resolveForSat(t, d, s, id)
		td, _ = d.Ticket(ctx, id)
		for _, u := range []*domain.User{carl, bob, root} {
			if d.AskSatisfaction(u, td) {
				t.Errorf("%s is asked", u.Email)
			}
		}
		if !d.AskSatisfaction(ann, td) {
			t.Error("ann is not asked")
		}
		if _, err := d.RateAs(ctx, carl, id, domain.RatingNo, "x"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("carl's answer = %v, want ErrNotFound", err)
		}
		for _, u := range []*domain.User{bob, root} {
			if _, err := d.RateAs(ctx, u, id, domain.RatingYes, ""); !errors.Is(err, domain.ErrForbidden) {
				t.Errorf("%s's answer = %v, want ErrForbidden", u.Email, err)
			}
		}
		if _, err := d.RateAs(ctx, ann, id, "maybe", ""); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("RateAs(maybe) = %v, want ErrInvalid", err)
		}
		if _, err := d.RateAs(ctx, ann, id, domain.RatingYes, strings.Repeat("x", domain.MaxSatisfactionComment+1)); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("a comment too long = %v, want ErrInvalid", err)
		}
		if st, _, r := ticketState(t, d, id); st != domain.StatusResolved || r != nil {
			t.Fatalf("refused answers changed the ticket: %s, %+v", st, r)
		}
		r, err := d.RateAs(ctx, ann, id, domain.RatingYes, "")
		if err != nil || r.Via != domain.ViaPortal {
			t.Fatalf("ann's answer = %+v, %v", r, err)
		}
		if _, err := d.RateAs(ctx, ann, id, domain.RatingNo, ""); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("ann's second answer = %v, want ErrConflict", err)
		}
		if _, err := d.RateByLink(ctx, no, ""); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("the mail's link after the portal's answer = %v, want ErrConflict", err)
		}
		td, _ = d.Ticket(ctx, id)
		if d.AskSatisfaction(ann, td) {
			t.Error("asked again after the answer")
		}
		if got := eventKinds(td.Events); strings.Count(got, "rated") != 1 || !slices.Contains(strings.Split(got, ","), "rated") {
			t.Errorf("events = %s, want one rated", got)
		}
		if n := historyInEveryLanguage(t, s); n < 5 {
			t.Errorf("%d details checked", n)
		}
	})
}
