package adminui

import (
	"errors"
	"net/http"
	"strconv"

	"ticketgate/domain"
)

// The mail pages: what went out (or did not), what came in and made no
// ticket, what could not be read, and the approval replies that decided
// nothing. Lists show the newest mailListLimit rows: these are queues to
// act on, not archives (the CLI lists everything).
const mailListLimit = 200

// mailID reads the :id path value.
func mailID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(pathValue(r, "id"), 10, 64)
	return id, err == nil && id > 0
}

var outboxStatuses = []domain.OutboxStatus{domain.OutboxQueued, domain.OutboxHeld, domain.OutboxSent, domain.OutboxDead}

type outboxPage struct {
	Layout
	Statuses []domain.OutboxStatus
	Status   domain.OutboxStatus
	Counts   map[domain.OutboxStatus]int
	Dead     int
	Mails    []domain.OutboxMessage
	Limit    int
	Error    string
}

func (h *Handler) outbox(w http.ResponseWriter, r *http.Request) {
	h.showOutbox(w, r, http.StatusOK, "")
}

func (h *Handler) showOutbox(w http.ResponseWriter, r *http.Request, status int, msg string) {
	data := outboxPage{Layout: h.layout(r, "Outbox", "admin-mail"), Statuses: outboxStatuses, Limit: mailListLimit, Error: msg}
	if msg != "" {
		data.Layout.Notice = ""
	}
	if s := r.URL.Query().Get("status"); s != "" {
		for _, known := range outboxStatuses {
			if s == string(known) {
				data.Status = known
			}
		}
		if data.Status == "" {
			data.Error, status = "There is no mail status "+strconv.Quote(s)+"; showing all mail.", http.StatusUnprocessableEntity
		}
	}
	var err error
	if data.Mails, err = h.desk.Outbox(r.Context(), data.Status, mailListLimit); err != nil {
		h.internalError(w, r, err)
		return
	}
	if data.Counts, err = h.desk.OutboxCounts(r.Context()); err != nil {
		h.internalError(w, r, err)
		return
	}
	data.Dead = data.Counts[domain.OutboxDead]
	h.render(w, r, status, "admin_outbox", data)
}

// mailFailed shows the outbox again after a refused retry or discard.
func (h *Handler) mailFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, domain.ErrNotFound):
		h.showOutbox(w, r, http.StatusUnprocessableEntity, "That mail is no longer in the outbox.")
	case errors.Is(err, domain.ErrConflict):
		h.showOutbox(w, r, http.StatusConflict, "That mail was sent already; a sent mail stays as the record of what was said.")
	default:
		h.internalError(w, r, err)
	}
}

func (h *Handler) retryMail(w http.ResponseWriter, r *http.Request) {
	id, ok := mailID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	if err := h.desk.RetryMail(r.Context(), id); err != nil {
		h.mailFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/mail/outbox?ok=mailretry", http.StatusSeeOther)
}

func (h *Handler) discardMail(w http.ResponseWriter, r *http.Request) {
	id, ok := mailID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	if err := h.desk.DiscardMail(r.Context(), id); err != nil {
		h.mailFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/mail/outbox?ok=maildiscard", http.StatusSeeOther)
}

func (h *Handler) retryDeadMail(w http.ResponseWriter, r *http.Request) {
	if _, err := h.desk.RetryDeadMail(r.Context()); err != nil {
		h.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/mail/outbox?ok=deadretry", http.StatusSeeOther)
}

type inboxPage struct {
	Layout
	Entries []domain.InboxLogEntry
	Limit   int
}

// inboxLog lists the mail that made no ticket, and why.
func (h *Handler) inboxLog(w http.ResponseWriter, r *http.Request) {
	es, err := h.desk.InboxLog(r.Context(), mailListLimit)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "admin_inbox", inboxPage{Layout: h.layout(r, "Inbox log", "admin-mail"), Entries: es, Limit: mailListLimit})
}

type quarantinePage struct {
	Layout
	Mails    []domain.Quarantined
	Limit    int
	CanRetry bool
	Error    string
}

func (h *Handler) quarantine(w http.ResponseWriter, r *http.Request) {
	h.showQuarantine(w, r, http.StatusOK, "")
}

func (h *Handler) showQuarantine(w http.ResponseWriter, r *http.Request, status int, msg string) {
	qs, err := h.desk.Quarantine(r.Context(), mailListLimit)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	data := quarantinePage{Layout: h.layout(r, "Quarantine", "admin-mail"), Mails: qs, Limit: mailListLimit,
		CanRetry: h.parse != nil, Error: msg}
	if msg != "" {
		data.Layout.Notice = ""
	}
	h.render(w, r, status, "admin_quarantine", data)
}

type quarantinedPage struct {
	Layout
	Mail     *domain.Quarantined
	Headers  string
	CanRetry bool
	Error    string
}

// quarantined shows one quarantined mail: its reason and its header.
func (h *Handler) quarantined(w http.ResponseWriter, r *http.Request) {
	h.showQuarantined(w, r, http.StatusOK, "")
}

func (h *Handler) showQuarantined(w http.ResponseWriter, r *http.Request, status int, msg string) {
	id, ok := mailID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	q, err := h.desk.QuarantinedMail(r.Context(), id)
	if h.lookupFailed(w, r, err) {
		return
	}
	data := quarantinedPage{Layout: h.layout(r, "Quarantined mail "+strconv.FormatInt(id, 10), "admin-mail"), Mail: q,
		Headers: q.HeaderBlock(), CanRetry: h.parse != nil, Error: msg}
	h.render(w, r, status, "admin_quarantined", data)
}

// retryQuarantined takes a quarantined mail in again; if it fails again
// the page says why and the mail stays.
func (h *Handler) retryQuarantined(w http.ResponseWriter, r *http.Request) {
	id, ok := mailID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	if h.parse == nil {
		h.showQuarantined(w, r, http.StatusConflict, "This server cannot read mail, so it cannot retry it; use `ticketgate inbox quarantine retry`.")
		return
	}
	out, err := h.desk.RetryQuarantined(r.Context(), id, h.parse)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		h.notFound(w, r)
	case err != nil:
		h.log.WarnContext(r.Context(), "quarantined mail retry failed", "quarantine_id", id, "request_id", requestID(r.Context()), "error", err)
		h.showQuarantined(w, r, http.StatusUnprocessableEntity, "It failed again, and stays in the quarantine: "+err.Error())
	case out.TicketID != 0:
		http.Redirect(w, r, "/admin/tickets/"+domain.FormatRef(out.TicketID)+"?ok=qretry", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/admin/mail/quarantine?ok=qretry", http.StatusSeeOther)
	}
}

func (h *Handler) deleteQuarantined(w http.ResponseWriter, r *http.Request) {
	id, ok := mailID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	err := h.desk.DeleteQuarantined(r.Context(), id, adminActor(r))
	switch {
	case errors.Is(err, domain.ErrNotFound):
		h.showQuarantine(w, r, http.StatusUnprocessableEntity, "That mail is no longer in the quarantine.")
	case err != nil:
		h.internalError(w, r, err)
	default:
		http.Redirect(w, r, "/admin/mail/quarantine?ok=qdelete", http.StatusSeeOther)
	}
}

type approvalProblemsPage struct {
	Layout
	Problems []domain.ApprovalProblem
	Limit    int
}

// approvalProblems lists refused approval replies and approvers'
// automatic replies.
func (h *Handler) approvalProblems(w http.ResponseWriter, r *http.Request) {
	ps, err := h.desk.ApprovalProblems(r.Context(), mailListLimit)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "admin_approvals", approvalProblemsPage{Layout: h.layout(r, "Approval replies", "admin-mail"),
		Problems: ps, Limit: mailListLimit})
}
