package adminui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"ticketgate/domain"
)

// watcherForm adds a watcher to a ticket: one address.
type watcherForm struct{ Email string }

func newWatcherForm(r *http.Request) watcherForm {
	return watcherForm{Email: strings.TrimSpace(r.PostFormValue("email"))}
}

// Validate checks that an address was given and is not absurdly long; the
// domain checks the rest (an address, the policy, the bound).
func (f watcherForm) Validate() error {
	switch {
	case f.Email == "":
		return errors.New("Give the address of the person who should follow the ticket.")
	case len(f.Email) > 254:
		return errors.New("That address is too long.")
	}
	return nil
}

// addWatcher: the requester, the assignee or an admin makes an address a
// watcher of the ticket.
func (h *Handler) addWatcher(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	f := newWatcherForm(r)
	if err := f.Validate(); err != nil {
		// Look the ticket up first: a foreign ticket is 404 even then.
		if _, _, err := h.desk.TicketFor(r.Context(), stateOf(r).user, id); err != nil {
			h.actionFailed(w, r, err, ticketPage{})
			return
		}
		h.showTicket(w, r, http.StatusUnprocessableEntity, ticketPage{Error: err.Error(), Watcher: f.Email})
		return
	}
	if err := h.desk.AddWatcherAs(r.Context(), stateOf(r).user, id, f.Email); err != nil {
		h.actionFailed(w, r, err, ticketPage{Watcher: f.Email})
		return
	}
	http.Redirect(w, r, "/tickets/"+domain.FormatRef(id)+"?ok=watcheradded", http.StatusSeeOther)
}

// removeWatcher: the assignee or an admin stops a watcher's mails.
func (h *Handler) removeWatcher(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(r)
	wid, err := strconv.ParseInt(pathValue(r, "id"), 10, 64)
	if !ok || err != nil {
		h.notFound(w, r)
		return
	}
	if err := h.desk.RemoveWatcherAs(r.Context(), stateOf(r).user, id, wid); err != nil {
		h.actionFailed(w, r, err, ticketPage{})
		return
	}
	http.Redirect(w, r, "/tickets/"+domain.FormatRef(id)+"?ok=watcherremoved", http.StatusSeeOther)
}

// unwatchPage is the page a watcher's footer link opens: who stops
// following which ticket, and a button (the POST does it: a link
// previewed or prefetched by a mail client changes nothing).
type unwatchPage struct {
	Layout
	Invalid bool
	Done    bool
	Email   string
	Ref     string
	Action  string
}

func (h *Handler) unwatchPage(w http.ResponseWriter, r *http.Request) {
	token := pathValue(r, "token")
	wt, err := h.desk.UnwatchLink(r.Context(), token)
	h.showUnwatch(w, r, wt, err, unwatchPage{Action: domain.UnwatchPath + token})
}

// unwatch stops the mails of the watcher the link's token names. The
// token is the authority (signed, good for this one watcher and action);
// the form carries the CSRF token as every form does.
func (h *Handler) unwatch(w http.ResponseWriter, r *http.Request) {
	wt, err := h.desk.Unwatch(r.Context(), pathValue(r, "token"))
	h.showUnwatch(w, r, wt, err, unwatchPage{Done: true})
}

// showUnwatch renders the page for watcher wt, or "this link does not
// work" (410) when err says the link is not valid (any more).
func (h *Handler) showUnwatch(w http.ResponseWriter, r *http.Request, wt *domain.Watcher, err error, data unwatchPage) {
	data.Layout = h.layout(r, "Stop following a ticket", "")
	switch {
	case errors.Is(err, domain.ErrNotFound):
		h.render(w, r, http.StatusGone, "unwatch", unwatchPage{Layout: data.Layout, Invalid: true})
	case err != nil:
		h.internalError(w, r, err)
	default:
		data.Email, data.Ref = wt.Email, domain.FormatRef(wt.TicketID)
		h.render(w, r, http.StatusOK, "unwatch", data)
	}
}
