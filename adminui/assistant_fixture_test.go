package adminui

import (
	"context"
	"testing"

	"ticketgate/domain"
	"ticketgate/domain/classify"
	"ticketgate/storage/storagetest"
)

// assistFixture is the bare fixture with the local classifier (which
// proposes categories and ranks similar tickets by its features), two
// categories with different questions, their agents, and resolved tickets:
//
//	shared:  ben's Hardware ticket he agreed to share
//	private: ben's Hardware ticket worded alike, not shared (its markers
//	         PRIVSUBJ, PRIVBODY, PRIVNOTE must never reach another employee)
//	public:  an Access ticket an admin marked as a public answer
type assistFixture struct {
	*fixture
	hw, acc                 *domain.Category
	shared, private, public *domain.Ticket
}

func newAssistFixture(t testing.TB, db storagetest.DB) *assistFixture {
	t.Helper()
	ctx := context.Background()
	local := classify.NewLocal(classify.DefaultConfig())
	f := &assistFixture{fixture: newBareFixture(t, db, domain.WithClassifier(local, 0.3), domain.WithSimilarity(local))}
	admin := domain.Actor{Email: "root@company.test", Admin: true}
	var err error
	f.hw, err = f.desk.SaveCategory(ctx, admin, domain.Category{Name: "Hardware",
		Description: "Laptops, screens, keyboards, docking stations and other devices that are broken or needed",
		Keywords:    []string{"laptop", "screen", "monitor", "keyboard", "dock"},
		Questions: []domain.Question{{Text: "Asset tag", Required: true, Kind: domain.QuestionAssetTag},
			{Text: "Which laptop model", Kind: domain.QuestionChoice, Choices: []string{"ThinkPad", "MacBook"}}}})
	if err != nil {
		t.Fatal(err)
	}
	f.acc, err = f.desk.SaveCategory(ctx, admin, domain.Category{Name: "Access",
		Description: "Accounts, passwords, permissions to systems and shared folders",
		Keywords:    []string{"password", "account", "access", "permission", "login"},
		Questions:   []domain.Question{{Text: "Which system", Required: true}, {Text: "Since when"}}})
	if err != nil {
		t.Fatal(err)
	}
	for name, cat := range map[string]*domain.Category{"bob": f.hw, "carl": f.acc} {
		if err := f.st.SaveTeamMember(ctx, &domain.TeamMember{UserID: f.users[name].ID, CategoryIDs: []int64{cat.ID}, Available: true}); err != nil {
			t.Fatal(err)
		}
	}
	f.shared = f.resolved(f.hw, "bob", "Laptop screen flickering", "The laptop screen flickers all the time since the update.",
		"Update the display driver from the Software Center.", false, true)
	f.private = f.resolved(f.hw, "bob", "Laptop screen flickering PRIVSUBJ", "My laptop screen flickers PRIVBODY since the update.",
		"PRIVNOTE replaced the screen", false, false)
	f.public = f.resolved(f.acc, "carl", "Password expired", "My password expired and I cannot log in to my account.",
		"Reset it at https://password.company.test with your badge number.", true, false)
	return f
}

// resolved opens ben's ticket in cat, routes it to agent, resolves it
// with note, and marks it.
func (f *assistFixture) resolved(cat *domain.Category, agent, subject, body, note string, public, share bool) *domain.Ticket {
	f.t.Helper()
	ctx := context.Background()
	t, err := f.desk.OpenTicket(ctx, domain.NewTicket{Subject: subject, Body: body, From: "ben@company.test", Channel: "test"})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.desk.Categorize(ctx, t.ID, cat.Name, domain.Actor{Email: "root@company.test", Admin: true}); err != nil {
		f.t.Fatal(err)
	}
	if t, err = f.desk.Resolve(ctx, t.ID, domain.Actor{Email: agent + "@company.test"}, note); err != nil {
		f.t.Fatal(err)
	}
	if err := f.st.SetTicketSharing(ctx, t.ID, public, share); err != nil {
		f.t.Fatal(err)
	}
	return t
}
