package adminui

import (
	"encoding/csv"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"ticketgate/domain"
)

// ticketsCSV is /admin/tickets.csv: the admins' list of tickets with the
// filters and order of "All tickets" (the same query parameters), as CSV
// (domain.TicketExportColumns). It streams: each page the domain reads is
// written and flushed before the next is read. A query the page would
// refuse shows that page with its message instead.
func (h *Handler) ticketsCSV(w http.ResponseWriter, r *http.Request) {
	f := newTicketSearchForm(r)
	fail := func(msg string) {
		data := allTicketsPage{Layout: h.layout(r, "All tickets", "admin-tickets"), Form: f, Statuses: domain.Statuses,
			RankedMatches: domain.MaxRankedMatches, Error: msg, Page: &domain.TicketPage{Page: 1, Pages: 1}}
		var err error
		if data.Choices, err = h.desk.AdminTicketChoices(r.Context()); err != nil {
			h.internalError(w, r, err)
			return
		}
		h.render(w, r, http.StatusUnprocessableEntity, "admin_tickets", data)
	}
	if err := f.Validate(); err != nil {
		fail(err.Error())
		return
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	started := false
	cells := make([]string, len(domain.TicketExportColumns))
	err := h.desk.ExportTickets(r.Context(), stateOf(r).user, f.search, func(rows []domain.ExportRow) error {
		if !started {
			started = true
			startCSV(w, timeNow().UTC().Format("2006-01-02"))
			for i, c := range domain.TicketExportColumns {
				cells[i] = c.Name
			}
			if err := cw.Write(cells); err != nil {
				return err
			}
		}
		for i := range rows {
			for j, c := range domain.TicketExportColumns {
				cells[j] = csvCell(c.Cell(&rows[i]))
			}
			if err := cw.Write(cells); err != nil {
				return err
			}
		}
		cw.Flush()
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		return cw.Error()
	})
	switch {
	case err == nil && !started: // no tickets: the header alone
		startCSV(w, timeNow().UTC().Format("2006-01-02"))
		for i, c := range domain.TicketExportColumns {
			cells[i] = c.Name
		}
		cw.Write(cells)
		cw.Flush()
	case err == nil:
	case !started && errors.Is(err, domain.ErrInvalid):
		fail(adminMessage(err))
	case !started && errors.Is(err, domain.ErrForbidden):
		h.notFound(w, r)
	case !started:
		h.internalError(w, r, err)
	default:
		// The rows so far are out: the download ends short, the log
		// says why.
		h.log.ErrorContext(r.Context(), "ticket export cut short", slog.String("request_id", requestID(r.Context())),
			slog.Any("error", err))
	}
}

// startCSV writes the headers of a CSV download.
func startCSV(w http.ResponseWriter, day string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="tickets-`+day+`.csv"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
}

// csvCell defuses a cell that a spreadsheet would read as a formula: one
// that begins with =, +, -, @, a tab or a carriage return gets a ' in
// front (the OWASP advice against CSV injection). Quoting of commas,
// quotes and line breaks is encoding/csv's.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
