package adminui

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"ticketgate/domain"
)

// The "New ticket" assistant (issue 21) is one form in steps, each a POST
// to /new whose "step" says what the employee did:
//
//   - describe: they wrote the subject and description; the page comes
//     back with the proposed category, its questions and similar resolved
//     tickets (Desk.Assist);
//   - edit: back to the description;
//   - category: they picked another category; its questions and similar
//     tickets replace the others;
//   - create: they answered; a required question left empty or a bad
//     answer brings the page back with the message, else the ticket is
//     opened with the answers as its fields (Desk.OpenAssisted).
//
// "This solved it" posts the same form to /new/solved with the similar
// ticket's id: no ticket, a deflection counted. Everything is carried in
// the form, so it works without JavaScript; static/assistant.js only posts
// the steps in the background and shows the answers as a conversation.

type newTicketPage struct {
	Layout
	Step      string // describe or ask
	Subject   string
	Body      string
	MaxUpload string
	Error     string

	// The ask step.
	Proposed   *domain.Category
	Confidence string // the proposal's confidence, "0.82"
	Method     string
	Categories []domain.Category
	CategoryID int64
	Questions  []questionView
	Similar    []domain.SimilarTicket
	ShareOK    bool
}

// questionView is one question of the ask step with what was answered.
type questionView struct {
	domain.AskedQuestion
	N      int // its index, the field's name is answer.N
	Answer string
	Error  string
}

func (h *Handler) newTicketPage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "new_ticket", newTicketPage{Layout: h.layout(r, "New ticket", "new"), Step: "describe",
		MaxUpload: h.localizer(r).Size(h.maxUpload)})
}

// assistForm is what every step posts.
type assistForm struct {
	Step       string
	Subject    string
	Body       string
	CategoryID int64
	Answers    []string
	ShareOK    bool
	// Solved is the similar ticket of "This solved it" (/new/solved).
	Solved int64
	bad    bool // a number that does not parse
}

func newAssistForm(r *http.Request) assistForm {
	f := assistForm{Step: r.PostFormValue("step"), Subject: strings.TrimSpace(r.PostFormValue("subject")),
		Body: r.PostFormValue("body"), ShareOK: r.PostFormValue("share_ok") != ""}
	if v := r.PostFormValue("category"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		f.CategoryID, f.bad = id, err != nil || id < 0
	}
	if v := r.PostFormValue("solved"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		f.Solved, f.bad = id, f.bad || err != nil || id <= 0
	}
	for i := range domain.MaxQuestions {
		f.Answers = append(f.Answers, r.PostFormValue("answer."+strconv.Itoa(i)))
	}
	return f
}

// newTicket runs a step of the assistant (see above); a form without step
// opens the ticket at once (openPlain).
func (h *Handler) newTicket(w http.ResponseWriter, r *http.Request) {
	f := newAssistForm(r)
	pt := domain.PortalTicket{Subject: f.Subject, Body: f.Body}
	switch f.Step {
	case "":
		h.openPlain(w, r)
		return
	case "edit":
		h.render(w, r, http.StatusOK, "new_ticket", newTicketPage{Layout: h.layout(r, "New ticket", "new"), Step: "describe",
			Subject: f.Subject, Body: f.Body, MaxUpload: h.localizer(r).Size(h.maxUpload)})
		return
	case "describe", "category", "create":
	default:
		h.showError(w, r, http.StatusBadRequest, "Bad request", "The form could not be read. Go back and try again.")
		return
	}
	if err := pt.Validate(); err != nil {
		h.render(w, r, http.StatusUnprocessableEntity, "new_ticket", newTicketPage{Layout: h.layout(r, "New ticket", "new"),
			Step: "describe", Subject: f.Subject, Body: f.Body, MaxUpload: h.localizer(r).Size(h.maxUpload), Error: adminMessage(err)})
		return
	}
	if f.bad {
		h.showAsk(w, r, http.StatusUnprocessableEntity, f, 0, nil, h.localizer(r).T("assist.pick_category"))
		return
	}
	switch f.Step {
	case "describe":
		h.showAsk(w, r, http.StatusOK, f, 0, nil, "")
		return
	case "category":
		h.showAsk(w, r, http.StatusOK, f, f.CategoryID, nil, "")
		return
	}
	files, err := formFiles(r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	pt.Attachments = files
	t, err := h.desk.OpenAssisted(r.Context(), stateOf(r).user, domain.AssistedTicket{PortalTicket: pt,
		CategoryID: f.CategoryID, Answers: f.Answers, ShareOK: f.ShareOK})
	if fe, ok := asFieldErrors(err); ok {
		h.showAsk(w, r, http.StatusUnprocessableEntity, f, f.CategoryID, fe, h.localizer(r).T("assist.answers_wrong"))
		return
	}
	if errors.Is(err, domain.ErrInvalid) && t == nil {
		h.showAsk(w, r, http.StatusUnprocessableEntity, f, 0, nil, adminMessage(err))
		return
	}
	h.afterOpen(w, r, t, err)
}

// afterOpen redirects to the ticket just opened; t nil is a failure.
func (h *Handler) afterOpen(w http.ResponseWriter, r *http.Request, t *domain.Ticket, err error) {
	switch {
	case err != nil && t == nil:
		h.internalError(w, r, err)
	case err != nil:
		// The ticket stands; only its files (or its sharing mark)
		// failed. Say so on the ticket (sending the form again would
		// make a second ticket), log why.
		h.log.ErrorContext(r.Context(), "ticket opened with an error", slog.String("request_id", requestID(r.Context())),
			slog.String("ticket", t.Ref()), slog.Any("error", err))
		http.Redirect(w, r, "/tickets/"+t.Ref()+"?ok=nofiles", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/tickets/"+t.Ref()+"?ok=created", http.StatusSeeOther)
	}
}

// showAsk renders the ask step for categoryID (0: the proposed one), with
// the form's answers and errs under their questions.
func (h *Handler) showAsk(w http.ResponseWriter, r *http.Request, status int, f assistForm, categoryID int64,
	errs domain.FieldErrors, msg string) {
	a, err := h.desk.Assist(r.Context(), stateOf(r).user, f.Subject, f.Body, categoryID)
	if errors.Is(err, domain.ErrInvalid) {
		status, msg = http.StatusUnprocessableEntity, adminMessage(err)
		a, err = h.desk.Assist(r.Context(), stateOf(r).user, f.Subject, f.Body, 0)
	}
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	p := newTicketPage{Layout: h.layout(r, "New ticket", "new"), Step: "ask", Subject: f.Subject, Body: f.Body,
		MaxUpload: h.localizer(r).Size(h.maxUpload), Error: msg, Proposed: a.Proposed, Method: a.Method,
		Categories: a.Categories, Similar: a.Similar, ShareOK: f.ShareOK}
	if a.Proposed != nil {
		p.Confidence = fmt.Sprintf("%.2f", a.Confidence)
	}
	if a.Category != nil {
		p.CategoryID = a.Category.ID
	}
	for i, q := range a.Questions {
		v := questionView{AskedQuestion: q, N: i, Error: errs[fmt.Sprintf("answer.%d", i)]}
		if errs != nil && i < len(f.Answers) {
			v.Answer = f.Answers[i] // what they typed comes back with the message
		}
		p.Questions = append(p.Questions, v)
	}
	h.render(w, r, status, "new_ticket", p)
}

// solved is "This solved it": the deflection is counted and no ticket is
// opened. A ticket the assistant could not have shown is refused.
func (h *Handler) solved(w http.ResponseWriter, r *http.Request) {
	f := newAssistForm(r)
	if f.bad || f.Solved == 0 || f.CategoryID == 0 {
		h.showError(w, r, http.StatusBadRequest, "Bad request", "The form could not be read. Go back and try again.")
		return
	}
	err := h.desk.Deflect(r.Context(), stateOf(r).user, f.CategoryID, f.Solved)
	if errors.Is(err, domain.ErrNotFound) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, "/tickets?ok=deflected", http.StatusSeeOther)
}

// share records the requester's consent (share=1) to show their ticket,
// once solved, to colleagues as a similar ticket, or its withdrawal.
func (h *Handler) share(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	on := r.PostFormValue("share") == "1"
	if err := h.desk.SetShareOK(r.Context(), stateOf(r).user, id, on); err != nil {
		h.actionFailed(w, r, err, ticketPage{})
		return
	}
	code := "unshared"
	if on {
		code = "shared"
	}
	http.Redirect(w, r, "/tickets/"+domain.FormatRef(id)+"?ok="+code, http.StatusSeeOther)
}

// adminPublic marks a ticket as a public answer (public=1) or not.
func (h *Handler) adminPublic(w http.ResponseWriter, r *http.Request) {
	on := r.PostFormValue("public") == "1"
	code := "private"
	if on {
		code = "public"
	}
	h.adminAction(w, r, adminTicketPage{}, "", func(id int64) error {
		return h.desk.SetPublicAnswer(r.Context(), stateOf(r).user, id, on)
	}, code)
}
