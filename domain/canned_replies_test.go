package domain_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestFillPlaceholders(t *testing.T) {
	values := map[string]string{domain.PlaceholderRequesterName: "Ann", domain.PlaceholderTicketRef: "TKT-7",
		domain.PlaceholderAgentName: "Bob"}
	for _, c := range []struct{ in, want, err string }{
		{"Hello {{requester.name}}, about {{ticket.ref}}.\n-- {{agent.name}}", "Hello Ann, about TKT-7.\n-- Bob", ""},
		{"{{ requester.name }}{{ticket.ref}}", "AnnTKT-7", ""},
		{"no placeholder, a } and a { alone", "no placeholder, a } and a { alone", ""},
		{"", "", ""},
		{"}}{{agent.name}}}}", "}}Bob}}", ""},
		{"Hi {{requester.email}}", "", "unknown placeholder {{requester.email}}"},
		{"Hi {{Requester.Name}}", "", "unknown placeholder {{Requester.Name}}"},
		{"{{{requester.name}}}", "", "unknown placeholder {{{requester.name}}"},
		{"{{}}", "", "unknown placeholder {{}}"},
		{"Hi {{requester.name", "", "a {{ is not closed by }}"},
		{"Hi {{" + strings.Repeat("x", 100) + "}}", "", "a {{ is not closed by }}"},
		{"{{ticket.ref}} then {{oops}}", "", "unknown placeholder {{oops}}"},
	} {
		got, err := domain.FillPlaceholders(c.in, values)
		if c.err == "" {
			if err != nil || got != c.want {
				t.Errorf("FillPlaceholders(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
			if err := domain.CheckPlaceholders(c.in); err != nil {
				t.Errorf("CheckPlaceholders(%q) = %v", c.in, err)
			}
			continue
		}
		var pe *domain.PlaceholderError
		if !errors.As(err, &pe) || !errors.Is(err, domain.ErrInvalid) || !strings.Contains(err.Error(), c.err) {
			t.Errorf("FillPlaceholders(%q) = %q, %v; want a PlaceholderError with %q", c.in, got, err, c.err)
		}
		if err := domain.CheckPlaceholders(c.in); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("CheckPlaceholders(%q) = %v; want %q", c.in, err, c.err)
		}
	}
}

// FuzzPlaceholders checks that no text makes the reader panic, that
// checking and filling agree, and that a filled text holds no {{ (so no
// placeholder is left unfilled) and grows by the values only.
func FuzzPlaceholders(f *testing.F) {
	for _, s := range []string{"Hello {{requester.name}}", "{{ticket.ref}}{{agent.name}}", "{{x}}", "{{", "}}{{{",
		"{{ agent.name }}", "{{requester.name}" + strings.Repeat("{", 70), "\xff{{\xfe}}"} {
		f.Add(s)
	}
	values := map[string]string{domain.PlaceholderRequesterName: "Ann Lee", domain.PlaceholderTicketRef: "TKT-12",
		domain.PlaceholderAgentName: "Bob"}
	f.Fuzz(func(t *testing.T, text string) {
		checkErr := domain.CheckPlaceholders(text)
		out, err := domain.FillPlaceholders(text, values)
		if (checkErr == nil) != (err == nil) {
			t.Fatalf("CheckPlaceholders = %v but FillPlaceholders = %v", checkErr, err)
		}
		if err != nil {
			if !errors.Is(err, domain.ErrInvalid) || len(err.Error()) > 300 {
				t.Fatalf("error %q: want a short ErrInvalid", err)
			}
			return
		}
		if strings.Contains(out, "{{") {
			t.Fatalf("FillPlaceholders(%q) = %q: a {{ is left", text, out)
		}
		if n := strings.Count(text, "{{"); len(out) > len(text)+n*len("Ann Lee") {
			t.Fatalf("FillPlaceholders(%q) = %q: longer than its values explain", text, out)
		}
	})
}

// cannedSetup is a helpdesk with categories VPN and Hardware, agent bob
// (VPN), requester ann (named Ann Lee) and her ticket in VPN assigned to
// bob.
type cannedSetup struct {
	d         *domain.Desk
	s         *storage.Store
	admin     domain.Actor
	ann, bob  *domain.User
	vpn, hw   *domain.Category
	ticket    *domain.Ticket
	otherTeam *domain.User // carl, of Hardware
}

func newCannedSetup(t *testing.T, s *storage.Store) *cannedSetup {
	t.Helper()
	ctx := context.Background()
	c := &cannedSetup{d: newDesk(t, s), s: s, admin: domain.Actor{Email: "root@company.test", Admin: true}}
	storagetest.ApplySetup(t, c.d, `{"categories": [{"name": "VPN"}, {"name": "Hardware"}],
	  "users": [{"email": "ann@company.test", "name": "Ann Lee", "role": "employee"},
	            {"email": "bob@company.test", "name": "Bob Agent", "role": "agent"}],
	  "team_members": [{"email": "bob@company.test", "categories": ["VPN"]},
	                   {"email": "carl@company.test", "categories": ["Hardware"]}]}`)
	var err error
	c.ann, _ = s.GetUserByEmail(ctx, "ann@company.test")
	c.bob, _ = s.GetUserByEmail(ctx, "bob@company.test")
	c.otherTeam, _ = s.GetUserByEmail(ctx, "carl@company.test")
	c.vpn, _ = s.GetCategoryByName(ctx, "VPN")
	c.hw, _ = s.GetCategoryByName(ctx, "Hardware")
	c.ticket, err = c.d.OpenTicket(ctx, domain.NewTicket{Subject: "VPN down", Body: "error 809", From: "ann@company.test", Channel: "test"})
	if err != nil {
		t.Fatal(err)
	}
	c.ticket.CategoryID = c.vpn.ID
	if err := s.UpdateTicket(ctx, c.ticket, c.ticket.Status); err != nil {
		t.Fatal(err)
	}
	if c.ticket, err = c.d.Transition(ctx, c.ticket.ID, domain.Change{To: domain.StatusAssigned, Actor: domain.SystemActor, AssigneeID: c.bob.ID}); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *cannedSetup) save(t *testing.T, r domain.CannedReply) *domain.CannedReply {
	t.Helper()
	saved, err := c.d.SaveCannedReply(context.Background(), c.admin, r)
	if err != nil {
		t.Fatalf("SaveCannedReply(%q): %v", r.Title, err)
	}
	return saved
}

func TestCannedReplyInsertion(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		c := newCannedSetup(t, s)
		restart := c.save(t, domain.CannedReply{Title: "Restart the VPN client",
			Body: "Hello {{requester.name}},\r\n\r\nplease restart the VPN client ({{ticket.ref}}).\r\n\r\n{{agent.name}}  ", CategoryID: &c.vpn.ID})
		thanks := c.save(t, domain.CannedReply{Title: "Thanks", Body: "Thanks, {{ requester.name }}!"})
		monitor := c.save(t, domain.CannedReply{Title: "Monitor", Body: "Your monitor ships today.", CategoryID: &c.hw.ID})

		// Bob sees the replies fit for a VPN ticket, by title.
		got, err := c.d.CannedRepliesFor(ctx, c.bob, c.ticket)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Title != "Restart the VPN client" || got[1].Title != "Thanks" {
			t.Errorf("CannedRepliesFor(bob) = %+v, want Restart the VPN client and Thanks", got)
		}
		// The requester gets none.
		if got, err := c.d.CannedRepliesFor(ctx, c.ann, c.ticket); err != nil || len(got) != 0 {
			t.Errorf("CannedRepliesFor(ann) = %+v, %v; want none", got, err)
		}

		text, err := c.d.InsertCannedReply(ctx, c.bob, c.ticket.ID, restart.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := "Hello Ann Lee,\n\nplease restart the VPN client (" + c.ticket.Ref() + ").\n\nBob Agent"
		if text != want {
			t.Errorf("InsertCannedReply = %q, want %q", text, want)
		}
		// An admin without a name is named by their address.
		root := mustUser(t, s, "root@company.test", domain.RoleAdmin)
		if text, err := c.d.InsertCannedReply(ctx, root, c.ticket.ID, thanks.ID); err != nil || text != "Thanks, Ann Lee!" {
			t.Errorf("InsertCannedReply(admin, Thanks) = %q, %v", text, err)
		}
		if _, err := c.d.InsertCannedReply(ctx, root, c.ticket.ID, monitor.ID); !errors.Is(err, domain.ErrInvalid) ||
			!strings.Contains(err.Error(), "for tickets of Hardware") {
			t.Errorf("InsertCannedReply(reply of another category) = %v, want refused", err)
		}
		if _, err := c.d.InsertCannedReply(ctx, c.bob, c.ticket.ID, 424242); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("InsertCannedReply(no such reply) = %v, want ErrInvalid", err)
		}
		if _, err := c.d.InsertCannedReply(ctx, c.ann, c.ticket.ID, thanks.ID); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("InsertCannedReply(requester) = %v, want ErrForbidden", err)
		}
		if _, err := c.d.InsertCannedReply(ctx, c.otherTeam, c.ticket.ID, thanks.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("InsertCannedReply(agent of another category) = %v, want ErrNotFound", err)
		}

		// A reply that slipped past the checks (written to the database
		// directly) is refused at insertion too, naming it.
		bad := &domain.CannedReply{Title: "Typo", Body: "Hi {{requster.name}}", CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateCannedReply(ctx, bad); err != nil {
			t.Fatal(err)
		}
		if _, err := c.d.InsertCannedReply(ctx, c.bob, c.ticket.ID, bad.ID); !errors.Is(err, domain.ErrInvalid) ||
			!strings.Contains(err.Error(), `"Typo"`) || !strings.Contains(err.Error(), "unknown placeholder {{requster.name}}") {
			t.Errorf("InsertCannedReply(unknown placeholder) = %v", err)
		}
	})
}

func TestCannedReplyAdmin(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		c := newCannedSetup(t, s)
		restart := c.save(t, domain.CannedReply{Title: "  Restart   the VPN client ", Body: "Restart it.", CategoryID: &c.vpn.ID})
		if restart.Title != "Restart the VPN client" || restart.Category != "VPN" {
			t.Errorf("saved = %+v", restart)
		}
		missing := int64(424242)
		for _, tc := range []struct {
			r     domain.CannedReply
			field string
			msg   string
		}{
			{domain.CannedReply{Title: "", Body: "x"}, "title", "Give the reply a title."},
			{domain.CannedReply{Title: strings.Repeat("t", domain.MaxCannedReplyTitle+1), Body: "x"}, "title", "at most"},
			{domain.CannedReply{Title: "Empty", Body: " \n "}, "body", "Write the reply's text."},
			{domain.CannedReply{Title: "Long", Body: strings.Repeat("é", domain.MaxCannedReplyBody+1)}, "body", "at most"},
			{domain.CannedReply{Title: "Typo", Body: "Hi {{requster.name}}"}, "body", "Unknown placeholder {{requster.name}}: use {{requester.name}}, {{ticket.ref}} or {{agent.name}}."},
			{domain.CannedReply{Title: "Open", Body: "Hi {{requester.name"}, "body", "is not closed"},
			{domain.CannedReply{Title: "restart THE vpn client", Body: "x"}, "title", "Another reply has this title."},
			{domain.CannedReply{Title: "Gone", Body: "x", CategoryID: &missing}, "category", "no longer exists"},
		} {
			_, err := c.d.SaveCannedReply(ctx, c.admin, tc.r)
			var fe domain.FieldErrors
			if !errors.As(err, &fe) || !strings.Contains(fe[tc.field], tc.msg) {
				t.Errorf("SaveCannedReply(%q, %q) = %v; want %s: %q", tc.r.Title, tc.r.Body, err, tc.field, tc.msg)
			}
		}
		if all, _ := c.d.AdminCannedReplies(ctx, c.admin); len(all) != 1 {
			t.Errorf("refused saves stored something: %+v", all)
		}
		// Updating keeps the id and the creation time.
		restart.Body, restart.CategoryID = "Restart it, {{requester.name}}.", nil
		upd, err := c.d.SaveCannedReply(ctx, c.admin, *restart)
		if err != nil || upd.ID != restart.ID || upd.CategoryID != nil {
			t.Fatalf("update = %+v, %v", upd, err)
		}
		if got, err := c.d.AdminCannedReply(ctx, c.admin, restart.ID); err != nil || got.Body != "Restart it, {{requester.name}}." {
			t.Errorf("after update: %+v, %v", got, err)
		}
		// Only admins.
		agent := domain.Actor{Email: "bob@company.test"}
		if _, err := c.d.AdminCannedReplies(ctx, agent); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("AdminCannedReplies(agent) = %v", err)
		}
		if _, err := c.d.SaveCannedReply(ctx, agent, domain.CannedReply{Title: "x", Body: "x"}); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("SaveCannedReply(agent) = %v", err)
		}
		if err := c.d.DeleteCannedReply(ctx, agent, restart.ID); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("DeleteCannedReply(agent) = %v", err)
		}
		// A merge carries a category's replies to the category it goes into.
		monitor := c.save(t, domain.CannedReply{Title: "Monitor", Body: "Soon.", CategoryID: &c.hw.ID})
		if _, err := c.d.MergeCategory(ctx, c.admin, c.hw.ID, c.vpn.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := c.d.AdminCannedReply(ctx, c.admin, monitor.ID); err != nil || got.Category != "VPN" {
			t.Errorf("after merging Hardware into VPN: %+v, %v", got, err)
		}
		if err := c.d.DeleteCannedReply(ctx, c.admin, restart.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := c.d.AdminCannedReply(ctx, c.admin, restart.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("after delete: %v", err)
		}
	})
}
