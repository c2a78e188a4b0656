package adminui

import (
	"errors"
	"net/http"
	"strings"

	"ticketgate/domain"
)

// mergeForm merges the page's ticket into another: its ref.
type mergeForm struct{ Into string }

func newMergeForm(r *http.Request) mergeForm {
	return mergeForm{Into: strings.TrimSpace(r.PostFormValue("into"))}
}

// Validate reads the ref; the domain says whether the merge may be done.
func (f mergeForm) Validate() (int64, error) {
	if f.Into == "" {
		return 0, errors.New("Give the ticket to merge into, like TKT-12.")
	}
	if len(f.Into) > 24 {
		return 0, errors.New("That is not a ticket reference: give one like TKT-12.")
	}
	id, err := domain.ParseRef(f.Into)
	if err != nil {
		return 0, errors.New("That is not a ticket reference: give one like TKT-12.")
	}
	return id, nil
}

// merge: an agent of the ticket or an admin merges it into another
// (domain.Desk.MergeAs decides who may, and refuses with a message).
func (h *Handler) merge(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	f := newMergeForm(r)
	into, err := f.Validate()
	if err != nil {
		// Look the ticket up first: a foreign ticket is 404 even then, and
		// who may not merge is refused before being told what to write.
		_, acc, err2 := h.desk.TicketFor(r.Context(), stateOf(r).user, id)
		switch {
		case err2 != nil:
			h.actionFailed(w, r, err2, ticketPage{})
		case !acc.Merge:
			h.actionFailed(w, r, domain.ErrForbidden, ticketPage{})
		default:
			h.showTicket(w, r, http.StatusUnprocessableEntity, ticketPage{Error: err.Error(), MergeInto: f.Into})
		}
		return
	}
	err = h.desk.MergeAs(r.Context(), stateOf(r).user, id, into)
	switch {
	case errors.Is(err, domain.ErrInvalid):
		h.showTicket(w, r, http.StatusUnprocessableEntity, ticketPage{Error: adminMessage(err), MergeInto: f.Into})
		return
	case err != nil:
		h.actionFailed(w, r, err, ticketPage{MergeInto: f.Into})
		return
	}
	http.Redirect(w, r, "/tickets/"+domain.FormatRef(into)+"?ok=merged", http.StatusSeeOther)
}
