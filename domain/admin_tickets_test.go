package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAdminActionsFor(t *testing.T) {
	for st, want := range map[Status]string{
		StatusTriage:           "categorize comment",
		StatusAwaitingApproval: "categorize decide comment",
		StatusRejected:         "categorize close reopen comment",
		StatusUnassigned:       "categorize reassign comment",
		StatusAssigned:         "categorize reassign resolve comment",
		StatusResolved:         "categorize close reopen comment",
		StatusClosed:           "categorize reopen",
	} {
		a := AdminActionsFor(&Ticket{Status: st})
		var got []string
		for _, x := range []struct {
			ok   bool
			name string
		}{{a.Categorize, "categorize"}, {a.Decide, "decide"}, {a.Reassign, "reassign"}, {a.Resolve, "resolve"},
			{a.Close, "close"}, {a.Reopen, "reopen"}, {a.Comment, "comment"}} {
			if x.ok {
				got = append(got, x.name)
			}
		}
		if g := strings.Join(got, " "); g != want {
			t.Errorf("AdminActionsFor(%s) = %s, want %s", st, g, want)
		}
		// Every action offered is a legal move for an admin.
		admin := Actor{Email: "root@x.test", Admin: true}
		if a.Close {
			if _, err := CheckTransition(st, StatusClosed, admin); err != nil {
				t.Errorf("close offered on %s: %v", st, err)
			}
		}
		if a.Reopen {
			to := StatusTriage
			if st == StatusResolved {
				to = StatusAssigned
			}
			if _, err := CheckTransition(st, to, admin); err != nil {
				t.Errorf("reopen offered on %s: %v", st, err)
			}
		}
	}
}

func TestTicketSearchValidate(t *testing.T) {
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		s   TicketSearch
		bad string
	}{
		{TicketSearch{}, ""},
		{TicketSearch{Text: "  TKT-7 ", Sort: SortUpdated}, ""},
		{TicketSearch{Sort: "colour"}, "no sort"},
		{TicketSearch{Text: strings.Repeat("é", 201)}, "longer than 200"},
		{TicketSearch{From: day, To: day}, "ends before it starts"},
		{TicketSearch{From: day, To: day.AddDate(0, 0, 1)}, ""},
	} {
		s := c.s
		err := s.Validate()
		switch {
		case c.bad == "" && err != nil:
			t.Errorf("Validate(%+v) = %v", c.s, err)
		case c.bad != "" && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.bad)):
			t.Errorf("Validate(%+v) = %v, want ErrInvalid with %q", c.s, err, c.bad)
		}
		if c.bad == "" && s.Sort == "" {
			t.Errorf("Validate(%+v) left no sort", c.s)
		}
	}
	if id := (TicketSearch{Text: "tkt-12"}).RefID(); id != 12 {
		t.Errorf("RefID(tkt-12) = %d", id)
	}
	if id := (TicketSearch{Text: "printer"}).RefID(); id != 0 {
		t.Errorf("RefID(printer) = %d", id)
	}
}

func TestQuarantinedHeaderBlock(t *testing.T) {
	for raw, want := range map[string]string{
		"From: a@x\r\nSubject: hi\r\n\r\nbody":   "From: a@x\r\nSubject: hi",
		"From: a@x\nSubject: hi\n\nbody\n\nmore": "From: a@x\nSubject: hi",
		"no header end":                          "no header end",
		"Subject: \x00odd\xff\r\n\r\nx":          "Subject: odd\uFFFD",
	} {
		if got := (&Quarantined{Raw: []byte(raw)}).HeaderBlock(); got != want {
			t.Errorf("HeaderBlock(%q) = %q, want %q", raw, got, want)
		}
	}
	big := (&Quarantined{Raw: []byte(strings.Repeat("X-Long: y\r\n", 20000))}).HeaderBlock()
	if len(big) != MaxHeaderBlock {
		t.Errorf("a huge header gives %d bytes, want %d", len(big), MaxHeaderBlock)
	}
}
