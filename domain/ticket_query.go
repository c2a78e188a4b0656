package domain

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// TicketSort is the order of a ticket list.
type TicketSort string

// The sorts of the ticket lists. Each ends with the ticket id, so that
// every ticket has one place in the order, which keyset paging needs.
const (
	// SortCreated is by id, which follows creation; with a date range
	// (From, To) by created_at, then id: the same order as long as ids
	// follow creation, and the one index that serves the range.
	SortCreated TicketSort = "created"
	SortUpdated TicketSort = "updated" // by updated_at, then id
	SortStatus  TicketSort = "status"  // by status, then id
	SortSubject TicketSort = "subject" // by lower(subject), then id
	// SortQueue is an agent's queue: the tickets that still need work
	// first, oldest first, then the done ones (resolved, closed,
	// rejected), newest first. Asc does not apply.
	SortQueue TicketSort = "queue"
	// SortDue is an agent's queue by due time (issue 18), its default:
	// the tickets that still need work by their resolution due time
	// (sla_resolution_due_at), earliest first; then those without one,
	// and then the done ones, both in SortQueue's order. Asc does not
	// apply.
	SortDue TicketSort = "due"
	// SortRelevance ranks the matches of the search text, the best first
	// (see MaxRankedMatches); it is the default when there is a text.
	// Asc does not apply.
	SortRelevance TicketSort = "relevance"
)

// TicketSorts lists the sorts of the admins' list, the default first.
var TicketSorts = []TicketSort{SortCreated, SortUpdated, SortStatus, SortSubject}

// MaxRankedMatches bounds a list in order of relevance: the newest
// MaxRankedMatches tickets whose text matches are ranked (so a common word
// costs no more than a rare one), and the list ends there. Sorting by
// another column lists every match.
const MaxRankedMatches = 1000

// NoCategory and Nobody, as TicketQuery's CategoryID and AssigneeID, match
// tickets without a category or an assignee.
const (
	NoCategory int64 = -1
	Nobody     int64 = -1
)

// TicketCountCap is how far a ticket list counts its matches, with a
// search text or without: past it the list says "10,000+" instead of a
// number (TicketPage.Capped), so that no request counts more than this
// many rows.
const TicketCountCap = 10_000

// TicketQuery is every ticket list: the admins' search, a requester's
// tickets, an agent's queue, the command line and the jobs. Zero fields
// match all; the zero query lists every ticket, newest first.
type TicketQuery struct {
	// Text is a search in the syntax of ParseSearch: words and phrases of
	// the subject, the text and the comments (the full-text index),
	// exclusions, a ref, a requester's address.
	Text        string
	Status      Status
	CategoryID  int64 // NoCategory: tickets without one
	AssigneeID  int64 // Nobody: tickets without an assignee
	RequesterID int64
	// From and To bound the creation time: From <= created_at < To.
	From, To time.Time
	Sort     TicketSort // "" is SortRelevance with a Text, else SortCreated
	Asc      bool       // oldest or A first; the default is newest or Z first
	// After starts the list after that ticket (the next page); Before
	// ends it before that ticket (the previous page: the Limit tickets
	// just before it, still in the query's order). At most one is set;
	// its Sort and Asc must be the query's.
	After, Before *TicketCursor
	Limit         int // 0: no limit
}

// RefID returns the ticket id q.Text names, or 0 when it names none.
func (q TicketQuery) RefID() int64 {
	id, err := ParseRef(q.Text)
	if err != nil {
		return 0
	}
	return id
}

// Validate checks the query's values and fills the default sort; the
// error wraps ErrInvalid and speaks to people.
func (q *TicketQuery) Validate() error {
	q.Text = strings.TrimSpace(q.Text)
	if _, err := ParseSearch(q.Text); err != nil {
		return err
	}
	q.Sort = q.DefaultSort()
	if !knownSort(q.Sort) {
		return fmt.Errorf("%w: no sort %q", ErrInvalid, q.Sort)
	}
	if q.Sort == SortRelevance && q.Text == "" {
		return fmt.Errorf("%w: there is no relevance without a search text", ErrInvalid)
	}
	if q.Sort == SortDue && q.AssigneeID <= 0 {
		// Its index starts with the assignee: an agent's queue only.
		return fmt.Errorf("%w: the order by due time is an agent's queue's: choose an assignee", ErrInvalid)
	}
	if q.Sort.OneWay() {
		q.Asc = false
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return fmt.Errorf("%w: the date range ends before it starts", ErrInvalid)
	}
	if q.Limit < 0 {
		return fmt.Errorf("%w: a negative limit", ErrInvalid)
	}
	if q.After != nil && q.Before != nil {
		return fmt.Errorf("%w: a page link with two positions", ErrInvalid)
	}
	for _, c := range []*TicketCursor{q.After, q.Before} {
		if c != nil && (c.Sort != q.Sort || c.Asc != q.Asc) {
			return fmt.Errorf("%w: the page link belongs to another sort; start again from the first page", ErrInvalid)
		}
	}
	return nil
}

// DefaultSort is q.Sort, or when unset the default: SortRelevance with a
// text, else SortCreated.
func (q TicketQuery) DefaultSort() TicketSort {
	switch {
	case q.Sort != "":
		return q.Sort
	case q.Text != "":
		return SortRelevance
	}
	return SortCreated
}

// OneWay reports whether s has one direction only (Asc does not apply).
func (s TicketSort) OneWay() bool {
	return s == SortQueue || s == SortDue || s == SortRelevance
}

func knownSort(s TicketSort) bool {
	if s.OneWay() {
		return true
	}
	for _, k := range TicketSorts {
		if k == s {
			return true
		}
	}
	return false
}

// QueueDone reports whether the agent's queue puts s with the done
// tickets (SortQueue).
func (s Status) QueueDone() bool {
	return s == StatusResolved || s == StatusClosed || s == StatusRejected
}

// TicketCursor is a place in a sorted ticket list: the sort key of one
// ticket and its id. Only the key field of Sort is set (Created for
// SortCreated, Updated for SortUpdated, Status for SortStatus and
// SortQueue, Subject for SortSubject, Pos for SortRelevance, Status and
// Due for SortDue).
//
// A list in order of relevance has no key to resume from (a score moves
// as the index's statistics do), so its cursor is the ticket's position
// in the ranked list, 0 first: a page is an offset within the ranked
// window, which MaxRankedMatches bounds.
type TicketCursor struct {
	Sort    TicketSort
	Asc     bool
	ID      int64
	Created time.Time
	Updated time.Time
	Status  Status
	Subject string
	Pos     int
	// Due is the ticket's resolution due time (SortDue); zero without one.
	Due time.Time
}

// CursorOf returns t's place in a list sorted by sort; for
// SortRelevance the caller sets Pos.
func CursorOf(t *Ticket, sort TicketSort, asc bool) *TicketCursor {
	if sort == "" {
		sort = SortCreated
	}
	c := &TicketCursor{Sort: sort, Asc: asc && !sort.OneWay(), ID: t.ID}
	switch sort {
	case SortCreated:
		c.Created = t.CreatedAt.UTC()
	case SortUpdated:
		c.Updated = t.UpdatedAt.UTC()
	case SortStatus, SortQueue:
		c.Status = t.Status
	case SortSubject:
		c.Subject = t.Subject
	case SortDue:
		c.Status = t.Status
		if t.SLA.ResolutionDueAt != nil {
			c.Due = t.SLA.ResolutionDueAt.UTC()
		}
	}
	return c
}

// maxCursorToken bounds a cursor token before it is decoded: a subject of
// MaxSubject characters fits with room to spare.
const maxCursorToken = 4096

// String encodes c as an opaque token for a URL: URL-safe base64 of
// "1|sort|a or d|id|key", the key last since a subject may hold "|".
func (c *TicketCursor) String() string {
	dir := "d"
	if c.Asc {
		dir = "a"
	}
	key := ""
	switch c.Sort {
	case SortCreated:
		key = strconv.FormatInt(c.Created.UnixNano(), 10)
	case SortUpdated:
		key = strconv.FormatInt(c.Updated.UnixNano(), 10)
	case SortStatus, SortQueue:
		key = string(c.Status)
	case SortSubject:
		key = c.Subject
	case SortRelevance:
		key = strconv.Itoa(c.Pos)
	case SortDue:
		key = string(c.Status) + ","
		if !c.Due.IsZero() {
			key += strconv.FormatInt(c.Due.UnixNano(), 10)
		}
	}
	return base64.RawURLEncoding.EncodeToString([]byte("1|" + string(c.Sort) + "|" + dir + "|" + strconv.FormatInt(c.ID, 10) + "|" + key))
}

// ParseTicketCursor decodes a token of TicketCursor.String, from a URL: a
// hostile input. "" is no cursor (nil). The error wraps ErrInvalid and
// speaks to people.
func ParseTicketCursor(token string) (*TicketCursor, error) {
	if token == "" {
		return nil, nil
	}
	bad := func(why string) error {
		return fmt.Errorf("%w: this page link is broken or out of date (%s); start again from the first page", ErrInvalid, why)
	}
	if len(token) > maxCursorToken {
		return nil, bad("too long")
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, bad("not a position")
	}
	parts := strings.SplitN(string(raw), "|", 5)
	if len(parts) != 5 || parts[0] != "1" {
		return nil, bad("not a position")
	}
	c := &TicketCursor{Sort: TicketSort(parts[1])}
	if !knownSort(c.Sort) {
		return nil, bad("unknown sort")
	}
	switch parts[2] {
	case "a":
		c.Asc = true
	case "d":
	default:
		return nil, bad("unknown direction")
	}
	if c.Asc && c.Sort.OneWay() {
		return nil, bad("unknown direction")
	}
	if c.ID, err = strconv.ParseInt(parts[3], 10, 64); err != nil || c.ID <= 0 {
		return nil, bad("no ticket")
	}
	key := parts[4]
	switch c.Sort {
	case SortCreated, SortUpdated:
		ns, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			return nil, bad("no time")
		}
		if c.Sort == SortCreated {
			c.Created = time.Unix(0, ns).UTC()
		} else {
			c.Updated = time.Unix(0, ns).UTC()
		}
	case SortStatus, SortQueue:
		if c.Status, err = ParseStatus(key); err != nil {
			return nil, bad("no status")
		}
	case SortSubject:
		if !utf8.ValidString(key) || strings.ContainsRune(key, 0) {
			return nil, bad("no subject")
		}
		c.Subject = key
	case SortRelevance:
		if c.Pos, err = strconv.Atoi(key); err != nil || c.Pos < 0 || c.Pos >= MaxRankedMatches {
			return nil, bad("no position")
		}
	case SortDue:
		st, due, ok := strings.Cut(key, ",")
		if !ok {
			return nil, bad("no due time")
		}
		if c.Status, err = ParseStatus(st); err != nil {
			return nil, bad("no status")
		}
		if due != "" {
			ns, err := strconv.ParseInt(due, 10, 64)
			if err != nil || ns == 0 {
				return nil, bad("no due time")
			}
			c.Due = time.Unix(0, ns).UTC()
		}
	}
	return c, nil
}

// TicketPageSize is how many tickets a list page shows.
const TicketPageSize = 20

// PageAt is where a page of a ticket list starts, as its link says: after
// a ticket (Next), before one (Previous), or at the top (neither); Page is
// only the number shown ("Page 3"), not a position.
type PageAt struct {
	After, Before *TicketCursor
	Page          int
}

// TicketPage is one page of a ticket list.
type TicketPage struct {
	Tickets []Ticket
	Page    int // 1-based, for display
	Pages   int // 0 when the count is capped (unknown), unless Cut
	Total   int // how many match, at most TicketCountCap
	Capped  bool
	// Cut: the list is in order of relevance and ends at MaxRankedMatches
	// of more matches; another sort lists them all.
	Cut bool
	// Next and Prev are the positions of the following and the previous
	// page; nil when there is none.
	Next, Prev *TicketCursor
}

// ticketPage reads the page of q at at: TicketPageSize tickets and one
// more to know whether another page follows (or, before a cursor,
// precedes), and the count up to the cap. A Previous link that reaches
// the top of the list shows the first page.
func (d *Desk) ticketPage(ctx context.Context, q TicketQuery, at PageAt) (*TicketPage, error) {
	q.After, q.Before = at.After, at.Before
	if err := q.Validate(); err != nil {
		return nil, err
	}
	q.Limit = TicketPageSize + 1
	ts, err := d.store.ListTickets(ctx, q)
	if err != nil {
		return nil, err
	}
	p := &TicketPage{Page: max(at.Page, 1)}
	// start is the position of ts[0] in the list, which a cursor of
	// SortRelevance carries (see TicketCursor).
	start := 0
	switch {
	case q.After != nil:
		start = q.After.Pos + 1
	case q.Before != nil:
		start = q.Before.Pos - len(ts)
	}
	cursor := func(i int) *TicketCursor {
		c := CursorOf(&ts[i], q.Sort, q.Asc)
		if q.Sort == SortRelevance {
			c.Pos = start + i
		}
		return c
	}
	switch {
	case q.Before != nil && len(ts) <= TicketPageSize:
		// Nothing precedes these: the first page, whole.
		q.Before = nil
		if ts, err = d.store.ListTickets(ctx, q); err != nil {
			return nil, err
		}
		p.Page, start = 1, 0
		fallthrough
	case q.Before == nil:
		if len(ts) > TicketPageSize {
			ts = ts[:TicketPageSize]
			p.Next = cursor(len(ts) - 1)
		}
		if q.After != nil && len(ts) > 0 {
			p.Prev = cursor(0)
		}
	default: // before a cursor, with more before
		ts, start = ts[1:], start+1
		p.Prev = cursor(0)
		p.Next = cursor(len(ts) - 1)
	}
	if p.Prev == nil {
		p.Page = 1
	} else if p.Page < 2 {
		p.Page = 2
	}
	p.Tickets = ts
	n, err := d.store.CountTickets(ctx, q, TicketCountCap+1)
	if err != nil {
		return nil, err
	}
	p.Total, p.Capped = min(n, TicketCountCap), n > TicketCountCap
	p.Cut = q.Sort == SortRelevance && n > MaxRankedMatches
	switch {
	case p.Cut:
		p.Pages = max((MaxRankedMatches+TicketPageSize-1)/TicketPageSize, p.Page)
	case !p.Capped:
		p.Pages = max(1, (p.Total+TicketPageSize-1)/TicketPageSize, p.Page)
	}
	return p, nil
}
