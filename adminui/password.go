package adminui

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"ticketgate/domain"
)

// passwordForm changes a password; Current is empty on a password link.
type passwordForm struct {
	Current string
	New     string
	Confirm string
}

func newPasswordForm(r *http.Request) passwordForm {
	return passwordForm{Current: r.PostFormValue("current"), New: r.PostFormValue("new"), Confirm: r.PostFormValue("confirm")}
}

// Validate checks what needs no database; the password rules are the
// domain's (domain.CheckNewPassword).
func (f passwordForm) Validate(needCurrent bool) error {
	switch {
	case needCurrent && f.Current == "":
		return errors.New("Enter your current password.")
	case f.New == "":
		return errors.New("Enter a new password.")
	case f.New != f.Confirm:
		return errors.New("The two new passwords differ.")
	}
	return nil
}

type passwordPage struct {
	Layout
	Error string
}

func (h *Handler) passwordPage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "password", passwordPage{Layout: h.layout(r, "Change password", "profile")})
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	f := newPasswordForm(r)
	again := func(status int, msg string) {
		h.render(w, r, status, "password", passwordPage{Layout: h.layout(r, "Change password", "profile"), Error: msg})
	}
	if err := f.Validate(true); err != nil {
		again(http.StatusUnprocessableEntity, err.Error())
		return
	}
	_, token, err := h.desk.ChangePassword(r.Context(), stateOf(r).user.ID, f.Current, f.New, clientAddr(r))
	var throttled *domain.ThrottledError
	switch {
	case errors.As(err, &throttled):
		again(http.StatusTooManyRequests, fmt.Sprintf("Too many wrong passwords. For your safety, please wait %s and try again.", retryAfter(w, throttled.RetryAfter)))
		return
	case errors.Is(err, domain.ErrBadCredentials):
		again(http.StatusUnprocessableEntity, "Your current password is not right.")
		return
	case errors.Is(err, domain.ErrInvalid):
		again(http.StatusUnprocessableEntity, adminMessage(err))
		return
	case err != nil:
		h.internalError(w, r, err)
		return
	}
	h.startSession(w, token)
	http.Redirect(w, r, "/?ok=password", http.StatusSeeOther)
}

// forgotForm asks for a password link.
type forgotForm struct{ Email string }

func newForgotForm(r *http.Request) forgotForm {
	return forgotForm{Email: strings.TrimSpace(r.PostFormValue("email"))}
}

// Validate checks that an address was given.
func (f forgotForm) Validate() error {
	if f.Email == "" {
		return errors.New("Enter the email address you sign in with.")
	}
	return nil
}

type forgotPage struct {
	Layout
	Email string
	Sent  bool
	Error string
}

func (h *Handler) forgotPage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "forgot", forgotPage{Layout: h.layout(r, "Forgot password", "")})
}

// forgot answers the same whether or not the address has an account, and
// whether or not the request was throttled or the mail failed: those are
// only logged.
func (h *Handler) forgot(w http.ResponseWriter, r *http.Request) {
	f := newForgotForm(r)
	if err := f.Validate(); err != nil {
		h.render(w, r, http.StatusUnprocessableEntity, "forgot", forgotPage{Layout: h.layout(r, "Forgot password", ""), Error: err.Error()})
		return
	}
	if h.passwordRefused(f.Email) {
		// OIDC_ONLY: a link would sign in with a password. The answer is
		// the same, so that it does not tell the break-glass address.
		h.log.WarnContext(r.Context(), "password link not sent: OIDC_ONLY", slog.String("request_id", requestID(r.Context())))
	} else if err := h.desk.RequestPasswordLink(r.Context(), f.Email, clientAddr(r), h.baseURL); err != nil {
		h.log.ErrorContext(r.Context(), "password link not sent", slog.String("request_id", requestID(r.Context())), slog.Any("error", err))
	}
	h.render(w, r, http.StatusOK, "forgot", forgotPage{Layout: h.layout(r, "Forgot password", ""), Email: f.Email, Sent: true})
}

type resetPage struct {
	Layout
	Invalid bool
	Email   string
	Purpose string
	Action  string
	Error   string
}

func (h *Handler) resetPage(w http.ResponseWriter, r *http.Request) {
	token := httprouter.ParamsFromContext(r.Context()).ByName("token")
	u, purpose, err := h.desk.CheckPasswordLink(r.Context(), token)
	h.showReset(w, r, token, u, purpose, err, "")
}

func (h *Handler) showReset(w http.ResponseWriter, r *http.Request, token string, u *domain.User, purpose string, err error, msg string) {
	l := h.layout(r, "Set your password", "")
	switch {
	case errors.Is(err, domain.ErrLinkInvalid):
		h.render(w, r, http.StatusGone, "reset", resetPage{Layout: l, Invalid: true})
		return
	case err != nil:
		h.internalError(w, r, err)
		return
	case h.passwordRefused(u.Email):
		h.ssoOnly(w, r)
		return
	}
	status := http.StatusOK
	if msg != "" {
		status = http.StatusUnprocessableEntity
	}
	h.render(w, r, status, "reset", resetPage{Layout: l, Email: u.Email, Purpose: purpose,
		Action: domain.PasswordLinkPath + token, Error: msg})
}

func (h *Handler) reset(w http.ResponseWriter, r *http.Request) {
	token := httprouter.ParamsFromContext(r.Context()).ByName("token")
	f := newPasswordForm(r)
	if err := f.Validate(false); err != nil {
		u, purpose, lerr := h.desk.CheckPasswordLink(r.Context(), token)
		h.showReset(w, r, token, u, purpose, lerr, err.Error())
		return
	}
	if u, _, err := h.desk.CheckPasswordLink(r.Context(), token); err == nil && h.passwordRefused(u.Email) {
		h.ssoOnly(w, r) // OIDC_ONLY: a password link would sign in with a password
		return
	}
	_, session, _, err := h.desk.SetPasswordWithLink(r.Context(), token, f.New, clientAddr(r))
	if errors.Is(err, domain.ErrInvalid) {
		u, purpose, lerr := h.desk.CheckPasswordLink(r.Context(), token)
		h.showReset(w, r, token, u, purpose, lerr, adminMessage(err))
		return
	}
	if err != nil {
		h.showReset(w, r, token, nil, "", err, "")
		return
	}
	if err := h.desk.SignOut(r.Context(), stateOf(r).token); err != nil {
		h.log.WarnContext(r.Context(), "end previous session", slog.Any("error", err))
	}
	h.startSession(w, session)
	http.Redirect(w, r, "/?ok=password", http.StatusSeeOther)
}
