package adminui

import (
	"errors"
	"net/http"

	"ticketgate/domain"
)

// noteForm is an internal note on a ticket: the comment form's text and
// files, sent with its "Add internal note" button (see
// templates/ticket.html).
type noteForm struct{ commentForm }

func newNoteForm(r *http.Request) (noteForm, error) {
	f, err := newCommentForm(r)
	return noteForm{f}, err
}

// Validate checks that there is something to say and that the files were
// read.
func (f noteForm) Validate(maxFiles int64) error {
	if f.Text == "" && !f.Cut {
		return errors.New("Write the note first.")
	}
	return f.commentForm.Validate(maxFiles)
}

// note adds an agent's or admin's internal note from the ticket page
// (domain.Desk.NoteWithFilesAs decides who may).
func (h *Handler) note(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	f, err := newNoteForm(r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	if err := f.Validate(h.desk.MaxCommentFileBytes()); err != nil {
		// Look the ticket up first: a foreign ticket is 404 even then, and
		// a requester is refused before being told what to write.
		_, acc, err2 := h.desk.TicketFor(r.Context(), stateOf(r).user, id)
		switch {
		case err2 != nil:
			h.actionFailed(w, r, err2, ticketPage{})
		case !acc.Notes:
			h.actionFailed(w, r, domain.ErrForbidden, ticketPage{})
		case f.Cut:
			h.showTicket(w, r, http.StatusRequestEntityTooLarge, ticketPage{Error: err.Error(), Comment: f.Text})
		default:
			h.showTicket(w, r, http.StatusUnprocessableEntity, ticketPage{Error: err.Error(), Comment: f.Text})
		}
		return
	}
	err = h.desk.NoteWithFilesAs(r.Context(), stateOf(r).user, id, domain.PortalComment{Text: f.Text, Files: f.Files})
	switch {
	case errors.Is(err, domain.ErrTooLarge):
		h.showTicket(w, r, http.StatusRequestEntityTooLarge, ticketPage{Error: adminMessage(err), Comment: f.Text})
	case errors.Is(err, domain.ErrInvalid):
		h.showTicket(w, r, http.StatusUnprocessableEntity, ticketPage{Error: adminMessage(err), Comment: f.Text})
	case err != nil:
		h.actionFailed(w, r, err, ticketPage{Comment: f.Text})
	default:
		http.Redirect(w, r, "/tickets/"+domain.FormatRef(id)+"?ok=note", http.StatusSeeOther)
	}
}

// adminNote adds an admin's internal note from the admin's ticket page.
func (h *Handler) adminNote(w http.ResponseWriter, r *http.Request) {
	f, err := newNoteForm(r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	h.adminAction(w, r, adminTicketPage{NoteText: f.Text}, errText(f.Validate(h.desk.MaxCommentFileBytes())), func(id int64) error {
		return h.desk.NoteWithFilesAs(r.Context(), stateOf(r).user, id, domain.PortalComment{Text: f.Text, Files: f.Files})
	}, "adminnote")
}
