package adminui

import (
	"net/http"
	"strings"

	"ticketgate/domain"
)

// The ticket page's service-level actions (issue 18): the priority, set by
// an admin or an agent who sees the ticket, and "waiting on the
// requester", which pauses the SLA clock. The rules are the domain's
// (SetPriority, WaitOnRequester); a refusal is a message on the page.

// setPriority sets the ticket's priority from the form's "priority".
func (h *Handler) setPriority(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	p := domain.Priority(strings.TrimSpace(r.PostFormValue("priority")))
	if _, err := h.desk.SetPriority(r.Context(), stateOf(r).user, id, p); err != nil {
		h.actionFailed(w, r, err, ticketPage{})
		return
	}
	http.Redirect(w, r, "/tickets/"+domain.FormatRef(id)+"?ok=priority#sla", http.StatusSeeOther)
}

// waitOnRequester puts the ticket in waiting_on_requester.
func (h *Handler) waitOnRequester(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	if _, err := h.desk.WaitOnRequester(r.Context(), stateOf(r).user, id); err != nil {
		h.actionFailed(w, r, err, ticketPage{})
		return
	}
	http.Redirect(w, r, "/tickets/"+domain.FormatRef(id)+"?ok=waiting", http.StatusSeeOther)
}
