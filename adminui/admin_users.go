package adminui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"ticketgate/domain"
)

// The admin pages of users, categories and team members (portal part 2).
// Every route is adminOnly (404 for anyone else); the use cases check the
// role again and hold every rule. A form that fails comes back with the
// user's input and a message next to each wrong field (status 422); a
// success redirects with a ?ok= notice.

// adminActor is the signed-in admin as the use cases name actors.
func adminActor(r *http.Request) domain.Actor {
	u := stateOf(r).user
	return domain.Actor{Email: u.Email, Admin: u.IsAdmin()}
}

// idParam reads the :id path value: a positive number, or "new" (new is
// true then).
func idParam(r *http.Request) (id int64, isNew, ok bool) {
	v := pathValue(r, "id")
	if v == "new" {
		return 0, true, true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	return id, false, err == nil && id > 0
}

// asFieldErrors returns err's field messages, if it has any.
func asFieldErrors(err error) (domain.FieldErrors, bool) {
	var fe domain.FieldErrors
	ok := errors.As(err, &fe)
	return fe, ok
}

type usersPage struct {
	Layout
	Roles []domain.Role
	Role  domain.Role
	Query string
	Page  *domain.UserPage
	Base  string
}

// adminUsers lists users, filtered by ?role= and searched by ?q=.
func (h *Handler) adminUsers(w http.ResponseWriter, r *http.Request) {
	data := usersPage{Layout: h.layout(r, "Users", "admin-users"), Roles: domain.Roles,
		Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	if role, err := domain.ParseRole(r.URL.Query().Get("role")); err == nil && r.URL.Query().Get("role") != "" {
		data.Role = role
	}
	v := url.Values{}
	if data.Role != "" {
		v.Set("role", string(data.Role))
	}
	if data.Query != "" {
		v.Set("q", data.Query)
	}
	data.Base = "/admin/users?" + v.Encode()
	p, err := h.desk.AdminUsers(r.Context(), adminActor(r), domain.UserQuery{Role: data.Role, Text: data.Query}, pageNumber(r))
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	data.Page = p
	h.render(w, r, http.StatusOK, "admin_users", data)
}

// userForm is the new-user and edit-user form.
type userForm struct {
	Email  string
	Name   string
	Role   string
	Invite bool
	Locale localeForm
}

func (h *Handler) newUserForm(r *http.Request) userForm {
	return userForm{Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Role: r.PostFormValue("role"), Invite: r.PostFormValue("password") == "invite", Locale: h.readLocaleForm(r)}
}

// Validate checks that what must be there is; the rules are the domain's.
func (f userForm) Validate(isNew bool) error {
	errs := domain.FieldErrors{}
	if isNew && f.Email == "" {
		errs["email"] = "Enter the user's email address."
	}
	if f.Role == "" {
		errs["role"] = "Choose a role."
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

type userPage struct {
	Layout
	New     bool
	Account *domain.User // the user shown; nil when new (Layout.User is who is signed in)
	Form    userForm
	Roles   []domain.Role
	Errors  domain.FieldErrors
	Member  *domain.TeamMember // the user's team membership, if any
}

// Locale is the form's language and time zone, for the "locale-fields"
// partial.
func (p userPage) Locale() localeForm { return p.Form.Locale }

// adminUser shows the edit form of user :id, or the new-user form.
func (h *Handler) adminUser(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	switch {
	case !ok:
		h.notFound(w, r)
	case isNew:
		h.render(w, r, http.StatusOK, "admin_user", userPage{Layout: h.layout(r, "New user", "admin-users"), New: true,
			Form: userForm{Role: string(domain.RoleEmployee), Invite: true, Locale: h.newLocaleForm("", "")}, Roles: domain.Roles})
	default:
		h.showUser(w, r, http.StatusOK, id, nil, nil)
	}
}

// showUser renders user id's page; form and errs are a failed form's.
func (h *Handler) showUser(w http.ResponseWriter, r *http.Request, status int, id int64, form *userForm, errs domain.FieldErrors) {
	u, err := h.desk.AdminUser(r.Context(), adminActor(r), id)
	if h.lookupFailed(w, r, err) {
		return
	}
	data := userPage{Layout: h.layout(r, "User "+u.Email, "admin-users"), Account: u, Roles: domain.Roles, Errors: errs,
		Form: userForm{Email: u.Email, Name: u.Name, Role: string(u.Role), Locale: h.newLocaleForm(u.Language, u.TimeZone)}}
	if form != nil {
		data.Form.Name, data.Form.Role, data.Form.Locale = form.Name, form.Role, form.Locale
	}
	switch m, err := h.desk.TeamMemberOf(r.Context(), u); {
	case err == nil:
		data.Member = m
	case !errors.Is(err, domain.ErrNotFound):
		h.internalError(w, r, err)
		return
	}
	h.render(w, r, status, "admin_user", data)
}

// adminUserSave creates a user (:id "new") or saves a user's name and role.
func (h *Handler) adminUserSave(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	if !ok {
		h.notFound(w, r)
		return
	}
	f := h.newUserForm(r)
	if isNew {
		h.createUser(w, r, f)
		return
	}
	if err := f.Validate(false); err != nil {
		fe, _ := asFieldErrors(err)
		h.showUser(w, r, http.StatusUnprocessableEntity, id, &f, fe)
		return
	}
	_, err := h.desk.AdminUpdateUser(r.Context(), adminActor(r), id, domain.UserChange{Name: f.Name, Role: domain.Role(f.Role),
		Language: f.Locale.Language, TimeZone: f.Locale.TimeZone})
	if fe, ok := asFieldErrors(err); ok {
		h.showUser(w, r, http.StatusUnprocessableEntity, id, &f, fe)
		return
	}
	if !h.adminDone(w, r, err) {
		return
	}
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10)+"?ok=usersaved", http.StatusSeeOther)
}

// adminDone handles a use case's error that is not a form's: 404 for
// what does not exist, the error page otherwise. It reports whether
// there was no error.
func (h *Handler) adminDone(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, domain.ErrNotFound), errors.Is(err, domain.ErrForbidden):
		h.notFound(w, r)
	default:
		h.internalError(w, r, err)
	}
	return false
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, f userForm) {
	again := func(errs domain.FieldErrors) {
		h.render(w, r, http.StatusUnprocessableEntity, "admin_user", userPage{Layout: h.layout(r, "New user", "admin-users"),
			New: true, Form: f, Roles: domain.Roles, Errors: errs})
	}
	if err := f.Validate(true); err != nil {
		fe, _ := asFieldErrors(err)
		again(fe)
		return
	}
	u, password, err := h.desk.AdminAddUser(r.Context(), adminActor(r), domain.NewUserRequest{Email: f.Email, Name: f.Name,
		Role: domain.Role(f.Role), Invite: f.Invite, BaseURL: h.baseURL, Language: f.Locale.Language, TimeZone: f.Locale.TimeZone})
	if fe, ok := asFieldErrors(err); ok {
		again(fe)
		return
	}
	if !h.adminDone(w, r, err) {
		return
	}
	if f.Invite {
		http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10)+"?ok=invited", http.StatusSeeOther)
		return
	}
	h.showPassword(w, r, u, password, true)
}

type passwordShownPage struct {
	Layout
	Account  *domain.User // whose password it is (Layout.User is who is signed in)
	Password string
	Created  bool
}

// showPassword shows a one-time password once, as the answer to the POST
// that made it: it is in no URL, log or database (only its hash), and the
// page is not cached (render sends no-store). Reloading asks to send the
// form again, which makes another password.
func (h *Handler) showPassword(w http.ResponseWriter, r *http.Request, u *domain.User, password string, created bool) {
	title := "Password reset"
	if created {
		title = "User created"
	}
	h.render(w, r, http.StatusOK, "admin_password", passwordShownPage{Layout: h.layout(r, title, "admin-users"),
		Account: u, Password: password, Created: created})
}

func (h *Handler) adminUserDisable(w http.ResponseWriter, r *http.Request) { h.setDisabled(w, r, true) }
func (h *Handler) adminUserEnable(w http.ResponseWriter, r *http.Request)  { h.setDisabled(w, r, false) }

func (h *Handler) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	id, isNew, ok := idParam(r)
	if !ok || isNew {
		h.notFound(w, r)
		return
	}
	_, err := h.desk.AdminSetUserDisabled(r.Context(), adminActor(r), id, disabled)
	if fe, ok := asFieldErrors(err); ok {
		h.showUser(w, r, http.StatusUnprocessableEntity, id, nil, fe)
		return
	}
	if !h.adminDone(w, r, err) {
		return
	}
	code := "enabled"
	if disabled {
		code = "disabled"
	}
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10)+"?ok="+code, http.StatusSeeOther)
}

func (h *Handler) adminUserResetPassword(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	if !ok || isNew {
		h.notFound(w, r)
		return
	}
	u, password, err := h.desk.AdminResetPassword(r.Context(), adminActor(r), id)
	if !h.adminDone(w, r, err) {
		return
	}
	h.showPassword(w, r, u, password, false)
}

func (h *Handler) adminUserInvite(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	if !ok || isNew {
		h.notFound(w, r)
		return
	}
	_, err := h.desk.AdminInvite(r.Context(), adminActor(r), id, h.baseURL)
	if fe, ok := asFieldErrors(err); ok {
		h.showUser(w, r, http.StatusUnprocessableEntity, id, nil, fe)
		return
	}
	if !h.adminDone(w, r, err) {
		return
	}
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10)+"?ok=invited", http.StatusSeeOther)
}
