package adminui

import (
	"net/http"
	"strings"

	"ticketgate/domain"
	"ticketgate/domain/i18n"
)

// localeForm is a user's language and time zone as the "locale-fields"
// partial shows them (the profile and the admin user page).
type localeForm struct {
	Language    string
	TimeZone    string
	DefaultZone string // DEFAULT_TIMEZONE, named in the help text
	Languages   []languageChoice
}

// languageChoice is an option of the language menu: each language named
// in itself.
type languageChoice struct{ Code, Name string }

func (h *Handler) newLocaleForm(language, timeZone string) localeForm {
	f := localeForm{Language: language, TimeZone: timeZone, DefaultZone: h.defaultZone}
	if f.DefaultZone == "" {
		f.DefaultZone = "UTC"
	}
	for _, code := range i18n.Supported() {
		f.Languages = append(f.Languages, languageChoice{Code: code, Name: h.catalog.For(code, nil).T("language." + code)})
	}
	return f
}

// readLocaleForm reads the language and time zone fields of a form.
func (h *Handler) readLocaleForm(r *http.Request) localeForm {
	return h.newLocaleForm(strings.TrimSpace(r.PostFormValue("language")), strings.TrimSpace(r.PostFormValue("timezone")))
}

type profilePage struct {
	Layout
	Locale localeForm
	Errors domain.FieldErrors
}

func (h *Handler) profile(w http.ResponseWriter, r *http.Request) {
	u := stateOf(r).user
	h.render(w, r, http.StatusOK, "profile", profilePage{Layout: h.layout(r, "Profile", "profile"),
		Locale: h.newLocaleForm(u.Language, u.TimeZone)})
}

// profileSave sets the signed-in user's language and time zone; the next
// page is in the new language.
func (h *Handler) profileSave(w http.ResponseWriter, r *http.Request) {
	f := h.readLocaleForm(r)
	_, err := h.desk.SetMyLocale(r.Context(), domain.Actor{Email: stateOf(r).user.Email}, f.Language, f.TimeZone)
	if fe, ok := asFieldErrors(err); ok {
		h.render(w, r, http.StatusUnprocessableEntity, "profile", profilePage{Layout: h.layout(r, "Profile", "profile"), Locale: f, Errors: fe})
		return
	}
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, "/profile?ok=profile", http.StatusSeeOther)
}
