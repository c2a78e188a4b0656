package adminui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"ticketgate/domain"
)

// Inserting a canned reply on a ticket's page works without JavaScript:
// the select of replies and its Insert button sit in the comment form,
// and Insert posts the whole form (the text typed so far and the chosen
// reply) to .../canned. The page comes back with the reply's text, its
// placeholders filled, after what was typed; nothing is stored until the
// agent sends the comment.

// cannedPicker is what the "canned-picker" template shows in a comment
// form: the replies, the one chosen last, and where Insert posts.
type cannedPicker struct {
	Replies []domain.CannedReply
	Chosen  int64
	Action  string
}

// CannedPicker is the agent's ticket page's picker; Insert comes back at
// the comment box.
func (p ticketPage) CannedPicker() cannedPicker {
	return cannedPicker{Replies: p.Canned, Chosen: p.CannedID, Action: "/tickets/" + p.Detail.Ticket.Ref() + "/canned#add-comment"}
}

// CannedPicker is the admin's ticket page's picker.
func (p adminTicketPage) CannedPicker() cannedPicker {
	return cannedPicker{Replies: p.Canned, Chosen: p.CannedID, Action: "/admin/tickets/" + p.Detail.Ticket.Ref() + "/canned#act-comment"}
}

// cannedInsertForm is the comment form as Insert posts it.
type cannedInsertForm struct {
	Text  string // the comment typed so far
	Reply int64  // the chosen canned reply; 0: none
}

func newCannedInsertForm(r *http.Request) cannedInsertForm {
	f := cannedInsertForm{Text: strings.TrimRight(r.PostFormValue("text"), " \t\r\n")}
	f.Reply, _ = strconv.ParseInt(r.PostFormValue("canned"), 10, 64)
	return f
}

// Validate checks that a reply was chosen.
func (f cannedInsertForm) Validate() error {
	if f.Reply <= 0 {
		return errors.New("Choose a saved reply first.")
	}
	return nil
}

// withReply is the comment text with the reply's text after it.
func (f cannedInsertForm) withReply(text string) string {
	if strings.TrimSpace(f.Text) == "" {
		return text
	}
	return f.Text + "\n\n" + text
}

// cannedMessage is the sentence for people of a refused insertion's
// FieldErrors (the domain's field "canned").
func cannedMessage(fe domain.FieldErrors) string {
	if msg := fe["canned"]; msg != "" {
		return msg
	}
	return adminMessage(fe)
}

// insertCanned fills the agent's ticket page's comment box with a canned
// reply.
func (h *Handler) insertCanned(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	u := stateOf(r).user
	f := newCannedInsertForm(r)
	if err := f.Validate(); err != nil {
		// Look the ticket up first: a foreign ticket is 404 even then.
		if _, _, lerr := h.desk.TicketFor(r.Context(), u, id); lerr != nil {
			h.actionFailed(w, r, lerr, ticketPage{})
			return
		}
		h.showTicket(w, r, http.StatusUnprocessableEntity, ticketPage{Comment: f.Text, Error: err.Error()})
		return
	}
	text, err := h.desk.InsertCannedReply(r.Context(), u, id, f.Reply)
	if fe, ok := asFieldErrors(err); ok {
		h.showTicket(w, r, http.StatusUnprocessableEntity, ticketPage{Comment: f.Text, CannedID: f.Reply, Error: cannedMessage(fe)})
		return
	}
	if err != nil {
		h.actionFailed(w, r, err, ticketPage{Comment: f.Text})
		return
	}
	h.showTicket(w, r, http.StatusOK, ticketPage{Comment: f.withReply(text), CannedID: f.Reply})
}

// adminInsertCanned is insertCanned on the admin's ticket page.
func (h *Handler) adminInsertCanned(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	if _, err := h.desk.Ticket(r.Context(), id); h.lookupFailed(w, r, err) {
		return
	}
	f := newCannedInsertForm(r)
	data := adminTicketPage{Comment: f.Text, CannedID: f.Reply}
	if err := f.Validate(); err != nil {
		data.Error = err.Error()
		h.showAdminTicket(w, r, http.StatusUnprocessableEntity, data)
		return
	}
	text, err := h.desk.InsertCannedReply(r.Context(), stateOf(r).user, id, f.Reply)
	fe, invalid := asFieldErrors(err)
	switch {
	case err == nil:
		data.Comment = f.withReply(text)
		h.showAdminTicket(w, r, http.StatusOK, data)
	case invalid:
		data.Error = cannedMessage(fe)
		h.showAdminTicket(w, r, http.StatusUnprocessableEntity, data)
	case errors.Is(err, domain.ErrForbidden):
		data.Error = "This cannot be done on this ticket now: it takes no more comments. The page shows where it stands."
		h.showAdminTicket(w, r, http.StatusConflict, data)
	default:
		h.lookupFailed(w, r, err)
	}
}
