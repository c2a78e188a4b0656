package domain

import (
	"cmp"
	"context"
	"fmt"
	"time"
)

// # The admins' export of tickets (issue 18)
//
// /admin/tickets.csv is the list of "All tickets" with the same filters
// and order, one row per ticket, for spreadsheets and reports. It is read
// in keyset pages of ExportPageSize tickets (the list's own cursors) and
// each page is written out before the next is read, so an export of a
// million tickets holds one page in memory. Beside each page's tickets it
// reads, in one query each, their last resolution's time and their last
// satisfaction answer.
//
// The columns are TicketExportColumns, in order: a new column is one
// entry there (its name and how a row gives its cell).

// ExportPageSize is how many tickets an export reads at a time.
const ExportPageSize = 200

// ExportRow is one ticket of an export, with what the export reads
// beside it.
type ExportRow struct {
	Ticket Ticket
	// ResolvedAt is the time of the ticket's last resolution while it is
	// resolved or closed; zero otherwise (never resolved, or reopened
	// since).
	ResolvedAt time.Time
	// Satisfaction is the requester's last answer, "" without one.
	Satisfaction Rating
}

// ExportColumn is one column of the export: its header and its cell.
type ExportColumn struct {
	Name string
	Cell func(r *ExportRow) string
}

// exportTime writes a time as the JSON does (RFC 3339, UTC); "" for zero.
func exportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return jsonTime(t)
}

// exportTimePtr is exportTime of *t; "" for nil.
func exportTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return exportTime(*t)
}

// TicketExportColumns are the export's columns, in order: the ticket's
// own fields, then its SLA fields as the JSON names them (priority, due
// times, state; "" where no policy applies).
var TicketExportColumns = []ExportColumn{
	{"ref", func(r *ExportRow) string { return r.Ticket.Ref() }},
	{"subject", func(r *ExportRow) string { return r.Ticket.Subject }},
	{"status", func(r *ExportRow) string { return string(r.Ticket.Status) }},
	{"category", func(r *ExportRow) string { return r.Ticket.Category }},
	{"requester", func(r *ExportRow) string { return r.Ticket.Requester }},
	{"assignee", func(r *ExportRow) string { return r.Ticket.Assignee }},
	{"created", func(r *ExportRow) string { return exportTime(r.Ticket.CreatedAt) }},
	{"updated", func(r *ExportRow) string { return exportTime(r.Ticket.UpdatedAt) }},
	{"resolved", func(r *ExportRow) string { return exportTime(r.ResolvedAt) }},
	{"satisfaction", func(r *ExportRow) string { return string(r.Satisfaction) }},
	{"priority", func(r *ExportRow) string { return string(cmp.Or(r.Ticket.Priority, PriorityNormal)) }},
	{"sla_first_response_due_at", func(r *ExportRow) string { return exportTimePtr(r.Ticket.SLA.FirstResponseDueAt) }},
	{"sla_resolution_due_at", func(r *ExportRow) string { return exportTimePtr(r.Ticket.SLA.ResolutionDueAt) }},
	{"sla_state", func(r *ExportRow) string { return string(r.Ticket.SLA.State) }},
}

// TicketExportStore reads what an export shows beside a page of tickets.
type TicketExportStore interface {
	// LastResolutions returns, for each of the tickets ids that has one,
	// the time of its last own resolved event (one query).
	LastResolutions(ctx context.Context, ids []int64) (map[int64]time.Time, error)
	// LastRatings returns, for each of the tickets ids that has one, its
	// last satisfaction answer (one query).
	LastRatings(ctx context.Context, ids []int64) (map[int64]Rating, error)
}

// ExportTickets calls page with the tickets that match q, in q's order
// (the admins' list: its filters and sort, without a position), one page
// of at most ExportPageSize rows at a time; it stops at page's first
// error. Only admins export (ErrForbidden); a bad query wraps ErrInvalid
// before page is first called.
func (d *Desk) ExportTickets(ctx context.Context, u *User, q TicketQuery, page func([]ExportRow) error) error {
	if u == nil || !u.IsAdmin() {
		return fmt.Errorf("export tickets: %w", ErrForbidden)
	}
	q.After, q.Before = nil, nil
	if err := q.Validate(); err != nil {
		return err
	}
	q.Limit = ExportPageSize
	pos := 0 // the list position of the page's first ticket (SortRelevance's cursor)
	for {
		ts, err := d.store.ListTickets(ctx, q)
		if err != nil {
			return fmt.Errorf("export tickets: %w", err)
		}
		if len(ts) == 0 {
			return nil
		}
		ids := make([]int64, len(ts))
		for i := range ts {
			ids[i] = ts[i].ID
		}
		resolved, err := d.store.LastResolutions(ctx, ids)
		if err != nil {
			return fmt.Errorf("export tickets: %w", err)
		}
		ratings, err := d.store.LastRatings(ctx, ids)
		if err != nil {
			return fmt.Errorf("export tickets: %w", err)
		}
		rows := make([]ExportRow, len(ts))
		for i := range ts {
			rows[i] = ExportRow{Ticket: ts[i], Satisfaction: ratings[ts[i].ID]}
			if s := ts[i].Status; s == StatusResolved || s == StatusClosed {
				rows[i].ResolvedAt = resolved[ts[i].ID]
			}
		}
		if err := page(rows); err != nil {
			return err
		}
		if len(ts) < ExportPageSize {
			return nil
		}
		c := CursorOf(&ts[len(ts)-1], q.Sort, q.Asc)
		c.Pos = pos + len(ts) - 1
		pos += len(ts)
		q.After = c
	}
}
