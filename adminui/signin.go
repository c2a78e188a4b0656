package adminui

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ticketgate/domain"
)

// signInForm is the sign-in form.
type signInForm struct {
	Email    string
	Password string
	Next     string
}

func newSignInForm(r *http.Request) signInForm {
	return signInForm{Email: strings.TrimSpace(r.PostFormValue("email")), Password: r.PostFormValue("password"),
		Next: r.PostFormValue("next")}
}

// Validate checks that both fields are there.
func (f signInForm) Validate() error {
	if f.Email == "" || f.Password == "" {
		return errors.New("Enter your email and your password.")
	}
	return nil
}

type signInPage struct {
	Layout
	Email string
	Next  string
	Error string
	SSO   string // "Sign in with …", "" without single sign-on
}

// signInData is the sign-in page; with single sign-on its form-action
// also allows the provider, where the button's answer redirects.
func (h *Handler) signInData(w http.ResponseWriter, r *http.Request, email, next, msg string) signInPage {
	allowFormsTo(w, h.ssoOrigins())
	return signInPage{Layout: h.layout(r, "Sign in", ""), Email: email, Next: next, Error: msg, SSO: h.ssoButton()}
}

func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	if u := stateOf(r).user; u != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "signin", h.signInData(w, r, "", r.URL.Query().Get("next"), ""))
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	f := newSignInForm(r)
	again := func(status int, msg string) {
		h.render(w, r, status, "signin", h.signInData(w, r, f.Email, f.Next, msg))
	}
	if err := f.Validate(); err != nil {
		again(http.StatusUnprocessableEntity, err.Error())
		return
	}
	if h.passwordRefused(f.Email) {
		h.ssoOnly(w, r)
		return
	}
	_, token, u, err := h.desk.SignIn(r.Context(), domain.SignInRequest{Email: f.Email, Password: f.Password,
		ClientAddr: clientAddr(r), OldToken: stateOf(r).token})
	var throttled *domain.ThrottledError
	switch {
	case errors.As(err, &throttled):
		again(http.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-ins. For your safety, please wait %s and try again, or ask for a password link.", retryAfter(w, throttled.RetryAfter)))
		return
	case errors.Is(err, domain.ErrBadCredentials):
		again(http.StatusUnauthorized, "Wrong email or password.")
		return
	case err != nil:
		h.internalError(w, r, err)
		return
	}
	if h.sso != nil && h.sso.cfg.Only && !u.IsAdmin() {
		// OIDC_BREAK_GLASS names someone who is not (or no longer) an
		// admin: the exception is for an admin only.
		if err := h.desk.SignOut(r.Context(), token); err != nil {
			h.internalError(w, r, err)
			return
		}
		h.ssoOnly(w, r)
		return
	}
	h.startSession(w, token)
	next := safeNext(f.Next)
	if u.MustChangePassword {
		next = "/password"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// ssoOnly answers a password sign-in, or a password link, that OIDC_ONLY
// refuses: the sign-in page with the button.
func (h *Handler) ssoOnly(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusForbidden, "signin", h.signInData(w, r, "", "",
		"Password sign-in is turned off here: use \""+h.ssoButton()+"\"."))
}

// retryAfter sets a throttled answer's Retry-After header to d and
// returns d as people read it ("a minute", "12 minutes").
func retryAfter(w http.ResponseWriter, d time.Duration) string {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
	m := int(math.Ceil(d.Minutes()))
	if m <= 1 {
		return "a minute"
	}
	return fmt.Sprintf("%d minutes", m)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	if err := h.desk.SignOut(r.Context(), stateOf(r).token); err != nil {
		h.internalError(w, r, err)
		return
	}
	h.setCookie(w, sessionCookieName, "", -1)
	// The browser drops what it kept of the session: its cache, and the
	// service worker's offline copies of the person's pages.
	w.Header().Set("Clear-Site-Data", `"cache", "storage"`)
	http.Redirect(w, r, "/signin?ok=signedout", http.StatusSeeOther)
}
