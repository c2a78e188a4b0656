package adminui

import (
	"errors"
	"net/http"
	"strings"

	"ticketgate/domain"
)

// The satisfaction question (issue 18; domain/satisfaction.go): the page a
// link of the resolution mail opens, which records nothing until its
// button is pressed (mail scanners follow links), and the form of the
// portal's resolved ticket page.

// satisfactionPage is the page a "Yes, solved" or "No" link opens.
type satisfactionPage struct {
	Layout
	Invalid bool   // the link is not genuine
	Closed  string // why a genuine link no longer works
	Done    bool
	Ref     string
	Subject string
	Yes     bool // the link's answer is yes
	Comment string
	Error   string
	Action  string
}

// satisfactionForm is the comment of a confirmation, or the portal's
// answer and comment.
type satisfactionForm struct {
	Rating  string
	Comment string
}

func newSatisfactionForm(r *http.Request) satisfactionForm {
	return satisfactionForm{Rating: strings.TrimSpace(r.PostFormValue("rating")), Comment: r.PostFormValue("comment")}
}

// Validate leaves the rules (the comment's length, the answer's words) to
// the domain's use cases, which say them for people.
func (f satisfactionForm) Validate() error { return nil }

// satisfactionLink shows what the link answers, with a comment box and a
// button; it records nothing.
func (h *Handler) satisfactionLink(w http.ResponseWriter, r *http.Request) {
	token := pathValue(r, "token")
	ask, err := h.desk.SatisfactionLink(r.Context(), token)
	data := satisfactionPage{Action: domain.SatisfactionPath + token}
	if err == nil {
		data.Ref, data.Subject, data.Yes = ask.Ticket.Ref(), ask.Ticket.Subject, ask.Rating == domain.RatingYes
	}
	h.showSatisfaction(w, r, err, data)
}

// rateByLink records the link's answer with the comment. The token is the
// authority (signed, for this ticket's requester and resolution, once);
// the form carries the CSRF token as every form does.
func (h *Handler) rateByLink(w http.ResponseWriter, r *http.Request) {
	token := pathValue(r, "token")
	f := newSatisfactionForm(r)
	rt, err := h.desk.RateByLink(r.Context(), token, f.Comment)
	data := satisfactionPage{Action: domain.SatisfactionPath + token, Comment: f.Comment}
	if err == nil {
		data.Done, data.Ref, data.Yes = true, domain.FormatRef(rt.TicketID), rt.Rating == domain.RatingYes
		h.showSatisfaction(w, r, nil, data)
		return
	}
	if errors.Is(err, domain.ErrInvalid) && !errors.Is(err, domain.ErrNotFound) {
		// A comment too long: the page again, with the text, if the link
		// still works.
		if ask, lerr := h.desk.SatisfactionLink(r.Context(), token); lerr == nil {
			data.Ref, data.Subject, data.Yes = ask.Ticket.Ref(), ask.Ticket.Subject, ask.Rating == domain.RatingYes
			data.Error = adminMessage(err)
			data.Layout = h.layout(r, "Was your problem solved?", "")
			h.render(w, r, http.StatusUnprocessableEntity, "satisfaction", data)
			return
		}
	}
	h.showSatisfaction(w, r, err, data)
}

// showSatisfaction renders the page, or why the link does not work (410).
func (h *Handler) showSatisfaction(w http.ResponseWriter, r *http.Request, err error, data satisfactionPage) {
	data.Layout = h.layout(r, "Was your problem solved?", "")
	switch {
	case errors.Is(err, domain.ErrNotFound):
		h.render(w, r, http.StatusGone, "satisfaction", satisfactionPage{Layout: data.Layout, Invalid: true})
	case errors.Is(err, domain.ErrConflict), errors.Is(err, domain.ErrInvalid):
		h.render(w, r, http.StatusGone, "satisfaction", satisfactionPage{Layout: data.Layout, Closed: adminMessage(err)})
	case err != nil:
		h.internalError(w, r, err)
	default:
		h.render(w, r, http.StatusOK, "satisfaction", data)
	}
}

// rate records the requester's answer from the form of their resolved
// ticket's page; only the requester may (the domain says so).
func (h *Handler) rate(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	f := newSatisfactionForm(r)
	rating, err := domain.ParseRating(f.Rating)
	if err == nil {
		_, err = h.desk.RateAs(r.Context(), stateOf(r).user, id, rating, f.Comment)
	}
	switch {
	case err == nil:
		ok := "ratedyes"
		if rating == domain.RatingNo {
			ok = "ratedno"
		}
		http.Redirect(w, r, "/tickets/"+domain.FormatRef(id)+"?ok="+ok, http.StatusSeeOther)
	case errors.Is(err, domain.ErrConflict), errors.Is(err, domain.ErrInvalid) && !errors.Is(err, domain.ErrNotFound):
		h.showTicket(w, r, http.StatusUnprocessableEntity, ticketPage{RateComment: f.Comment, Error: adminMessage(err)})
	default:
		h.actionFailed(w, r, err, ticketPage{})
	}
}
