package adminui

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"ticketgate/domain"
)

type ticketsPage struct {
	Layout
	Statuses []domain.Status
	Status   domain.Status
	Page     *domain.TicketPage
	Base     string // the list's URL without page, for the pager
	Error    string
}

// myTickets lists the tickets the user requested, filtered by ?status=.
func (h *Handler) myTickets(w http.ResponseWriter, r *http.Request) {
	data := ticketsPage{Layout: h.layout(r, "My tickets", "tickets"), Statuses: domain.Statuses, Base: "/tickets"}
	if s := r.URL.Query().Get("status"); s != "" {
		st, err := domain.ParseStatus(s)
		if err != nil {
			data.Error = "There is no status " + strconv.Quote(s) + "; showing all tickets."
		} else {
			data.Status = st
			data.Base = "/tickets?status=" + string(st)
		}
	}
	at, err := pageAt(r)
	if err != nil {
		data.Error = adminMessage(err)
	}
	p, err := h.desk.MyTickets(r.Context(), stateOf(r).user, data.Status, at)
	if errors.Is(err, domain.ErrInvalid) { // a position of another list: show the first page
		data.Error = adminMessage(err)
		p, err = h.desk.MyTickets(r.Context(), stateOf(r).user, data.Status, domain.PageAt{Page: 1})
	}
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	data.Page = p
	h.render(w, r, http.StatusOK, "tickets", data)
}

type queuePage struct {
	Layout
	Page   *domain.TicketPage
	Base   string
	Member *domain.TeamMember
	Away   bool
	Until  string // the away form's value after a failed try
	Error  string
	Sort   domain.TicketSort // domain.SortDue (the default) or SortQueue
}

// queue lists the tickets assigned to the agent, with their availability.
func (h *Handler) queue(w http.ResponseWriter, r *http.Request) {
	h.showQueue(w, r, http.StatusOK, "", "")
}

func (h *Handler) showQueue(w http.ResponseWriter, r *http.Request, status int, until, msg string) {
	u := stateOf(r).user
	data := queuePage{Layout: h.layout(r, "My queue", "queue"), Base: "/queue", Until: until, Error: msg, Sort: domain.SortDue}
	// By due time unless ?sort=queue asks for the queue's own order; a
	// bad value is a message and the default order.
	switch s := domain.TicketSort(r.URL.Query().Get("sort")); s {
	case "", domain.SortDue:
	case domain.SortQueue:
		data.Sort, data.Base = s, "/queue?sort=queue"
	default:
		if data.Error == "" {
			data.Error = "The queue has no such order; it is shown by due time."
		}
		if status == http.StatusOK {
			status = http.StatusUnprocessableEntity
		}
	}
	at, err := pageAt(r)
	if err != nil && data.Error == "" {
		data.Error = adminMessage(err)
	}
	p, err := h.desk.MyQueue(r.Context(), u, data.Sort, at)
	if errors.Is(err, domain.ErrInvalid) { // a position of another list: show the first page
		data.Error = adminMessage(err)
		p, err = h.desk.MyQueue(r.Context(), u, data.Sort, domain.PageAt{Page: 1})
	}
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	data.Page = p
	m, err := h.desk.TeamMemberOf(r.Context(), u)
	switch {
	case err == nil:
		data.Member, data.Away = m, !m.IsAvailable(timeNow())
	case !errors.Is(err, domain.ErrNotFound):
		h.internalError(w, r, err)
		return
	}
	h.render(w, r, status, "queue", data)
}

type ticketPage struct {
	Layout
	Detail    *domain.TicketDetail
	Access    domain.TicketAccess
	Back      string
	BackLabel string
	Comment   string // the comment form's text after a failed try
	Note      string // the resolve form's text after a failed try
	Watcher   string // the add-watcher form's address after a failed try
	MergeInto string // the merge form's ref after a failed try
	Error     string
	// Canned are the canned replies the user may insert in the comment
	// (ticket_canned.go); CannedID the one chosen last.
	Canned   []domain.CannedReply
	CannedID int64
	MaxFiles string // how large a comment's files may be together
	// Ask: the page asks its requester whether the problem was solved
	// (satisfaction.go); RateComment is the comment after a failed try.
	Ask         bool
	RateComment string
	// Priorities are the choices of the priority form (issue 18).
	Priorities []domain.Priority
}

// ticketID reads the :ref path value; a malformed one is a ticket that
// does not exist.
func ticketID(r *http.Request) (int64, bool) {
	id, err := domain.ParseRef(pathValue(r, "ref"))
	return id, err == nil
}

// ticket shows one ticket with its whole history.
func (h *Handler) ticket(w http.ResponseWriter, r *http.Request) {
	h.showTicket(w, r, http.StatusOK, ticketPage{})
}

// showTicket renders the ticket page; data carries a failed form's input
// and message.
func (h *Handler) showTicket(w http.ResponseWriter, r *http.Request, status int, data ticketPage) {
	id, ok := ticketID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	u := stateOf(r).user
	td, acc, err := h.desk.TicketFor(r.Context(), u, id)
	if h.lookupFailed(w, r, err) {
		return
	}
	if data.Canned, err = h.desk.CannedRepliesFor(r.Context(), u, &td.Ticket); err != nil {
		h.internalError(w, r, err)
		return
	}
	data.Layout = h.layout(r, td.Ticket.Ref()+" "+td.Ticket.Subject, "tickets")
	data.Detail, data.Access = td, acc
	data.MaxFiles = h.localizer(r).Size(h.desk.MaxCommentFileBytes())
	data.Priorities = domain.Priorities
	data.Back, data.BackLabel = "/tickets", h.localizer(r).T("nav.tickets")
	data.Ask = h.desk.AskSatisfaction(u, td)
	if td.Ticket.RequesterID != u.ID && data.Layout.Agent {
		data.Back, data.BackLabel, data.Layout.Nav = "/queue", h.localizer(r).T("nav.queue"), "queue"
	}
	h.render(w, r, status, "ticket", data)
}

// attachment sends one attachment of a ticket the user may see, as a
// download that the browser never renders in the portal's origin.
func (h *Handler) attachment(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	attID, err := strconv.ParseInt(pathValue(r, "id"), 10, 64)
	if !ok || err != nil {
		h.notFound(w, r)
		return
	}
	a, content, err := h.desk.AttachmentFor(r.Context(), stateOf(r).user, id, attID)
	if h.lookupFailed(w, r, err) {
		return
	}
	defer content.Close()
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", contentDisposition(a.Name))
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	if _, err := io.Copy(w, content); err != nil {
		// The headers are out: the client sees a short body, the log why.
		h.log.ErrorContext(r.Context(), "attachment download failed", slog.String("request_id", requestID(r.Context())),
			slog.Int64("attachment", attID), slog.Any("error", err))
	}
}

// newTicketForm is the "New ticket" form with its files read.
type newTicketForm struct {
	domain.PortalTicket
}

func newNewTicketForm(r *http.Request) (newTicketForm, error) {
	f := newTicketForm{domain.PortalTicket{Subject: strings.TrimSpace(r.PostFormValue("subject")), Body: r.PostFormValue("body")}}
	var err error
	f.Attachments, err = formFiles(r)
	return f, err
}

// formFiles reads the files of a form's "files" field.
func formFiles(r *http.Request) ([]domain.NewAttachment, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var files []domain.NewAttachment
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the browser's empty file field
		}
		file, err := fh.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(file)
		file.Close()
		if err != nil {
			return nil, err
		}
		files = append(files, domain.NewAttachment{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Content: b})
	}
	return files, nil
}

// Validate applies the domain's rules for a new ticket.
func (f newTicketForm) Validate() error { return f.PortalTicket.Validate() }

// openPlain opens a ticket from a form without the assistant's steps (a
// form posted without step: older pages, scripts), as before the
// assistant: the classifier sorts it.
func (h *Handler) openPlain(w http.ResponseWriter, r *http.Request) {
	f, err := newNewTicketForm(r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	if err := f.Validate(); err != nil {
		h.render(w, r, http.StatusUnprocessableEntity, "new_ticket", newTicketPage{Layout: h.layout(r, "New ticket", "new"),
			Step: "describe", Subject: f.Subject, Body: f.Body, MaxUpload: h.localizer(r).Size(h.maxUpload), Error: adminMessage(err)})
		return
	}
	t, err := h.desk.OpenPortalTicket(r.Context(), stateOf(r).user, f.PortalTicket)
	switch {
	case err != nil && t == nil:
		h.internalError(w, r, err)
	case err != nil:
		// The ticket stands; only its files failed. Say so on the ticket
		// (sending the form again would make a second ticket), log why.
		h.log.ErrorContext(r.Context(), "attachments not stored", slog.String("request_id", requestID(r.Context())),
			slog.String("ticket", t.Ref()), slog.Any("error", err))
		http.Redirect(w, r, "/tickets/"+t.Ref()+"?ok=nofiles", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/tickets/"+t.Ref()+"?ok=created", http.StatusSeeOther)
	}
}
