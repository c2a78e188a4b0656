package adminui

import (
	"net/http"
	"strconv"
	"strings"

	"ticketgate/domain"
)

// The admin's canned replies: a list, and an editor per reply (:id or
// "new") with its delete button. The rules (lengths, placeholders, unique
// titles) are domain.Desk.SaveCannedReply's.

type cannedRepliesPage struct {
	Layout
	Replies []domain.CannedReply
}

// adminCannedReplies lists the canned replies by title.
func (h *Handler) adminCannedReplies(w http.ResponseWriter, r *http.Request) {
	cs, err := h.desk.AdminCannedReplies(r.Context(), adminActor(r))
	if !h.adminDone(w, r, err) {
		return
	}
	h.render(w, r, http.StatusOK, "admin_canned_replies", cannedRepliesPage{Layout: h.layout(r, "Canned replies", "admin-canned"), Replies: cs})
}

// cannedForm is the canned reply editor. Category is a category's id, ""
// for every ticket.
type cannedForm struct {
	Title    string
	Body     string
	Category string
}

func newCannedForm(r *http.Request) cannedForm {
	return cannedForm{Title: strings.TrimSpace(r.PostFormValue("title")), Body: r.PostFormValue("body"),
		Category: strings.TrimSpace(r.PostFormValue("category"))}
}

// Validate reads the category choice; the reply's rules are the domain's.
func (f cannedForm) Validate() error {
	_, err := f.categoryID()
	if err != nil {
		return domain.FieldErrors{"category": "Choose a category from the list, or every ticket."}
	}
	return nil
}

// categoryID is the chosen category's id, 0 for every ticket.
func (f cannedForm) categoryID() (int64, error) {
	if f.Category == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(f.Category, 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.ErrInvalid
	}
	return id, nil
}

// reply is the form as a domain canned reply (a valid form).
func (f cannedForm) reply(id int64) domain.CannedReply {
	c := domain.CannedReply{ID: id, Title: f.Title, Body: f.Body}
	if cat, _ := f.categoryID(); cat != 0 {
		c.CategoryID = &cat
	}
	return c
}

// cannedFormOf is the form showing reply c.
func cannedFormOf(c *domain.CannedReply) cannedForm {
	f := cannedForm{Title: c.Title, Body: c.Body}
	if c.CategoryID != nil {
		f.Category = strconv.FormatInt(*c.CategoryID, 10)
	}
	return f
}

type cannedReplyPage struct {
	Layout
	New          bool
	ID           int64
	Form         cannedForm
	Errors       domain.FieldErrors
	Categories   []domain.Category
	Placeholders []string
}

// adminCannedReply shows the editor of reply :id, or an empty one.
func (h *Handler) adminCannedReply(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	switch {
	case !ok:
		h.notFound(w, r)
	case isNew:
		h.showCannedReply(w, r, http.StatusOK, cannedReplyPage{New: true})
	default:
		c, err := h.desk.AdminCannedReply(r.Context(), adminActor(r), id)
		if !h.adminDone(w, r, err) {
			return
		}
		h.showCannedReply(w, r, http.StatusOK, cannedReplyPage{ID: id, Form: cannedFormOf(c)})
	}
}

// showCannedReply renders the editor with data's form and messages.
func (h *Handler) showCannedReply(w http.ResponseWriter, r *http.Request, status int, data cannedReplyPage) {
	choices, err := h.desk.AdminTicketChoices(r.Context())
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	data.Categories = choices.Categories
	data.Placeholders = []string{"{{" + domain.PlaceholderRequesterName + "}}", "{{" + domain.PlaceholderTicketRef + "}}",
		"{{" + domain.PlaceholderAgentName + "}}"}
	title := "New canned reply"
	if !data.New {
		title = "Canned reply " + data.Form.Title
	}
	data.Layout = h.layout(r, title, "admin-canned")
	if status != http.StatusOK {
		data.Layout.Notice = ""
	}
	h.render(w, r, status, "admin_canned_reply", data)
}

// adminCannedReplySave creates or updates a reply; what is wrong comes
// back on the form.
func (h *Handler) adminCannedReplySave(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	f := newCannedForm(r)
	data := cannedReplyPage{New: isNew, ID: id, Form: f}
	if !isNew { // a reply deleted meanwhile, or never there, is a 404
		if _, err := h.desk.AdminCannedReply(r.Context(), adminActor(r), id); !h.adminDone(w, r, err) {
			return
		}
	}
	if err := f.Validate(); err != nil {
		data.Errors, _ = asFieldErrors(err)
		h.showCannedReply(w, r, http.StatusUnprocessableEntity, data)
		return
	}
	c, err := h.desk.SaveCannedReply(r.Context(), adminActor(r), f.reply(id))
	if fe, ok := asFieldErrors(err); ok {
		data.Errors = fe
		h.showCannedReply(w, r, http.StatusUnprocessableEntity, data)
		return
	}
	if !h.adminDone(w, r, err) {
		return
	}
	http.Redirect(w, r, "/admin/canned/"+strconv.FormatInt(c.ID, 10)+"?ok=cannedsaved", http.StatusSeeOther)
}

// adminCannedReplyDelete deletes a reply.
func (h *Handler) adminCannedReplyDelete(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	if !ok || isNew {
		h.notFound(w, r)
		return
	}
	if !h.adminDone(w, r, h.desk.DeleteCannedReply(r.Context(), adminActor(r), id)) {
		return
	}
	http.Redirect(w, r, "/admin/canned?ok=canneddeleted", http.StatusSeeOther)
}
