package adminui

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"ticketgate/domain"
)

// memberForm is the add-member and edit-member form.
type memberForm struct {
	Email       string
	CategoryIDs []int64
	Available   bool
	AwayUntil   string // as typed, datetime-local in UTC
	until       *time.Time
	// LeaveSource is where the member's leave is read: none, microsoft
	// or google.
	LeaveSource string
	source      domain.LeaveSource
}

func newMemberForm(r *http.Request) memberForm {
	f := memberForm{Email: strings.TrimSpace(r.PostFormValue("email")), Available: r.PostFormValue("availability") != "away",
		AwayUntil: strings.TrimSpace(r.PostFormValue("away_until")), LeaveSource: strings.TrimSpace(r.PostFormValue("leave_source"))}
	for _, v := range r.PostForm["category"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			f.CategoryIDs = append(f.CategoryIDs, id)
		}
	}
	return f
}

// Validate reads the away date (UTC); the domain checks the rest.
func (f *memberForm) Validate() error {
	errs := domain.FieldErrors{}
	if f.Email == "" {
		errs["email"] = "Enter the address of an agent."
	}
	if !f.Available && f.AwayUntil != "" {
		t, err := time.Parse(datetimeLocal, f.AwayUntil)
		if err != nil {
			t, err = time.Parse(datetimeLocal+":05", f.AwayUntil)
		}
		if err != nil {
			errs["away_until"] = "Give a date and time, like 2026-12-24T09:00, or leave it empty."
		} else {
			f.until = &t
		}
	}
	if src, err := domain.ParseLeaveSource(f.LeaveSource); err != nil {
		errs["leave_source"] = "Choose none, Microsoft 365 or Google Workspace."
	} else {
		f.source = src
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// change is the form as the use case takes it.
func (f *memberForm) change() domain.TeamMemberChange {
	return domain.TeamMemberChange{Email: f.Email, CategoryIDs: f.CategoryIDs, Available: f.Available, AwayUntil: f.until, LeaveSource: f.source}
}

// LeaveSources are the choices of the leave source field.
func (f memberForm) LeaveSources() []domain.LeaveSource { return domain.LeaveSources }

// Has reports whether category id is ticked.
func (f memberForm) Has(id int64) bool { return slices.Contains(f.CategoryIDs, id) }

type teamPage struct {
	Layout
	Members    []domain.MemberLoad
	Categories map[int64]string
	CatList    []domain.CategoryInfo
	Agents     []domain.User // for the address field's suggestions
	Form       memberForm    // the add form
	Errors     domain.FieldErrors
	Now        time.Time
	// Leave holds the leave readings by member id; Events the latest
	// changes of availability.
	Leave  map[int64]domain.LeaveState
	Events []domain.TeamEvent
}

// teamEventsShown is how many availability changes the team page lists.
const teamEventsShown = 20

// adminTeam lists the team with loads and availability, and the form to
// add a member.
func (h *Handler) adminTeam(w http.ResponseWriter, r *http.Request) {
	h.showTeam(w, r, http.StatusOK, memberForm{Available: true, LeaveSource: string(domain.LeaveNone)}, nil)
}

func (h *Handler) showTeam(w http.ResponseWriter, r *http.Request, status int, f memberForm, errs domain.FieldErrors) {
	actor := adminActor(r)
	ms, err := h.desk.AdminTeam(r.Context(), actor)
	if !h.adminDone(w, r, err) {
		return
	}
	cats, err := h.desk.AdminCategories(r.Context(), actor)
	if !h.adminDone(w, r, err) {
		return
	}
	data := teamPage{Layout: h.layout(r, "Team members", "admin-team"), Members: ms, CatList: cats,
		Categories: map[int64]string{}, Form: f, Errors: errs, Now: timeNow()}
	for _, c := range cats {
		data.Categories[c.ID] = c.Name
	}
	states, events, err := h.desk.TeamLeave(r.Context(), actor, teamEventsShown)
	if !h.adminDone(w, r, err) {
		return
	}
	data.Leave, data.Events = map[int64]domain.LeaveState{}, events
	for _, s := range states {
		data.Leave[s.MemberID] = s
	}
	onTeam := map[string]bool{}
	for _, m := range ms {
		onTeam[m.Member.Email] = true
	}
	for _, role := range []domain.Role{domain.RoleAgent, domain.RoleAdmin} {
		p, err := h.desk.AdminUsers(r.Context(), actor, domain.UserQuery{Role: role}, 1)
		if !h.adminDone(w, r, err) {
			return
		}
		for _, u := range p.Users {
			if !onTeam[u.Email] && !u.Disabled {
				data.Agents = append(data.Agents, u)
			}
		}
	}
	h.render(w, r, status, "admin_team", data)
}

// adminTeamAdd puts a user on the team.
func (h *Handler) adminTeamAdd(w http.ResponseWriter, r *http.Request) {
	f := newMemberForm(r)
	if err := f.Validate(); err != nil {
		fe, _ := asFieldErrors(err)
		h.showTeam(w, r, http.StatusUnprocessableEntity, f, fe)
		return
	}
	_, err := h.desk.SaveTeamMember(r.Context(), adminActor(r), f.change())
	if fe, ok := asFieldErrors(err); ok {
		h.showTeam(w, r, http.StatusUnprocessableEntity, f, fe)
		return
	}
	if !h.adminDone(w, r, err) {
		return
	}
	http.Redirect(w, r, "/admin/team?ok=membersaved", http.StatusSeeOther)
}

type memberPage struct {
	Layout
	Load    *domain.MemberLoad
	CatList []domain.CategoryInfo
	Form    memberForm
	Errors  domain.FieldErrors
	Away    bool // away now
}

// adminMember shows the edit form of team member :id.
func (h *Handler) adminMember(w http.ResponseWriter, r *http.Request) {
	h.showMember(w, r, http.StatusOK, nil, nil)
}

func (h *Handler) showMember(w http.ResponseWriter, r *http.Request, status int, f *memberForm, errs domain.FieldErrors) {
	id, isNew, ok := idParam(r)
	if !ok || isNew {
		h.notFound(w, r)
		return
	}
	actor := adminActor(r)
	m, err := h.desk.AdminTeamMember(r.Context(), actor, id)
	if !h.adminDone(w, r, err) {
		return
	}
	cats, err := h.desk.AdminCategories(r.Context(), actor)
	if !h.adminDone(w, r, err) {
		return
	}
	data := memberPage{Layout: h.layout(r, "Team member "+m.Member.Email, "admin-team"), Load: m, CatList: cats, Errors: errs,
		Away: !m.Member.IsAvailable(timeNow())}
	if f != nil {
		data.Form = *f
	} else {
		data.Form = memberForm{Email: m.Member.Email, CategoryIDs: m.Member.CategoryIDs, Available: m.Member.Available,
			LeaveSource: string(m.Member.LeaveSource)}
		if m.Member.AwayUntil != nil && !m.Member.Available {
			data.Form.AwayUntil = m.Member.AwayUntil.UTC().Format(datetimeLocal)
		}
	}
	h.render(w, r, status, "admin_member", data)
}

// adminMemberSave saves a member's categories and availability.
func (h *Handler) adminMemberSave(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	if !ok || isNew {
		h.notFound(w, r)
		return
	}
	m, err := h.desk.AdminTeamMember(r.Context(), adminActor(r), id)
	if !h.adminDone(w, r, err) {
		return
	}
	f := newMemberForm(r)
	f.Email = m.Member.Email // the member is the one of the URL
	if err := f.Validate(); err != nil {
		fe, _ := asFieldErrors(err)
		h.showMember(w, r, http.StatusUnprocessableEntity, &f, fe)
		return
	}
	_, err = h.desk.SaveTeamMember(r.Context(), adminActor(r), f.change())
	if fe, ok := asFieldErrors(err); ok {
		h.showMember(w, r, http.StatusUnprocessableEntity, &f, fe)
		return
	}
	if !h.adminDone(w, r, err) {
		return
	}
	http.Redirect(w, r, "/admin/team?ok=membersaved", http.StatusSeeOther)
}

// adminMemberRemove takes a member off the team.
func (h *Handler) adminMemberRemove(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	if !ok || isNew {
		h.notFound(w, r)
		return
	}
	if !h.adminDone(w, r, h.desk.RemoveTeamMember(r.Context(), adminActor(r), id)) {
		return
	}
	http.Redirect(w, r, "/admin/team?ok=memberremoved", http.StatusSeeOther)
}
