package adminui

import (
	"errors"
	"net/http"
	"strings"

	"ticketgate/domain"
)

// noteForm is an internal note on a ticket: the comment form's text, sent
// with its "Add internal note" button (see templates/ticket.html).
type noteForm struct{ Text string }

func newNoteForm(r *http.Request) noteForm {
	return noteForm{Text: strings.TrimSpace(r.PostFormValue("text"))}
}

// Validate checks that there is something to say.
func (f noteForm) Validate() error {
	if f.Text == "" {
		return errors.New("Write the note first.")
	}
	return nil
}

// note adds an agent's or admin's internal note from the ticket page
// (domain.Desk.NoteAs decides who may).
func (h *Handler) note(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	f := newNoteForm(r)
	if err := f.Validate(); err != nil {
		// Look the ticket up first: a foreign ticket is 404 even then, and
		// a requester is refused before being told what to write.
		_, acc, err2 := h.desk.TicketFor(r.Context(), stateOf(r).user, id)
		switch {
		case err2 != nil:
			h.actionFailed(w, r, err2, ticketPage{})
		case !acc.Notes:
			h.actionFailed(w, r, domain.ErrForbidden, ticketPage{})
		default:
			h.showTicket(w, r, http.StatusUnprocessableEntity, ticketPage{Error: err.Error()})
		}
		return
	}
	if err := h.desk.NoteAs(r.Context(), stateOf(r).user, id, f.Text); err != nil {
		h.actionFailed(w, r, err, ticketPage{Comment: f.Text})
		return
	}
	http.Redirect(w, r, "/tickets/"+domain.FormatRef(id)+"?ok=note", http.StatusSeeOther)
}

// adminNote adds an admin's internal note from the admin's ticket page.
func (h *Handler) adminNote(w http.ResponseWriter, r *http.Request) {
	f := newNoteForm(r)
	h.adminAction(w, r, adminTicketPage{NoteText: f.Text}, errText(f.Validate()), func(id int64) error {
		return h.desk.NoteAs(r.Context(), stateOf(r).user, id, f.Text)
	}, "adminnote")
}
