package adminui

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"ticketgate/domain"
)

// pathValue returns the route's path value name.
func pathValue(r *http.Request, name string) string {
	return httprouter.ParamsFromContext(r.Context()).ByName(name)
}

// timeNow is the wall clock for what the page shows (availability); the
// use cases read the Desk's clock.
func timeNow() time.Time { return time.Now().UTC() }

// contentDisposition makes an attachment header with the file's name,
// RFC 6266 style (with a filename* for non-ASCII names).
func contentDisposition(name string) string {
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return "attachment"
}

// actionFailed shows the ticket page again after a refused action: 404
// when the user may not see the ticket, 403 with a message when they see
// it but may not do this, the form's message when its input is wrong.
func (h *Handler) actionFailed(w http.ResponseWriter, r *http.Request, err error, data ticketPage) {
	switch {
	case errors.Is(err, domain.ErrNotFound):
		h.notFound(w, r)
	case errors.Is(err, domain.ErrForbidden), errors.Is(err, domain.ErrIllegalTransition), errors.Is(err, domain.ErrConflict):
		data.Error = "This cannot be done on this ticket (any more). The page shows where it stands now."
		h.showTicket(w, r, http.StatusForbidden, data)
	case errors.Is(err, domain.ErrInvalid):
		// A use case may wrap its rule ("add watcher to TKT-4: invalid:
		// …"): the page shows the rule's sentence alone (the one the
		// catalog's phrase matches).
		data.Error = adminMessage(err)
		h.showTicket(w, r, http.StatusUnprocessableEntity, data)
	default:
		h.internalError(w, r, err)
	}
}

// commentForm is a comment on a ticket, with its files.
type commentForm struct {
	Text  string
	Files []domain.NewAttachment
	// Cut: the request was over the size limit, and the files were not
	// read (state.bodyCut).
	Cut bool
}

func newCommentForm(r *http.Request) (commentForm, error) {
	f := commentForm{Text: strings.TrimSpace(r.PostFormValue("text")), Cut: stateOf(r).bodyCut}
	var err error
	if !f.Cut {
		f.Files, err = formFiles(r)
	}
	return f, err
}

// Validate checks that there is something to say and that the files were
// read; the rules for the files are the domain's (CommentWithFilesAs).
func (f commentForm) Validate(maxFiles int64) error {
	if f.Cut {
		return fmt.Errorf("The files are too large to send: together they may be at most %s. Nothing was sent; your comment is kept below.", humanSize(maxFiles))
	}
	if f.Text == "" {
		return errors.New("Write a comment first.")
	}
	return nil
}

func (h *Handler) comment(w http.ResponseWriter, r *http.Request) {
	f, err := newCommentForm(r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	h.postComment(w, r, f, f.Validate(h.desk.MaxCommentFileBytes()), nil, h.desk.CommentWithFilesAs, "comment")
}

// postComment runs the ticket page's comment form, sent as a comment or as
// an internal note: invalid is the form's own refusal (or nil); may, when
// not nil, is checked before that refusal is shown, so that who may not
// write here is refused as such first; save is the use case; ok the notice
// after it. A foreign ticket is 404 whatever the form holds.
func (h *Handler) postComment(w http.ResponseWriter, r *http.Request, f commentForm, invalid error,
	may func(domain.TicketAccess) bool, save func(context.Context, *domain.User, int64, domain.PortalComment) error, ok string) {
	id, found := ticketID(r)
	if !found {
		h.notFound(w, r)
		return
	}
	user := stateOf(r).user
	if invalid != nil {
		_, acc, err := h.desk.TicketFor(r.Context(), user, id)
		switch {
		case err != nil:
			h.actionFailed(w, r, err, ticketPage{})
		case may != nil && !may(acc):
			h.actionFailed(w, r, domain.ErrForbidden, ticketPage{})
		case f.Cut:
			h.showTicket(w, r, http.StatusRequestEntityTooLarge, ticketPage{Error: invalid.Error(), Comment: f.Text})
		default:
			h.showTicket(w, r, http.StatusUnprocessableEntity, ticketPage{Error: invalid.Error(), Comment: f.Text})
		}
		return
	}
	err := save(r.Context(), user, id, domain.PortalComment{Text: f.Text, Files: f.Files})
	switch {
	case errors.Is(err, domain.ErrTooLarge):
		h.showTicket(w, r, http.StatusRequestEntityTooLarge, ticketPage{Error: adminMessage(err), Comment: f.Text})
	case errors.Is(err, domain.ErrInvalid):
		h.showTicket(w, r, http.StatusUnprocessableEntity, ticketPage{Error: adminMessage(err), Comment: f.Text})
	case err != nil:
		h.actionFailed(w, r, err, ticketPage{Comment: f.Text})
	default:
		http.Redirect(w, r, "/tickets/"+domain.FormatRef(id)+"?ok="+ok, http.StatusSeeOther)
	}
}

func (h *Handler) reopen(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	if _, err := h.desk.Reopen(r.Context(), stateOf(r).user, id); err != nil {
		h.actionFailed(w, r, err, ticketPage{})
		return
	}
	http.Redirect(w, r, "/tickets/"+domain.FormatRef(id)+"?ok=reopened", http.StatusSeeOther)
}

// resolveForm is the agent's resolution note.
type resolveForm struct{ Note string }

func newResolveForm(r *http.Request) resolveForm {
	return resolveForm{Note: strings.TrimSpace(r.PostFormValue("note"))}
}

// Validate leaves the rules (a note is required) to domain.Desk.ResolveAs.
func (f resolveForm) Validate() error { return nil }

func (h *Handler) resolve(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	f := newResolveForm(r)
	if _, err := h.desk.ResolveAs(r.Context(), stateOf(r).user, id, f.Note); err != nil {
		h.actionFailed(w, r, err, ticketPage{Note: f.Note})
		return
	}
	http.Redirect(w, r, "/tickets/"+domain.FormatRef(id)+"?ok=resolved", http.StatusSeeOther)
}

// awayForm sets the agent away until a time, or back.
type awayForm struct {
	Back  bool
	Until string
	until *time.Time
}

// datetimeLocal is the value format of <input type="datetime-local">.
const datetimeLocal = "2006-01-02T15:04"

func newAwayForm(r *http.Request) awayForm {
	return awayForm{Back: r.PostFormValue("back") != "", Until: strings.TrimSpace(r.PostFormValue("until"))}
}

// Validate reads the time (UTC); the domain checks it is in the future.
func (f *awayForm) Validate() error {
	if f.Back {
		return nil
	}
	if f.Until == "" {
		return errors.New("Give the date and time you are back.")
	}
	t, err := time.Parse(datetimeLocal, f.Until)
	if err != nil {
		if t, err = time.Parse(datetimeLocal+":05", f.Until); err != nil {
			return errors.New("Give the time you are back as a date and time, like 2026-12-24T09:00.")
		}
	}
	f.until = &t
	return nil
}

func (h *Handler) away(w http.ResponseWriter, r *http.Request) {
	f := newAwayForm(r)
	if err := f.Validate(); err != nil {
		h.showQueue(w, r, http.StatusUnprocessableEntity, f.Until, err.Error())
		return
	}
	err := h.desk.SetAway(r.Context(), stateOf(r).user, f.until)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		h.showQueue(w, r, http.StatusUnprocessableEntity, f.Until, "You are not on the team, so you have no availability to set.")
		return
	case errors.Is(err, domain.ErrInvalid):
		h.showQueue(w, r, http.StatusUnprocessableEntity, f.Until, adminMessage(err))
		return
	case err != nil:
		h.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, "/queue?ok=away", http.StatusSeeOther)
}
