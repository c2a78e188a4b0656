package adminui

import (
	"net/http"
	"net/url"
	"strconv"

	"ticketgate/domain"
)

// Every paged list (my tickets, my queue, all tickets, users) ends with
// one pager: the number of the page shown, of how many, and links to the
// pages before and after it, rendered by the "pager" template.
//
// The ticket lists are keyset-paged: a Next link carries ?after= (the
// position of the page's last ticket), a Previous link ?before= (of its
// first), both opaque tokens of domain.TicketCursor, and ?page= the number
// to show. An old link with ?page= alone shows the first page. The users'
// list, short and ordered by id, is paged by number: ?page= alone.

// pager is the navigation under a page of a list.
type pager struct {
	Page  int    // the number of the page shown, from 1
	Pages int    // how many there are; 0 when the count stopped short
	Prev  string // the previous page's URL; "" on the first
	Next  string // the next page's URL; "" on the last
}

// ticketPager is the pager of p, a page of the ticket list at base.
func ticketPager(base string, p *domain.TicketPage) pager {
	pg := pager{Page: p.Page, Pages: p.Pages}
	if p.Prev != nil {
		pg.Prev = cursorURL(base, "before", p.Prev, p.Page-1)
	}
	if p.Next != nil {
		pg.Next = cursorURL(base, "after", p.Next, p.Page+1)
	}
	return pg
}

// numberPager is the pager of page page of pages of the list at base,
// paged by number; one page has none.
func numberPager(base string, page, pages int) pager {
	pg := pager{Page: page, Pages: pages}
	if pages <= 1 {
		return pg
	}
	if page > 1 {
		pg.Prev = pageURL(base, page, -1)
	}
	if page < pages {
		pg.Next = pageURL(base, page, 1)
	}
	return pg
}

// pageNumber reads ?page=; anything but a positive number is page 1.
func pageNumber(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// pageURL is base with page set to page+delta.
func pageURL(base string, page, delta int) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	q := u.Query()
	q.Set("page", strconv.Itoa(page+delta))
	u.RawQuery = q.Encode()
	return u.String()
}

// pageAt reads where a ticket list's page starts; a bad position is
// domain.ErrInvalid with a message for people.
func pageAt(r *http.Request) (domain.PageAt, error) {
	q := r.URL.Query()
	at := domain.PageAt{Page: pageNumber(r)}
	var err error
	if at.After, err = domain.ParseTicketCursor(q.Get("after")); err != nil {
		return domain.PageAt{Page: 1}, err
	}
	if at.Before, err = domain.ParseTicketCursor(q.Get("before")); err != nil {
		return domain.PageAt{Page: 1}, err
	}
	if at.After == nil && at.Before == nil {
		at.Page = 1
	}
	return at, nil
}

// cursorURL is base with one position (key "after" or "before") and the
// page number to show.
func cursorURL(base, key string, c *domain.TicketCursor, page int) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	q := u.Query()
	q.Del("after")
	q.Del("before")
	q.Set(key, c.String())
	q.Set("page", strconv.Itoa(max(page, 1)))
	u.RawQuery = q.Encode()
	return u.String()
}

// pagerFuncs are the template functions of the lists' pagers and counts.
func pagerFuncs() map[string]any {
	return map[string]any{
		"ticketPager": ticketPager,
		"numberPager": numberPager,
		"thousands":   thousands,
	}
}

// thousands writes n with a comma every three digits: 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
