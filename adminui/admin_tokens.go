package adminui

import (
	"errors"
	"net/http"
	"strings"

	"ticketgate/domain"
)

// The admin's API tokens: the list with a revoke button per token, and the
// form that makes one. A new token is shown on the page that answers the
// form, once: it is not stored, so the page after a reload no longer has it.

type tokensPage struct {
	Layout
	Tokens []domain.APIToken
	Form   tokenForm
	Errors domain.FieldErrors
	// Created and Token are the token just made, shown this once.
	Created *domain.APIToken
	Token   string
}

// tokenForm is the new token form.
type tokenForm struct {
	User  string
	Name  string
	Scope string
}

func newTokenForm(r *http.Request) tokenForm {
	return tokenForm{User: strings.TrimSpace(r.PostFormValue("user")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Scope: strings.TrimSpace(r.PostFormValue("scope"))}
}

// Validate checks what the form alone can tell.
func (f tokenForm) Validate() error {
	fe := domain.FieldErrors{}
	if f.User == "" {
		fe["user"] = "Give the address of the user the token acts for."
	}
	if f.Name == "" {
		fe["name"] = "Give the token a name, to know it again in this list."
	}
	if _, err := domain.ParseAPIScope(f.Scope); err != nil || f.Scope == "" {
		fe["scope"] = "Choose read or write."
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// adminTokens lists the tokens with the form for a new one.
func (h *Handler) adminTokens(w http.ResponseWriter, r *http.Request) {
	h.showTokens(w, r, http.StatusOK, tokensPage{Form: tokenForm{User: stateOf(r).user.Email, Scope: string(domain.ScopeRead)}})
}

func (h *Handler) showTokens(w http.ResponseWriter, r *http.Request, status int, data tokensPage) {
	ts, err := h.desk.APITokens(r.Context())
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	data.Tokens = ts
	data.Layout = h.layout(r, "API tokens", "admin-tokens")
	if status != http.StatusOK {
		data.Layout.Notice = ""
	}
	h.render(w, r, status, "admin_tokens", data)
}

// adminTokenCreate makes a token and shows it once.
func (h *Handler) adminTokenCreate(w http.ResponseWriter, r *http.Request) {
	f := newTokenForm(r)
	if err := f.Validate(); err != nil {
		fe, _ := asFieldErrors(err)
		h.showTokens(w, r, http.StatusUnprocessableEntity, tokensPage{Form: f, Errors: fe})
		return
	}
	scope, _ := domain.ParseAPIScope(f.Scope)
	t, token, err := h.desk.CreateAPIToken(r.Context(), f.User, f.Name, scope)
	if errors.Is(err, domain.ErrInvalid) {
		msg := strings.TrimPrefix(err.Error(), domain.ErrInvalid.Error()+": ")
		field := "user"
		if strings.Contains(msg, "name") {
			field = "name"
		}
		h.showTokens(w, r, http.StatusUnprocessableEntity, tokensPage{Form: f, Errors: domain.FieldErrors{field: msg}})
		return
	}
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	// No redirect: the token must reach the admin, and only here.
	w.Header().Set("Cache-Control", "no-store")
	h.showTokens(w, r, http.StatusOK, tokensPage{Form: tokenForm{User: f.User, Scope: f.Scope}, Created: t, Token: token})
}

// adminTokenRevoke ends a token.
func (h *Handler) adminTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, isNew, ok := idParam(r)
	if !ok || isNew {
		h.notFound(w, r)
		return
	}
	if !h.adminDone(w, r, h.desk.RevokeAPIToken(r.Context(), id)) {
		return
	}
	http.Redirect(w, r, "/admin/tokens?ok=tokenrevoked", http.StatusSeeOther)
}
