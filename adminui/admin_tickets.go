package adminui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"ticketgate/domain"
)

// ticketSearchForm is the query of the admins' ticket list, as typed.
type ticketSearchForm struct {
	Q, Status, Category, Assignee, From, To, Sort, Dir string
	search                                             domain.TicketQuery
}

func newTicketSearchForm(r *http.Request) ticketSearchForm {
	q := r.URL.Query()
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return ticketSearchForm{Q: get("q"), Status: get("status"), Category: get("category"), Assignee: get("assignee"),
		From: get("from"), To: get("to"), Sort: get("sort"), Dir: get("dir")}
}

// idChoice reads a select's value: "" (any), "none", or an id.
func idChoice(v string, none int64, what string) (int64, error) {
	switch v {
	case "":
		return 0, nil
	case "none":
		return none, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, errors.New("There is no such " + what + ".")
	}
	return id, nil
}

// Validate reads the values into the domain's query; its message speaks
// to people. The domain checks the rest (AllTickets).
func (f *ticketSearchForm) Validate() error {
	s := domain.TicketQuery{Text: f.Q, Sort: domain.TicketSort(f.Sort), Asc: f.Dir == "asc"}
	var err error
	if f.Status != "" {
		if s.Status, err = domain.ParseStatus(f.Status); err != nil {
			return errors.New("There is no status " + strconv.Quote(f.Status) + ".")
		}
	}
	if s.CategoryID, err = idChoice(f.Category, domain.NoCategory, "category"); err != nil {
		return err
	}
	if s.AssigneeID, err = idChoice(f.Assignee, domain.Nobody, "assignee"); err != nil {
		return err
	}
	if f.From != "" {
		if s.From, err = time.Parse(time.DateOnly, f.From); err != nil {
			return errors.New("Give the first day as a date, like 2026-11-01.")
		}
	}
	if f.To != "" {
		if s.To, err = time.Parse(time.DateOnly, f.To); err != nil {
			return errors.New("Give the last day as a date, like 2026-11-30.")
		}
		s.To = s.To.AddDate(0, 0, 1) // the last day is included
	}
	if f.Dir != "" && f.Dir != "asc" && f.Dir != "desc" {
		return errors.New("Sort up (asc) or down (desc).")
	}
	f.search = s
	return nil
}

// values is the form as a query, without the page and its position.
func (f ticketSearchForm) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"q": f.Q, "status": f.Status, "category": f.Category, "assignee": f.Assignee,
		"from": f.From, "to": f.To, "sort": f.Sort, "dir": f.Dir} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// sortHeader is a column header that sorts the list.
type sortHeader struct {
	Label string // its catalog key
	URL   string
	Mark  string // ▲ or ▼ on the column the list is sorted by
	Aria  string // aria-sort
}

type allTicketsPage struct {
	Layout
	Form     ticketSearchForm
	Statuses []domain.Status
	Choices  *domain.TicketChoices
	Page     *domain.TicketPage
	Base     string
	Headers  map[string]sortHeader
	Error    string
	// RankedMatches is domain.MaxRankedMatches, for the note of a list
	// cut in order of relevance.
	RankedMatches int
	// CSV is the export of the list as it is filtered and sorted
	// (admin_tickets_csv.go).
	CSV string
}

// allTickets is the admins' list of every ticket: search, filters, sort,
// keyset pages (pager.go).
func (h *Handler) allTickets(w http.ResponseWriter, r *http.Request) {
	f := newTicketSearchForm(r)
	data := allTicketsPage{Layout: h.layout(r, "All tickets", "admin-tickets"), Form: f, Statuses: domain.Statuses,
		RankedMatches: domain.MaxRankedMatches}
	var err error
	if data.Choices, err = h.desk.AdminTicketChoices(r.Context()); err != nil {
		h.internalError(w, r, err)
		return
	}
	fail := func(msg string) {
		data.Error = msg
		data.Page = &domain.TicketPage{Page: 1, Pages: 1}
		h.render(w, r, http.StatusUnprocessableEntity, "admin_tickets", data)
	}
	if err := f.Validate(); err != nil {
		fail(err.Error())
		return
	}
	at, err := pageAt(r)
	if err != nil {
		fail(adminMessage(err))
		return
	}
	data.Page, err = h.desk.AllTickets(r.Context(), f.search, at)
	if errors.Is(err, domain.ErrInvalid) {
		fail(adminMessage(err))
		return
	}
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	data.Base = "/admin/tickets?" + f.values().Encode()
	data.CSV = "/admin/tickets.csv"
	if v := f.values().Encode(); v != "" {
		data.CSV += "?" + v
	}
	data.Headers = map[string]sortHeader{}
	cur := f.search.Sort
	for key, label := range map[domain.TicketSort]string{domain.SortCreated: "list.ref", domain.SortUpdated: "list.updated",
		domain.SortStatus: "list.status", domain.SortSubject: "list.subject"} {
		v := f.values()
		v.Set("sort", string(key))
		hd := sortHeader{Label: label}
		switch {
		case key == cur && !f.search.Asc:
			v.Set("dir", "asc")
			hd.Mark, hd.Aria = " ▼", "descending"
		case key == cur:
			v.Set("dir", "desc")
			hd.Mark, hd.Aria = " ▲", "ascending"
		default:
			v.Del("dir")
		}
		hd.URL = "/admin/tickets?" + v.Encode()
		data.Headers[string(key)] = hd
	}
	if f.search.Text != "" { // a link back to the default order of a search
		v := f.values()
		v.Set("sort", string(domain.SortRelevance))
		v.Del("dir")
		hd := sortHeader{Label: "admin.tickets.relevance", URL: "/admin/tickets?" + v.Encode()}
		if f.search.DefaultSort() == domain.SortRelevance {
			hd.Mark, hd.Aria = " ▼", "descending"
		}
		data.Headers[string(domain.SortRelevance)] = hd
	}
	h.render(w, r, http.StatusOK, "admin_tickets", data)
}

// adminMessage is the sentence for people in a domain error: what follows
// its last "invalid: ", capitalized, with a full stop.
func adminMessage(err error) string {
	msg := err.Error()
	for _, sentinel := range []error{domain.ErrInvalid, domain.ErrIllegalTransition, domain.ErrConflict, domain.ErrForbidden} {
		if i := strings.LastIndex(msg, sentinel.Error()+": "); i >= 0 {
			msg = msg[i+len(sentinel.Error())+2:]
			break
		}
	}
	if msg == "" {
		return "That did not work."
	}
	// The first letter, not the first byte: a sentence may open with a
	// quotation mark (“file.exe” is a program…).
	first, n := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(first)) + msg[n:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

type adminTicketPage struct {
	Layout
	Detail  *domain.TicketDetail
	Can     domain.AdminActions
	Choices *domain.TicketChoices
	Now     time.Time // for the agents' availability
	// After a refused form: its message and input.
	Error                                          string
	Category, AgentEmail, Note, CloseNote, Comment string
	DecideComment                                  string
	MaxFiles                                       string // how large a comment's files may be together
	NoteText                                       string // the internal note form's
	// The comment form's canned replies (ticket_canned.go) and the one
	// chosen last.
	Canned   []domain.CannedReply
	CannedID int64
}

// adminTicket is a ticket with every admin action its status allows.
func (h *Handler) adminTicket(w http.ResponseWriter, r *http.Request) {
	h.showAdminTicket(w, r, http.StatusOK, adminTicketPage{})
}

func (h *Handler) showAdminTicket(w http.ResponseWriter, r *http.Request, status int, data adminTicketPage) {
	id, ok := ticketID(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	td, err := h.desk.Ticket(r.Context(), id)
	if h.lookupFailed(w, r, err) {
		return
	}
	if data.Choices, err = h.desk.AdminTicketChoices(r.Context()); err != nil {
		h.internalError(w, r, err)
		return
	}
	if data.Canned, err = h.desk.CannedRepliesFor(r.Context(), stateOf(r).user, &td.Ticket); err != nil {
		h.internalError(w, r, err)
		return
	}
	data.Layout = h.layout(r, td.Ticket.Ref()+" "+td.Ticket.Subject, "admin-tickets")
	if status != http.StatusOK {
		data.Layout.Notice = ""
	}
	data.Detail, data.Can, data.Now = td, domain.AdminActionsFor(&td.Ticket), timeNow()
	data.MaxFiles = h.localizer(r).Size(h.desk.MaxCommentFileBytes())
	if data.Category == "" {
		data.Category = td.Ticket.Category
	}
	h.render(w, r, status, "admin_ticket", data)
}

// adminAction runs one admin action on the ticket of r's :ref: form reads
// and checks the input (a message for people, or ""), act runs the use
// case. A refused action shows the ticket again with the message and the
// input (data); success redirects with the notice ok.
func (h *Handler) adminAction(w http.ResponseWriter, r *http.Request, data adminTicketPage, invalid string,
	act func(id int64) error, ok string) {
	id, found := ticketID(r)
	if !found {
		h.notFound(w, r)
		return
	}
	if _, err := h.desk.Ticket(r.Context(), id); h.lookupFailed(w, r, err) {
		return
	}
	if invalid != "" {
		data.Error = invalid
		h.showAdminTicket(w, r, http.StatusUnprocessableEntity, data)
		return
	}
	err := act(id)
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin/tickets/"+domain.FormatRef(id)+"?ok="+ok, http.StatusSeeOther)
	case errors.Is(err, domain.ErrInvalid):
		data.Error = adminMessage(err)
		h.showAdminTicket(w, r, http.StatusUnprocessableEntity, data)
	case errors.Is(err, domain.ErrNotFound):
		data.Error = "What this form names no longer exists; the page shows what there is now."
		h.showAdminTicket(w, r, http.StatusUnprocessableEntity, data)
	case errors.Is(err, domain.ErrIllegalTransition), errors.Is(err, domain.ErrConflict), errors.Is(err, domain.ErrForbidden):
		data.Error = "This cannot be done on this ticket now (" + adminMessage(err) + ") The page shows where it stands."
		h.showAdminTicket(w, r, http.StatusConflict, data)
	default:
		h.internalError(w, r, err)
	}
}

// ticketCategoryForm picks a ticket's category.
type ticketCategoryForm struct{ Category string }

func newTicketCategoryForm(r *http.Request) ticketCategoryForm {
	return ticketCategoryForm{Category: strings.TrimSpace(r.PostFormValue("category"))}
}

func (f ticketCategoryForm) Validate() error {
	if f.Category == "" {
		return errors.New("Pick a category.")
	}
	return nil
}

func (h *Handler) adminCategorize(w http.ResponseWriter, r *http.Request) {
	f := newTicketCategoryForm(r)
	h.adminAction(w, r, adminTicketPage{Category: f.Category}, errText(f.Validate()), func(id int64) error {
		_, err := h.desk.Categorize(r.Context(), id, f.Category, adminActor(r))
		return err
	}, "categorized")
}

// decideForm is an admin's decision for an approver.
type decideForm struct {
	ApprovalID int64
	Decision   domain.Decision
	Comment    string
}

func newDecideForm(r *http.Request) decideForm {
	f := decideForm{Comment: strings.TrimSpace(r.PostFormValue("comment"))}
	f.ApprovalID, _ = strconv.ParseInt(pathValue(r, "id"), 10, 64)
	switch r.PostFormValue("decision") {
	case "approve":
		f.Decision = domain.DecisionApproved
	case "reject":
		f.Decision = domain.DecisionRejected
	}
	return f
}

func (f decideForm) Validate() error {
	switch {
	case f.ApprovalID <= 0:
		return errors.New("There is no such approval.")
	case f.Decision == "":
		return errors.New("Choose Approve or Reject.")
	case len([]rune(f.Comment)) > 2000:
		return errors.New("The comment is longer than 2000 characters.")
	}
	return nil
}

func (h *Handler) adminDecide(w http.ResponseWriter, r *http.Request) {
	f := newDecideForm(r)
	h.adminAction(w, r, adminTicketPage{DecideComment: f.Comment}, errText(f.Validate()), func(id int64) error {
		// The approval must be this ticket's: the URL names both.
		td, err := h.desk.Ticket(r.Context(), id)
		if err != nil {
			return err
		}
		mine := false
		for _, a := range td.Approvals {
			mine = mine || a.ID == f.ApprovalID
		}
		if !mine {
			return domain.ErrNotFound
		}
		return h.desk.Decide(r.Context(), f.ApprovalID, f.Decision, f.Comment, adminActor(r))
	}, "decided")
}

// assignForm gives a ticket to a team member.
type assignForm struct{ Agent string }

func newAssignForm(r *http.Request) assignForm {
	return assignForm{Agent: strings.TrimSpace(r.PostFormValue("agent"))}
}

func (f assignForm) Validate() error {
	if f.Agent == "" {
		return errors.New("Pick the team member who gets the ticket.")
	}
	return nil
}

func (h *Handler) adminReassign(w http.ResponseWriter, r *http.Request) {
	f := newAssignForm(r)
	h.adminAction(w, r, adminTicketPage{AgentEmail: f.Agent}, errText(f.Validate()), func(id int64) error {
		_, err := h.desk.Reassign(r.Context(), id, f.Agent, adminActor(r))
		return err
	}, "reassigned")
}

func (h *Handler) adminResolve(w http.ResponseWriter, r *http.Request) {
	f := newResolveForm(r)
	h.adminAction(w, r, adminTicketPage{Note: f.Note}, "", func(id int64) error {
		_, err := h.desk.ResolveAs(r.Context(), stateOf(r).user, id, f.Note)
		return err
	}, "adminresolve")
}

// closeForm closes a ticket with an optional note.
type closeForm struct{ Note string }

func newCloseForm(r *http.Request) closeForm {
	return closeForm{Note: strings.TrimSpace(r.PostFormValue("note"))}
}

func (f closeForm) Validate() error {
	if len([]rune(f.Note)) > domain.MaxResolutionNote {
		return errors.New("The note is too long.")
	}
	return nil
}

func (h *Handler) adminClose(w http.ResponseWriter, r *http.Request) {
	f := newCloseForm(r)
	h.adminAction(w, r, adminTicketPage{CloseNote: f.Note}, errText(f.Validate()), func(id int64) error {
		_, err := h.desk.CloseTicket(r.Context(), id, f.Note, adminActor(r))
		return err
	}, "closed")
}

func (h *Handler) adminReopen(w http.ResponseWriter, r *http.Request) {
	h.adminAction(w, r, adminTicketPage{}, "", func(id int64) error {
		_, err := h.desk.ReopenTicket(r.Context(), id, adminActor(r))
		return err
	}, "adminreopen")
}

func (h *Handler) adminComment(w http.ResponseWriter, r *http.Request) {
	f, err := newCommentForm(r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	h.adminAction(w, r, adminTicketPage{Comment: f.Text}, errText(f.Validate(h.desk.MaxCommentFileBytes())), func(id int64) error {
		return h.desk.CommentWithFilesAs(r.Context(), stateOf(r).user, id, domain.PortalComment{Text: f.Text, Files: f.Files})
	}, "admincomment")
}

// errText is err's message, or "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
