package adminui

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/julienschmidt/httprouter"

	"ticketgate/domain"
)

// The API's operations. Each calls the domain use case the portal's page
// calls, with the token's user, so a ticket the user may not see is a 404
// here too, and one they see but may not change a 403.

func apiActor(u *domain.User) domain.Actor { return domain.Actor{Email: u.Email, Admin: u.IsAdmin()} }

// apiMe answers who the token acts for.
func (h *Handler) apiMe(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	apiJSON(w, http.StatusOK, map[string]any{"id": c.user.ID, "email": c.user.Email, "name": c.user.Name, "role": string(c.user.Role),
		"token": map[string]any{"id": c.token.ID, "name": c.token.Name, "scope": string(c.token.Scope)}})
}

// ticketList is GET /api/v1/tickets: a page of tickets and the link to the
// next one (null on the last page).
type ticketList struct {
	Tickets []domain.TicketJSON `json:"tickets"`
	Next    *string             `json:"next"`
}

// apiTickets lists tickets: an admin's with the admin list's filters (q,
// status, category, assignee, from, to, sort, dir), anyone else's the
// tickets they requested (the portal's "My tickets", status only).
func (h *Handler) apiTickets(w http.ResponseWriter, r *http.Request) {
	u := callerOf(r).user
	f := newTicketSearchForm(r)
	if !u.IsAdmin() {
		for _, k := range []string{"q", "category", "assignee", "from", "to", "sort", "dir"} {
			if r.URL.Query().Get(k) != "" {
				h.apiProblem(w, r, "validation", "", map[string]string{k: "only admins filter by " + k})
				return
			}
		}
	}
	if err := f.Validate(); err != nil {
		field := "q"
		for _, k := range []string{"status", "category", "assignee", "from", "to", "dir"} {
			if strings.Contains(strings.ToLower(err.Error()), k) || (k == "from" && strings.Contains(err.Error(), "first day")) ||
				(k == "to" && strings.Contains(err.Error(), "last day")) || (k == "dir" && strings.Contains(err.Error(), "Sort up")) {
				field = k
				break
			}
		}
		h.apiProblem(w, r, "validation", "", map[string]string{field: err.Error()})
		return
	}
	at, err := pageAt(r)
	if err != nil || r.URL.Query().Get("before") != "" {
		h.apiProblem(w, r, "validation", "", map[string]string{"after": "not a cursor of this list: use the next link"})
		return
	}
	var p *domain.TicketPage
	if u.IsAdmin() {
		p, err = h.desk.AllTickets(r.Context(), f.search, at)
	} else {
		p, err = h.desk.MyTickets(r.Context(), u, f.search.Status, at)
	}
	if err != nil {
		if errors.Is(err, domain.ErrInvalid) {
			h.apiProblem(w, r, "validation", "", map[string]string{"after": sentinelDetail(err, domain.ErrInvalid)})
			return
		}
		h.apiError(w, r, err)
		return
	}
	out := ticketList{Tickets: make([]domain.TicketJSON, len(p.Tickets))}
	for i := range p.Tickets {
		out.Tickets[i] = domain.NewTicketJSON(&p.Tickets[i], h.helpdesk)
	}
	if p.Next != nil {
		v := f.values()
		if s := r.URL.Query().Get("status"); s != "" {
			v.Set("status", s)
		}
		v.Set("after", p.Next.String())
		next := h.baseURL + "/api/v1/tickets?" + v.Encode()
		out.Next = &next
		w.Header().Set("Link", "<"+next+`>; rel="next"`)
	}
	apiJSON(w, http.StatusOK, out)
}

// refParam reads :ref; a bad one is a 404 like an unknown one.
func refParam(r *http.Request) (int64, bool) {
	id, err := domain.ParseRef(httprouter.ParamsFromContext(r.Context()).ByName("ref"))
	return id, err == nil
}

// apiTicket is one ticket as `ticket show --json` prints it, with what the
// user may see of it (an employee sees no internal notes).
func (h *Handler) apiTicket(w http.ResponseWriter, r *http.Request) {
	id, ok := refParam(r)
	if !ok {
		h.apiProblem(w, r, "not-found", "", nil)
		return
	}
	h.sendTicket(w, r, http.StatusOK, id)
}

func (h *Handler) sendTicket(w http.ResponseWriter, r *http.Request, status int, id int64) {
	d, _, err := h.desk.TicketFor(r.Context(), callerOf(r).user, id)
	if err != nil {
		h.apiError(w, r, err)
		return
	}
	apiJSON(w, status, domain.NewTicketDetailJSON(d, h.helpdesk))
}

// newTicketRequest is the body of POST /api/v1/tickets.
type newTicketRequest struct {
	Subject   string `json:"subject"`
	Body      string `json:"body"`
	Requester string `json:"requester"`
	Category  string `json:"category"`
}

// apiTicketCreate opens a ticket (domain.OpenAPITicket): 201 with the
// ticket and its Location, or 200 with the ticket an earlier request with
// the same Idempotency-Key opened.
//
// The body is JSON (newTicketRequest), or multipart/form-data with the same
// fields and files in "files", at most the files a mail of
// MAX_MESSAGE_BYTES carries.
func (h *Handler) apiTicketCreate(w http.ResponseWriter, r *http.Request) {
	var in domain.APITicket
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		var ok bool
		if in, ok = h.readTicketForm(w, r); !ok {
			return
		}
	} else {
		var req newTicketRequest
		if !h.readJSON(w, r, &req) {
			return
		}
		in = domain.APITicket{Subject: req.Subject, Body: req.Body, Requester: req.Requester, Category: req.Category}
	}
	c := callerOf(r)
	t, created, err := h.desk.OpenAPITicket(r.Context(), c.token, c.user, r.Header.Get("Idempotency-Key"), in)
	if err != nil {
		h.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", h.baseURL+"/api/v1/tickets/"+url.PathEscape(t.Ref()))
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	h.sendTicket(w, r, status, t.ID)
}

// apiAction reads :ref and the body into in, runs fn, and answers the
// ticket as it is now.
func apiAction[T any](h *Handler, w http.ResponseWriter, r *http.Request, in *T, fn func(u *domain.User, id int64) error) {
	id, ok := refParam(r)
	if !ok {
		h.apiProblem(w, r, "not-found", "", nil)
		return
	}
	// Who may not see the ticket learns nothing more, whatever the body.
	if _, _, err := h.desk.TicketFor(r.Context(), callerOf(r).user, id); err != nil {
		h.apiError(w, r, err)
		return
	}
	if in != nil && !h.readJSON(w, r, in) {
		return
	}
	if err := fn(callerOf(r).user, id); err != nil {
		h.apiError(w, r, err)
		return
	}
	h.sendTicket(w, r, http.StatusOK, id)
}

// requireField is the validation problem of an empty field.
func requireField(name, v string) error {
	if strings.TrimSpace(v) == "" {
		return domain.FieldErrors{name: "required"}
	}
	return nil
}

// apiComment adds a comment, as the portal's comment form does.
func (h *Handler) apiComment(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text string `json:"text"`
	}
	apiAction(h, w, r, &in, func(u *domain.User, id int64) error {
		if err := requireField("text", in.Text); err != nil {
			return err
		}
		return fieldOf(h.desk.CommentAs(r.Context(), u, id, in.Text), "text")
	})
}

// fieldOf names field in an ErrInvalid of the domain.
func fieldOf(err error, field string) error {
	if errors.Is(err, domain.ErrInvalid) {
		var fe domain.FieldErrors
		if !errors.As(err, &fe) {
			return domain.FieldErrors{field: sentinelDetail(err, domain.ErrInvalid)}
		}
	}
	return err
}

// apiResolve resolves with a note for the requester.
func (h *Handler) apiResolve(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Note string `json:"note"`
	}
	apiAction(h, w, r, &in, func(u *domain.User, id int64) error {
		_, err := h.desk.ResolveAs(r.Context(), u, id, in.Note)
		return fieldOf(err, "note")
	})
}

// apiReopen reopens a resolved ticket; the body may be empty.
func (h *Handler) apiReopen(w http.ResponseWriter, r *http.Request) {
	apiAction[struct{}](h, w, r, nil, func(u *domain.User, id int64) error {
		_, err := h.desk.Reopen(r.Context(), u, id)
		return err
	})
}

// apiAssign gives the ticket to a team member (admins).
func (h *Handler) apiAssign(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Agent string `json:"agent"`
	}
	apiAction(h, w, r, &in, func(u *domain.User, id int64) error {
		if err := requireField("agent", in.Agent); err != nil && u.IsAdmin() {
			return err
		}
		_, err := h.desk.Reassign(r.Context(), id, in.Agent, apiActor(u))
		return fieldOf(err, "agent")
	})
}

// apiPriority sets the ticket's priority (issue 18): admins, and agents
// who see the ticket (domain.Desk.SetPriority).
func (h *Handler) apiPriority(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Priority string `json:"priority"`
	}
	apiAction(h, w, r, &in, func(u *domain.User, id int64) error {
		if err := requireField("priority", in.Priority); err != nil {
			return err
		}
		_, err := h.desk.SetPriority(r.Context(), u, id, domain.Priority(in.Priority))
		return fieldOf(err, "priority")
	})
}

// apiCategory sets the ticket's category (admins).
func (h *Handler) apiCategory(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Category string `json:"category"`
	}
	apiAction(h, w, r, &in, func(u *domain.User, id int64) error {
		if err := requireField("category", in.Category); err != nil && u.IsAdmin() {
			return err
		}
		_, err := h.desk.Categorize(r.Context(), id, in.Category, apiActor(u))
		if errors.Is(err, domain.ErrNotFound) { // the ticket was there a moment ago: the category is not
			return domain.FieldErrors{"category": "there is no category " + in.Category}
		}
		return fieldOf(err, "category")
	})
}

// categoryJSON is a category of GET /api/v1/categories.
type categoryJSON struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Tickets     int      `json:"tickets"`
	Members     []string `json:"members"`
}

// apiCategories lists the categories (admins, like the admin page).
func (h *Handler) apiCategories(w http.ResponseWriter, r *http.Request) {
	cs, err := h.desk.AdminCategories(r.Context(), apiActor(callerOf(r).user))
	if err != nil {
		h.apiError(w, r, err)
		return
	}
	out := make([]categoryJSON, len(cs))
	for i, c := range cs {
		out[i] = categoryJSON{ID: c.ID, Name: c.Name, Description: c.Description, Tickets: c.Tickets, Members: append([]string{}, c.Members...)}
	}
	apiJSON(w, http.StatusOK, out)
}

// userJSON is a user of GET /api/v1/users.
type userJSON struct {
	ID       int64  `json:"id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Disabled bool   `json:"disabled"`
	Language string `json:"language"` // "" for none: the browser and DEFAULT_LANGUAGE decide
	TimeZone string `json:"timezone"` // "" for none: DEFAULT_TIMEZONE
}

// apiUsers lists the users (admins).
func (h *Handler) apiUsers(w http.ResponseWriter, r *http.Request) {
	u := callerOf(r).user
	if !u.IsAdmin() {
		h.apiProblem(w, r, "forbidden", "only admins list users", nil)
		return
	}
	us, err := h.desk.Users(r.Context(), domain.UserFilter{})
	if err != nil {
		h.apiError(w, r, err)
		return
	}
	out := make([]userJSON, len(us))
	for i, x := range us {
		out[i] = userJSON{ID: x.ID, Email: x.Email, Name: x.Name, Role: string(x.Role), Disabled: x.Disabled,
			Language: x.Language, TimeZone: x.TimeZone}
	}
	apiJSON(w, http.StatusOK, out)
}

// readTicketForm reads a multipart POST /api/v1/tickets: the fields of
// newTicketRequest and the files of "files", the whole body at most the
// files a mail of MAX_MESSAGE_BYTES carries plus maxAPIBody for the rest.
// A refused body is answered with a problem.
func (h *Handler) readTicketForm(w http.ResponseWriter, r *http.Request) (domain.APITicket, bool) {
	limit := h.desk.MaxCommentFileBytes() + maxAPIBody
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseMultipartForm(maxAPIBody); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.apiProblem(w, r, "request-too-large", fmt.Sprintf("the body is larger than %s", domain.SizeText(limit)), nil)
		} else {
			h.apiProblem(w, r, "bad-request", "the body is not a multipart form: "+err.Error(), nil)
		}
		return domain.APITicket{}, false
	}
	defer r.MultipartForm.RemoveAll()
	files, err := formFiles(r)
	if err != nil {
		h.apiProblem(w, r, "bad-request", "a file of the form cannot be read: "+err.Error(), nil)
		return domain.APITicket{}, false
	}
	v := r.MultipartForm.Value
	first := func(k string) string {
		if len(v[k]) > 0 {
			return v[k][0]
		}
		return ""
	}
	return domain.APITicket{Subject: first("subject"), Body: first("body"), Requester: first("requester"),
		Category: first("category"), Attachments: files}, true
}
