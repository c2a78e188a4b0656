package classify

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"ticketgate/domain"
)

func (f *fakeSource) ExamplesVersion(context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return int64(len(f.picks)), nil
}

func (f *fakeSource) AdminPicks(_ context.Context, after int64, limit int) ([]domain.AdminPick, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []domain.AdminPick
	for i := len(f.picks) - 1; i >= 0 && f.picks[i].Seq > after && (limit <= 0 || len(out) < limit); i-- {
		out = append(out, f.picks[i])
	}
	return out, nil
}

// pick records an admin's pick of ticket's category as the fake store does.
func (f *fakeSource) pick(ticket int64, subject, body, category string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.picks = append(f.picks, domain.AdminPick{Seq: int64(len(f.picks) + 1), TrainingExample: domain.TrainingExample{
		TicketID: ticket, Subject: subject, Body: body, Category: category}})
}

func dotH(a, b hvec) float64 {
	var s float64
	for i, j := 0, 0; i < len(a.ids) && j < len(b.ids); {
		switch {
		case a.ids[i] < b.ids[j]:
			i++
		case a.ids[i] > b.ids[j]:
			j++
		default:
			s += float64(a.val[i]) * float64(b.val[j])
			i, j = i+1, j+1
		}
	}
	return s
}

// The same request written with another greeting, sign-off and quoted
// reply is a near duplicate; the same subject with another request is not.
func TestMemoryVectorNearDuplicate(t *testing.T) {
	const subject = "Docking station flickers"
	orig := memVector(memText(subject, "Hi team,\n\nthe docking station on my desk makes both screens flicker every few minutes.\n\nThanks,\nAnn\nFinance"))
	tests := []struct {
		name    string
		subject string
		body    string
		near    bool
	}{
		{"same", subject, "Hi team,\n\nthe docking station on my desk makes both screens flicker every few minutes.\n\nThanks,\nAnn\nFinance", true},
		{"other greeting and signature", "RE: " + subject, "Hello,\nthe docking station on my desk makes both screens flicker every few minutes!\n\nBest regards,\nBob Jones\nSales, +49 30 1234\n\nOn Monday Ann wrote:\n> something else entirely", true},
		{"other request", subject, "I need a second docking station for the meeting room, can you order one?", false},
		{"unrelated", "Payslip missing", "My November payslip is not in the portal.", false},
	}
	for _, tt := range tests {
		v := memVector(memText(tt.subject, tt.body))
		sim := dotH(orig, v)
		if (sim >= NearDuplicate) != tt.near {
			t.Errorf("%s: similarity %.3f, want near duplicate %v (from %v)", tt.name, sim, tt.near, NearDuplicate)
		}
	}
	if v := memVector(memText(subject, "")); dotH(v, v) < 0.999 || dotH(v, v) > 1.001 {
		t.Errorf("|v|² = %v, want 1", dotH(v, v))
	}
	if v := memVector("the and of"); len(v.ids) != 0 {
		t.Errorf("stop words only: %d features, want none", len(v.ids))
	}
}

// TestLearnerLearnsPicks: an admin's pick is used at the next poll, without
// a retraining: the same wording gets the admin's category, other mail the
// model's; a later pick of the same ticket replaces the earlier one; a pick
// of a category not asked about is ignored.
func TestLearnerLearnsPicks(t *testing.T) {
	src := &fakeSource{cats: testCategories, version: 1}
	local := NewLocal(DefaultConfig())
	trainings := 0
	ln := NewLearner(src, local, LearnerOptions{OnTrained: func(TrainStats) { trainings++ }})
	ctx := context.Background()
	ln.step(ctx)
	const subject, body = "Laptop keyboard", "Hi,\nsome keys of my laptop keyboard stick since yesterday.\n\nThanks,\nAnn"
	classify := func(subject, body string) domain.Classification {
		t.Helper()
		res, err := local.Classify(ctx, subject, body, testCategories)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := classify(subject, body); res.Category != "Hardware Request" {
		t.Fatalf("before any pick: %+v, want Hardware Request", res)
	}
	src.pick(7, subject, body, "Payroll")
	if res := classify(subject, body); res.Category != "Hardware Request" {
		t.Fatalf("before the poll: %+v, want the model's Hardware Request", res)
	}
	ln.step(ctx)
	if trainings != 1 {
		t.Errorf("%d trainings, want 1: a pick needs no retraining", trainings)
	}
	res := classify("RE: "+subject, "Hello,\nsome keys of my laptop keyboard stick since yesterday!\n\nBest regards,\nBob")
	if res.Category != "Payroll" || res.Method != domain.MethodLocal || res.Confidence < NearDuplicate ||
		!strings.HasPrefix(res.Explanation, "worded like TKT-7, which an admin filed under Payroll (similarity ") {
		t.Errorf("after the pick: %+v, want Payroll from TKT-7", res)
	}
	if res := classify("Monitor cable", "I need a longer cable for my monitor."); res.Category != "Hardware Request" {
		t.Errorf("other mail after the pick: %+v, want the model's Hardware Request", res)
	}
	// Only among the categories asked about.
	if res, err := local.Classify(ctx, subject, body, testCategories[:2]); err != nil || res.Category != "Hardware Request" {
		t.Errorf("without Payroll: %+v, %v; want Hardware Request", res, err)
	}
	// The admin changes it again.
	src.pick(7, subject, body, "Access")
	ln.step(ctx)
	if res := classify(subject, body); res.Category != "Access" {
		t.Errorf("after the second pick: %+v, want Access", res)
	}
	// A retraining keeps the picks.
	src.mu.Lock()
	src.version++
	src.mu.Unlock()
	ln.step(ctx)
	if trainings != 2 {
		t.Fatalf("%d trainings, want 2", trainings)
	}
	if res := classify(subject, body); res.Category != "Access" {
		t.Errorf("after retraining: %+v, want Access", res)
	}
}

func TestLocalSimilar(t *testing.T) {
	local := NewLocal(DefaultConfig())
	recent := []domain.TrainingExample{
		{TicketID: 5, Subject: "VPN drops", Body: "The VPN drops every hour when I work from home.", Category: "Access"},
		{TicketID: 4, Subject: "Payslip", Body: "Where is my payslip for October?", Category: "Payroll"},
		{TicketID: 3, Subject: "VPN password", Body: "My VPN password expired, please reset it. " + strings.Repeat("z", 2000), Category: "Access"},
		{TicketID: 2, Subject: "VPN client", Body: "Install the VPN client on my new laptop please.", Category: "Hardware Request"},
		{TicketID: 1, Subject: "Old category", Body: "VPN VPN VPN", Category: "Gone"},
	}
	picks := []domain.AdminPick{{Seq: 1, TrainingExample: domain.TrainingExample{TicketID: 2, Subject: "VPN client",
		Body: "Install the VPN client on my new laptop please.", Category: "Access"}}}
	if got := local.Similar("VPN", "vpn", 3, testCategories); got != nil {
		t.Errorf("Similar before Remember = %+v, want none", got)
	}
	local.Remember(recent, picks)
	got := local.Similar("VPN keeps dropping", "Hi,\nthe VPN drops every hour at home.\n\nThanks,\nAnn", 3, testCategories)
	var names []string
	for _, s := range got {
		names = append(names, fmt.Sprintf("%s %s %v", domain.FormatRef(s.Ticket), s.Category, s.Admin))
		if len([]rune(s.Text)) > exampleRunes+2 || s.Similarity < minSimilar || s.Similarity > 1.0001 {
			t.Errorf("example %+v", s)
		}
	}
	// TKT-2 once, as the admin filed it; nothing of the category that
	// is gone nor the payslip.
	if want := "TKT-5 Access false,TKT-2 Access true,TKT-3 Access false"; strings.Join(names, ",") != want {
		t.Errorf("Similar = %s, want %s", strings.Join(names, ","), want)
	}
	if got[0].Similarity < got[1].Similarity || !strings.HasPrefix(got[0].Text, "VPN drops\nThe VPN drops") {
		t.Errorf("Similar = %+v, want the most similar first, with its text", got)
	}
	if got := local.Similar("VPN", "vpn", 1, testCategories); len(got) != 1 {
		t.Errorf("Similar(n=1) = %+v", got)
	}
}

// Memory stays bounded: RecallTickets tickets and RecallPicks picks, the
// newest, one pick per ticket.
func TestLocalMemoryBounded(t *testing.T) {
	local := NewLocal(DefaultConfig())
	var recent []domain.TrainingExample
	for i := range RecallTickets + 10 {
		recent = append(recent, domain.TrainingExample{TicketID: int64(5000 - i), Subject: fmt.Sprint("printer ", i), Body: "toner", Category: "Hardware Request"})
	}
	local.Remember(recent, nil)
	var picks []domain.AdminPick
	for i := range RecallPicks + 10 {
		picks = append(picks, domain.AdminPick{Seq: int64(i + 1), TrainingExample: domain.TrainingExample{
			TicketID: int64(i%(RecallPicks+5) + 1), Subject: fmt.Sprint("pick ", i), Body: "vpn", Category: "Access"}})
	}
	local.RememberPicks(picks[:3])
	local.RememberPicks(picks[3:])
	m := local.mem.Load()
	if len(m.recent.entries) != RecallTickets || m.recent.entries[0].ticket != 5000 {
		t.Errorf("%d tickets remembered, the first %d; want %d, the newest first", len(m.recent.entries), m.recent.entries[0].ticket, RecallTickets)
	}
	if len(m.picks.entries) != RecallPicks || m.seq != RecallPicks+10 || m.picks.entries[0].text != fmt.Sprint("pick ", RecallPicks+9, "\nvpn") {
		t.Errorf("%d picks remembered up to %d, the first %q", len(m.picks.entries), m.seq, m.picks.entries[0].text)
	}
	seen := map[int64]bool{}
	for _, e := range m.picks.entries {
		if seen[e.ticket] {
			t.Fatalf("T-%d remembered twice", e.ticket)
		}
		seen[e.ticket] = true
	}
	if b := local.MemoryBytes(); b <= 0 || b > 4<<20 {
		t.Errorf("MemoryBytes = %d", b)
	}
}
