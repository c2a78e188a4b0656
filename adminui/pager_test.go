package adminui

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"ticketgate/domain"
)

var adminRowRE = regexp.MustCompile(`<td class="text-nowrap"><a href="/admin/tickets/(TKT-\d+)">`)

// TestAllTicketsKeysetPages: the admins' list walked by its Next links
// shows every ticket once, in order, with the page numbers and the count;
// Previous links walk back; the filters and the sort stay in the links.
func TestAllTicketsKeysetPages(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		for i := 0; i < 45; i++ {
			if _, err := f.desk.OpenTicket(ctx, domain.NewTicket{Subject: fmt.Sprintf("Paged %02d", 44-i), Body: "b", From: "ben@company.test"}); err != nil {
				t.Fatal(err)
			}
		}
		root := f.signedIn("root")
		rows := func(body string) []string {
			var out []string
			for _, m := range adminRowRE.FindAllStringSubmatch(body, -1) {
				out = append(out, m[1])
			}
			return out
		}
		// By subject, A to Z (keyset pages), and in order of relevance, the
		// default of a search (positions in the ranked list).
		for _, start := range []string{"/admin/tickets?q=paged&sort=subject&dir=asc", "/admin/tickets?q=paged"} {
			walkPages(t, root, start, rows)
		}
	})
}

// walkPages walks the admins' list of the 45 "Paged" tickets from link by
// its Next links, then one Previous link.
func walkPages(t *testing.T, root *client, link string, rows func(string) []string) {
	t.Helper()
	bySubject := strings.Contains(link, "sort=subject")
	var pages [][]string
	var bodies []string
	for link != "" && len(pages) < 10 {
		resp, body := root.get(link)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s = %d", link, resp.StatusCode)
		}
		pages, bodies = append(pages, rows(body)), append(bodies, body)
		if want := fmt.Sprintf("45 tickets, page %d of 3.", len(pages)); !strings.Contains(body, want) {
			t.Errorf("page %d lacks %q", len(pages), want)
		}
		link = pageLink(body, "next")
		if link != "" && (!strings.Contains(link, "q=paged") || bySubject != strings.Contains(link, "sort=subject") || bySubject != strings.Contains(link, "dir=asc")) {
			t.Errorf("the Next link %q drops the query", link)
		}
	}
	if len(pages) != 3 || len(pages[0]) != 20 || len(pages[1]) != 20 || len(pages[2]) != 5 {
		t.Fatalf("pages = %v", pages)
	}
	seen := map[string]bool{}
	for _, p := range pages {
		for _, ref := range p {
			if seen[ref] {
				t.Errorf("%s shown twice", ref)
			}
			seen[ref] = true
		}
	}
	// Subjects "Paged 00" to "Paged 44" A to Z: the last opened first.
	if i, j := strings.Index(bodies[0], "Paged 00"), strings.Index(bodies[0], "Paged 01"); bySubject && (i < 0 || j < i) {
		t.Error("page 1 is not A to Z")
	}
	if len(seen) != 45 || (bySubject && !strings.Contains(bodies[2], "Paged 44")) || !strings.Contains(bodies[2], `Page 3 of 3`) {
		t.Error("page 3 lacks the last subject or its number")
	}
	_, body := root.get(pageLink(bodies[2], "prev"))
	if strings.Join(rows(body), ",") != strings.Join(pages[1], ",") || !strings.Contains(body, "page 2 of 3") {
		t.Errorf("Previous from page 3 = %v, want page 2 %v", rows(body), pages[1])
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 10000: "10,000", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestOnePager: the ticket lists and the users' list end with the same
// pager: a link per direction there is (rel "prev" and "next"), the page's
// number, of how many when known, and the list's query kept in the links;
// a list of one page has none.
func TestOnePager(t *testing.T) {
	cursor := &domain.TicketCursor{Sort: domain.SortCreated, ID: 7}
	for _, tt := range []struct {
		name string
		got  pager
		want pager
	}{
		{"users, one page", numberPager("/admin/users?role=agent", 1, 1), pager{Page: 1, Pages: 1}},
		{"users, first of three", numberPager("/admin/users?role=agent", 1, 3),
			pager{Page: 1, Pages: 3, Next: "/admin/users?page=2&role=agent"}},
		{"users, middle", numberPager("/admin/users?q=x", 2, 3),
			pager{Page: 2, Pages: 3, Prev: "/admin/users?page=1&q=x", Next: "/admin/users?page=3&q=x"}},
		{"users, last", numberPager("/admin/users?", 3, 3), pager{Page: 3, Pages: 3, Prev: "/admin/users?page=2"}},
		{"tickets, first", ticketPager("/tickets?status=open", &domain.TicketPage{Page: 1, Pages: 0, Next: cursor}),
			pager{Page: 1, Next: "/tickets?after=" + cursor.String() + "&page=2&status=open"}},
		{"tickets, second", ticketPager("/queue", &domain.TicketPage{Page: 2, Pages: 2, Prev: cursor}),
			pager{Page: 2, Pages: 2, Prev: "/queue?before=" + cursor.String() + "&page=1"}},
		{"tickets, one page", ticketPager("/queue", &domain.TicketPage{Page: 1, Pages: 1}), pager{Page: 1, Pages: 1}},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, tt.got, tt.want)
		}
	}
}

// TestUsersPagerLinks: the users' list pages forward and back by the
// pager's rel links, as the ticket lists do.
func TestUsersPagerLinks(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		for i := range domain.UserPageSize + 1 {
			u := &domain.User{Email: fmt.Sprintf("agent%02d@company.test", i), Role: domain.RoleAgent}
			if err := f.st.CreateUser(context.Background(), u); err != nil {
				t.Fatal(err)
			}
		}
		root := f.signedIn("root")
		_, body := root.get("/admin/users?role=agent")
		next := pageLink(body, "next")
		if next != "/admin/users?page=2&role=agent" || pageLink(body, "prev") != "" {
			t.Fatalf("first page: next %q, prev %q", next, pageLink(body, "prev"))
		}
		_, body = root.get(next)
		if !strings.Contains(body, "Page 2 of 2") || pageLink(body, "next") != "" || pageLink(body, "prev") != "/admin/users?page=1&role=agent" {
			t.Errorf("second page: next %q, prev %q", pageLink(body, "next"), pageLink(body, "prev"))
		}
	})
}
