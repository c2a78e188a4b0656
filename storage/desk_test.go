package storage_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

type fixedClock struct{}

func (fixedClock) Now() time.Time { return t0 }

func newDesk(t *testing.T, s *storage.Store) *domain.Desk {
	return domain.NewDesk(s, fixedClock{}, storagetest.Logger(t))
}

var admin = domain.Actor{Email: "root@x.test", Admin: true}

func TestOpenTicket(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "  Need a\r\nlaptop ", Body: "Mine broke.",
			From: "Ann Lee <Ann@Company.test>", FromName: "Ann Lee", MessageID: "m1@mail.test", Channel: "smtp"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.Ref() != fmt.Sprintf("TKT-%d", tk.ID) || tk.Status != domain.StatusTriage || tk.Subject != "Need a laptop" {
			t.Fatalf("OpenTicket = %+v", tk)
		}
		detail, err := d.Ticket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if detail.Ticket.Requester != "ann@company.test" || detail.Ticket.MessageID != "m1@mail.test" {
			t.Errorf("ticket = %+v", detail.Ticket)
		}
		kinds := eventKinds(detail.Events)
		if kinds != "received,triaged" {
			t.Errorf("events = %s, want received,triaged", kinds)
		}
		u, err := s.GetUserByEmail(ctx, "ann@company.test")
		if err != nil || u.Role != domain.RoleEmployee || u.PasswordHash != "" || u.Name != "Ann Lee" {
			t.Errorf("requester = %+v, %v; want an employee without password", u, err)
		}
		// The same requester again: no second user.
		if _, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "again", From: "ann@company.test"}); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountUsers(ctx); n != 1 {
			t.Errorf("users = %d, want 1", n)
		}
		if _, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "x", From: "not an address"}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("OpenTicket from a bad address = %v, want ErrInvalid", err)
		}
	})
}

func eventKinds(es []domain.Event) string {
	ks := make([]string, len(es))
	for i, e := range es {
		ks[i] = string(e.Kind)
	}
	return strings.Join(ks, ",")
}

// pathTo lists the changes that take a new (triage) ticket to status st.
func pathTo(st domain.Status, agent int64) []domain.Change {
	toAssigned := domain.Change{To: domain.StatusAssigned, AssigneeID: agent, Actor: admin}
	switch st {
	case domain.StatusAwaitingApproval:
		return []domain.Change{{To: st, ApprovalLevel: 1, Actor: admin}}
	case domain.StatusRejected:
		return append(pathTo(domain.StatusAwaitingApproval, agent), domain.Change{To: st, Actor: admin})
	case domain.StatusUnassigned:
		return []domain.Change{{To: st, Actor: admin}}
	case domain.StatusAssigned:
		return []domain.Change{toAssigned}
	case domain.StatusResolved:
		return append(pathTo(domain.StatusAssigned, agent), domain.Change{To: st, Actor: admin})
	case domain.StatusClosed:
		return append(pathTo(domain.StatusResolved, agent), domain.Change{To: st, Actor: admin})
	}
	return nil
}

// TestTransitionsThroughDesk walks every pair of statuses through the real
// store: legal moves change the status and append exactly one event; illegal
// ones return ErrIllegalTransition and change nothing.
func TestTransitionsThroughDesk(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		agent := mustUser(t, s, "bob@x.test", domain.RoleAgent)
		for _, from := range domain.Statuses {
			for _, to := range domain.Statuses {
				tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: string(from) + "→" + string(to), From: "ann@x.test"})
				if err != nil {
					t.Fatal(err)
				}
				for _, ch := range pathTo(from, agent.ID) {
					if _, err := d.Transition(ctx, tk.ID, ch); err != nil {
						t.Fatalf("path to %s: %v", from, err)
					}
				}
				before, _ := d.Ticket(ctx, tk.ID)
				ch := domain.Change{To: to, Actor: admin, Detail: "test move"}
				switch to {
				case domain.StatusAssigned:
					ch.AssigneeID = agent.ID
				case domain.StatusAwaitingApproval:
					ch.ApprovalLevel = before.Ticket.ApprovalLevel + 1
				}
				_, terr := d.Transition(ctx, tk.ID, ch)
				after, _ := d.Ticket(ctx, tk.ID)
				wantKind, legalErr := domain.CheckTransition(from, to, admin)
				if legalErr != nil {
					if !errors.Is(terr, domain.ErrIllegalTransition) {
						t.Errorf("%s → %s: err = %v, want ErrIllegalTransition", from, to, terr)
					}
					if after.Ticket.Status != from || len(after.Events) != len(before.Events) {
						t.Errorf("%s → %s refused but changed: status %s, %d → %d events", from, to, after.Ticket.Status, len(before.Events), len(after.Events))
					}
					continue
				}
				if terr != nil {
					t.Errorf("%s → %s: %v", from, to, terr)
					continue
				}
				if after.Ticket.Status != to || len(after.Events) != len(before.Events)+1 {
					t.Errorf("%s → %s: status %s, %d → %d events", from, to, after.Ticket.Status, len(before.Events), len(after.Events))
					continue
				}
				last := after.Events[len(after.Events)-1]
				if last.Kind != wantKind || last.Actor != admin.Email || last.Detail != "test move" {
					t.Errorf("%s → %s: event %+v, want kind %s by %s", from, to, last, wantKind, admin.Email)
				}
			}
		}
	})
}

func TestTransitionConflict(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "x", From: "ann@x.test"})
		if err != nil {
			t.Fatal(err)
		}
		stale, _ := s.GetTicket(ctx, tk.ID)
		if _, err := d.Transition(ctx, tk.ID, domain.Change{To: domain.StatusUnassigned, Actor: admin}); err != nil {
			t.Fatal(err)
		}
		// A writer that read the ticket before the move loses.
		stale.Status = domain.StatusAwaitingApproval
		if err := s.UpdateTicket(ctx, stale, domain.StatusTriage); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("stale UpdateTicket = %v, want ErrConflict", err)
		}
		if _, err := d.Transition(ctx, 9999, domain.Change{To: domain.StatusUnassigned, Actor: admin}); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("Transition(9999) = %v, want ErrNotFound", err)
		}
	})
}

func TestFirstAdminAndUsers(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		pw, err := d.EnsureFirstAdmin(ctx, "Admin@Localhost")
		if err != nil || pw == "" {
			t.Fatalf("EnsureFirstAdmin = %q, %v", pw, err)
		}
		u, err := s.GetUserByEmail(ctx, "admin@localhost")
		if err != nil || u.Role != domain.RoleAdmin || !u.MustChangePassword || !domain.CheckPassword(u.PasswordHash, pw) {
			t.Fatalf("first admin = %+v, %v", u, err)
		}
		if again, err := d.EnsureFirstAdmin(ctx, "other@localhost"); err != nil || again != "" {
			t.Fatalf("second EnsureFirstAdmin = %q, %v; want nothing", again, err)
		}
		nu, pw2, err := d.AddUser(ctx, "bob@x.test", "Bob", domain.RoleAgent)
		if err != nil || pw2 == "" || !nu.MustChangePassword || nu.Role != domain.RoleAgent {
			t.Fatalf("AddUser = %+v, %q, %v", nu, pw2, err)
		}
		if _, _, err := d.AddUser(ctx, "BOB@x.test", "", domain.RoleAgent); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("AddUser twice = %v, want ErrConflict", err)
		}
		pw3, err := d.ResetPassword(ctx, "bob@x.test")
		if err != nil || pw3 == pw2 {
			t.Fatalf("ResetPassword = %q, %v", pw3, err)
		}
		after, _ := s.GetUserByEmail(ctx, "bob@x.test")
		if domain.CheckPassword(after.PasswordHash, pw2) || !domain.CheckPassword(after.PasswordHash, pw3) || !after.MustChangePassword {
			t.Fatal("ResetPassword did not replace the password with a must-change one")
		}
		if _, err := d.ResetPassword(ctx, "nobody@x.test"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("ResetPassword(nobody) = %v, want ErrNotFound", err)
		}
	})
}

// designExample is docs/design.md's example setup file.
var designExample = mustRead("../domain/testdata/design_setup.json")

func mustRead(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func jsonValue(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSetupApplyExportRoundTrip(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		f, err := domain.ParseSetup([]byte(designExample))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := d.ApplySetup(ctx, f, false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 3 || rep.Changed != 0 {
			t.Errorf("first apply: %+v, want 3 created", rep)
		}
		out, err := d.ExportSetup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var want any
		json.Unmarshal([]byte(designExample), &want)
		if got := jsonValue(t, out); !reflect.DeepEqual(got, want) {
			t.Errorf("export = %v\nwant %v", got, want)
		}
		v1, _ := s.CategoriesVersion(ctx)
		rep2, err := d.ApplySetup(ctx, f, false)
		if err != nil {
			t.Fatal(err)
		}
		if rep2.Created+rep2.Changed+rep2.Pruned != 0 || rep2.Unchanged != 3 {
			t.Errorf("second apply: %+v, want 3 unchanged", rep2)
		}
		if v2, _ := s.CategoriesVersion(ctx); v2 != v1 {
			t.Errorf("second apply wrote categories (version %d → %d)", v1, v2)
		}
	})
}

func TestSetupApplyUpdatesAndPrunes(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		if _, err := d.EnsureFirstAdmin(ctx, "admin@localhost"); err != nil {
			t.Fatal(err)
		}
		apply := func(file string, prune bool) (*domain.SetupReport, error) {
			f, err := domain.ParseSetup([]byte(file))
			if err != nil {
				t.Fatal(err)
			}
			return d.ApplySetup(ctx, f, prune)
		}
		if _, err := apply(designExample, false); err != nil {
			t.Fatal(err)
		}
		// A team member whose user does not exist becomes an agent without
		// a password; levels are replaced as a whole; Network is new.
		next := `{"categories": [
		  {"name": "Hardware Request", "approval_levels": [{"rule": "any", "approvers": ["cio@company.test"]}]},
		  {"name": "Network"}],
		 "team_members": [{"email": "carol@company.test", "categories": ["network", "Hardware Request"], "available": false}]}`
		rep, err := apply(next, false)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Changed != 1 || rep.Created != 3 {
			t.Errorf("report = %+v\n%s", rep, strings.Join(rep.Lines, "\n"))
		}
		hw, _ := s.GetCategoryByName(ctx, "Hardware Request")
		if len(hw.ApprovalLevels) != 1 || hw.ApprovalLevels[0].Rule != domain.RuleAny || hw.Description != "" {
			t.Errorf("Hardware Request = %+v", hw)
		}
		carol, err := s.GetUserByEmail(ctx, "carol@company.test")
		if err != nil || carol.Role != domain.RoleAgent || carol.PasswordHash != "" {
			t.Fatalf("carol = %+v, %v", carol, err)
		}
		cm, _ := s.GetTeamMemberByUser(ctx, carol.ID)
		if cm.Available || cm.AwayUntil != nil || len(cm.CategoryIDs) != 2 {
			t.Errorf("carol's membership = %+v; want away until changed, 2 categories", cm)
		}
		// Bob is left alone without --prune ...
		bob, _ := s.GetUserByEmail(ctx, "bob@company.test")
		if _, err := s.GetTeamMemberByUser(ctx, bob.ID); err != nil {
			t.Fatalf("bob's membership gone without prune: %v", err)
		}
		// ... and pruned with it: membership removed, user disabled; a
		// category with tickets cannot be pruned.
		tk, _ := d.OpenTicket(ctx, domain.NewTicket{Subject: "x", From: "ann@company.test"})
		tk.CategoryID = hw.ID
		if err := s.UpdateTicket(ctx, tk, tk.Status); err != nil {
			t.Fatal(err)
		}
		onlyNetwork := `{"categories": [{"name": "Network"}], "users": [{"email": "admin@localhost", "name": "Administrator", "role": "admin"}]}`
		if _, err := apply(onlyNetwork, true); err == nil || !strings.Contains(err.Error(), "tickets use it") {
			t.Fatalf("prune of a category in use = %v, want refusal", err)
		}
		if _, err := s.GetTeamMemberByUser(ctx, bob.ID); err != nil {
			t.Fatalf("refused apply changed something: %v", err)
		}
		withHW := `{"categories": [{"name": "Network"}, {"name": "Hardware Request", "approval_levels": [{"rule": "any", "approvers": ["cio@company.test"]}]}],
		  "users": [{"email": "admin@localhost", "name": "Administrator", "role": "admin"}]}`
		rep, err = apply(withHW, true)
		if err != nil {
			t.Fatal(err)
		}
		bob, _ = s.GetUserByEmail(ctx, "bob@company.test")
		if _, err := s.GetTeamMemberByUser(ctx, bob.ID); !errors.Is(err, domain.ErrNotFound) || !bob.Disabled {
			t.Errorf("after prune: bob disabled=%v membership err=%v\n%s", bob.Disabled, err, strings.Join(rep.Lines, "\n"))
		}
		if a, _ := s.GetUserByEmail(ctx, "admin@localhost"); a.Disabled {
			t.Error("prune disabled the admin named in the file")
		}
		// Never leave the helpdesk without an admin.
		if _, err := apply(`{"users": [{"email": "admin@localhost", "role": "agent"}]}`, false); err == nil || !strings.Contains(err.Error(), "no enabled admin") {
			t.Errorf("demoting the last admin = %v, want refusal", err)
		}
	})
}

func TestSetupApplyInvalidChangesNothing(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		file := "{\"categories\": [{\"name\": \"New One\"}],\n \"team_members\": [\n  {\"email\": \"bob@x.test\", \"categories\": [\"Nope\"]}]}"
		f, err := domain.ParseSetup([]byte(file))
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.ApplySetup(ctx, f, false)
		var se *domain.SetupError
		if !errors.As(err, &se) || se.Line != 3 || !strings.Contains(err.Error(), `"Nope"`) {
			t.Fatalf("ApplySetup = %v, want a SetupError at line 3 naming the category", err)
		}
		cats, _ := s.ListCategories(ctx)
		if n, _ := s.CountUsers(ctx); len(cats) != 0 || n != 0 {
			t.Fatalf("invalid apply left %d categories and %d users", len(cats), n)
		}
	})
}

func TestComment(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "x", From: "ann@x.test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Comment(ctx, tk.ID, domain.Actor{Email: "ann@x.test"}, "  more detail  ", "portal"); err != nil {
			t.Fatal(err)
		}
		if err := d.Comment(ctx, tk.ID, domain.Actor{Email: "eve@x.test"}, "sneaky", "portal"); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("stranger's comment = %v, want ErrForbidden", err)
		}
		if err := d.Comment(ctx, tk.ID, admin, " ", "portal"); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("empty comment = %v, want ErrInvalid", err)
		}
		detail, _ := d.Ticket(ctx, tk.ID)
		last := detail.Events[len(detail.Events)-1]
		if len(detail.Events) != 3 || last.Kind != domain.EventCommented || last.Detail != "more detail" || last.Actor != "ann@x.test" {
			t.Errorf("events = %+v", detail.Events)
		}
	})
}
