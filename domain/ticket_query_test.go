package domain

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTicketQueryValidate(t *testing.T) {
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	upd := &TicketCursor{Sort: SortUpdated, ID: 3, Updated: day}
	for _, c := range []struct {
		q   TicketQuery
		bad string
	}{
		{TicketQuery{}, ""},
		{TicketQuery{Text: "  TKT-7 ", Sort: SortUpdated}, ""},
		{TicketQuery{Sort: "colour"}, "no sort"},
		{TicketQuery{Text: strings.Repeat("é", 201)}, "longer than 200"},
		{TicketQuery{From: day, To: day}, "ends before it starts"},
		{TicketQuery{From: day, To: day.AddDate(0, 0, 1)}, ""},
		{TicketQuery{Limit: -1}, "negative limit"},
		{TicketQuery{Sort: SortUpdated, After: upd}, ""},
		{TicketQuery{Sort: SortUpdated, Before: upd}, ""},
		{TicketQuery{Sort: SortUpdated, After: upd, Before: upd}, "two positions"},
		{TicketQuery{Sort: SortUpdated, Asc: true, After: upd}, "another sort"},
		{TicketQuery{Sort: SortStatus, After: upd}, "another sort"},
		{TicketQuery{Sort: SortQueue, Asc: true}, ""},
		{TicketQuery{Sort: SortDue, Asc: true, AssigneeID: 4}, ""},
		{TicketQuery{Sort: SortDue}, "choose an assignee"},
		{TicketQuery{Sort: SortDue, AssigneeID: Nobody}, "choose an assignee"},
		{TicketQuery{Text: "printer", Asc: true}, ""},
		{TicketQuery{Sort: SortRelevance}, "no relevance without a search text"},
		{TicketQuery{Text: `"unclosed`}, ""},
	} {
		q := c.q
		err := q.Validate()
		switch {
		case c.bad == "" && err != nil:
			t.Errorf("Validate(%+v) = %v", c.q, err)
		case c.bad != "" && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.bad)):
			t.Errorf("Validate(%+v) = %v, want ErrInvalid with %q", c.q, err, c.bad)
		}
		if c.bad == "" && q.Sort == "" {
			t.Errorf("Validate(%+v) left no sort", c.q)
		}
		if q.Sort.OneWay() && q.Asc {
			t.Errorf("Validate(%+v) kept Asc on the %s sort", c.q, q.Sort)
		}
		if c.bad == "" && c.q.Sort == "" && (q.Sort == SortRelevance) != (q.Text != "") {
			t.Errorf("Validate(%+v) chose the sort %s", c.q, q.Sort)
		}
	}
	if id := (TicketQuery{Text: "tkt-12"}).RefID(); id != 12 {
		t.Errorf("RefID(tkt-12) = %d", id)
	}
	if id := (TicketQuery{Text: "printer"}).RefID(); id != 0 {
		t.Errorf("RefID(printer) = %d", id)
	}
}

// TestTicketCursorRoundTrip: every sort's cursor survives its token, and
// a cursor made from a ticket carries that sort's key.
func TestTicketCursorRoundTrip(t *testing.T) {
	tk := &Ticket{ID: 42, Subject: "Printer | jammed é", Status: StatusAssigned,
		CreatedAt: time.Date(2026, 11, 1, 3, 4, 5, 7000, time.UTC), UpdatedAt: time.Date(2026, 11, 2, 3, 4, 5, 123456000, time.UTC)}
	due := time.Date(2026, 11, 3, 9, 30, 0, 500, time.UTC)
	withDue := *tk
	withDue.SLA.ResolutionDueAt = &due
	dueTwice := 0
	for _, sort := range append(TicketSorts, SortQueue, SortRelevance, SortDue, SortDue) {
		tk := tk
		if sort == SortDue {
			if dueTwice++; dueTwice == 1 { // the second SortDue: without a due time
				tk = &withDue
			}
		}
		for _, asc := range []bool{false, true} {
			c := CursorOf(tk, sort, asc)
			got, err := ParseTicketCursor(c.String())
			if err != nil {
				t.Fatalf("ParseTicketCursor(%s of %+v) = %v", c, c, err)
			}
			if *got != *c {
				t.Errorf("round trip of %+v = %+v", c, got)
			}
		}
	}
	if c := CursorOf(tk, SortSubject, true); c.Subject != tk.Subject || c.Status != "" {
		t.Errorf("subject cursor = %+v", c)
	}
	if c := CursorOf(tk, SortQueue, true); c.Asc || c.Status != StatusAssigned {
		t.Errorf("queue cursor = %+v", c)
	}
	if c := CursorOf(&withDue, SortDue, true); c.Asc || c.Status != StatusAssigned || !c.Due.Equal(due) {
		t.Errorf("due cursor = %+v", c)
	}
	if c, err := ParseTicketCursor(""); c != nil || err != nil {
		t.Errorf(`ParseTicketCursor("") = %v, %v`, c, err)
	}
}

// TestParseTicketCursorHostile: a page link is a hostile input; anything
// but a token we made is ErrInvalid with a message for people.
func TestParseTicketCursorHostile(t *testing.T) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, token := range []string{
		"%%%", "not base64!", enc("garbage"), enc("2|created|d|5|"), enc("1|colour|d|5|"),
		enc("1|created|x|5|"), enc("1|created|d|0|"), enc("1|created|d|-3|"), enc("1|created|d|9999999999999999999|"),
		enc("1|created|d|5|key"), enc("1|created|d|5|"), enc("1|updated|d|5|yesterday"), enc("1|status|d|5|lost"), enc("1|queue|a|5|assigned"),
		enc("1|subject|d|5|\xff\xfe"), enc("1|subject|d|5|a\x00b"), enc("1|created|d|5"),
		enc("1|due|d|5|assigned"), enc("1|due|a|5|assigned,"), enc("1|due|d|5|lost,"), enc("1|due|d|5|assigned,soon"), enc("1|due|d|5|assigned,0"),
		enc("1|relevance|d|5|-1"), enc("1|relevance|d|5|1000"), enc("1|relevance|a|5|3"), enc("1|relevance|d|5|x"),
		strings.Repeat("A", maxCursorToken+1),
	} {
		c, err := ParseTicketCursor(token)
		if !errors.Is(err, ErrInvalid) || c != nil || !strings.Contains(err.Error(), "page link") {
			t.Errorf("ParseTicketCursor(%.40q) = %+v, %v; want ErrInvalid about the page link", token, c, err)
		}
	}
}
