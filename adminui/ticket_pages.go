package adminui

import (
	"net/http"
	"net/url"
	"strconv"

	"ticketgate/domain"
)

// The ticket lists (my tickets, my queue, all tickets) are keyset-paged:
// a Next link carries ?after= (the position of the page's last ticket),
// a Previous link ?before= (of its first), both opaque tokens of
// domain.TicketCursor, and ?page= the number to show. An old link with
// ?page= alone shows the first page.

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

// ticketPagerFuncs are the template functions of the "ticketpager"
// template: the links to the next and the previous page of p.
func ticketPagerFuncs() map[string]any {
	return map[string]any{
		"nextURL": func(base string, p *domain.TicketPage) string {
			return cursorURL(base, "after", p.Next, p.Page+1)
		},
		"prevURL": func(base string, p *domain.TicketPage) string {
			return cursorURL(base, "before", p.Prev, p.Page-1)
		},
		"thousands": thousands,
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
