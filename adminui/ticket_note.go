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
	f, err := newNoteForm(r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	h.postComment(w, r, f.commentForm, f.Validate(h.desk.MaxCommentFileBytes()),
		func(a domain.TicketAccess) bool { return a.Notes }, h.desk.NoteWithFilesAs, "note")
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
