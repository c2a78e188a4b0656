package adminui

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"ticketgate/domain"
	"ticketgate/domain/mailauth"
)

// Connect and Reconnect: the authorization-code flow with PKCE, run in
// the admin's browser, for a mailbox with a delegated OAuth2 grant.
//
//  1. POST /admin/mail/mailboxes/:address/connect (CSRF-checked): the
//     hook builds the mailbox's provider and starts an authorization; its
//     state, PKCE verifier and the address come back sealed (SECRET_KEY),
//     bound to the admin's session, and go into a short-lived HttpOnly
//     cookie; the browser is sent to the provider.
//  2. The provider sends the browser back to GET MailboxCallbackPath with
//     a code and the state (or an error). The admin must still be signed
//     in with the same session; the hook opens the cookie, checks the
//     state, trades the code (with the verifier) for tokens, keeps them
//     in the mailbox's token store; the mailbox's state goes back to new
//     (domain.Desk.MailboxConnected) and this instance's poller of it is
//     woken. The cookie is cleared whatever happened.

// MailboxCallbackPath is where an OAuth2 provider sends the admin back;
// BASE_URL + MailboxCallbackPath is the redirect URI to register.
const MailboxCallbackPath = "/admin/mailboxes/oauth/callback"

// oauthCookieName holds a pending connection; oauthCookieAge bounds it.
const (
	oauthCookieName = "tg_oauth"
	oauthCookieAge  = 10 * 60 // seconds
)

// MailboxOAuth connects delegated OAuth2 mailboxes; cmd implements it with
// the mailbox's provider settings, its secrets and the token store. bind
// names the admin's session: what Start seals opens in Finish only with
// the same bind. Errors are for admins to read and never hold a secret.
type MailboxOAuth interface {
	// Start begins connecting the mailbox at address: the provider's
	// authorization URL, and the pending flow sealed for bind.
	Start(ctx context.Context, address, bind string) (authURL string, pending []byte, err error)
	// Finish checks state against the pending flow (an error matching
	// mailauth.ErrStateMismatch when it differs, or when pending is not
	// bind's or is too old), trades code for tokens and stores them in
	// the mailbox's token store. It returns the mailbox's address.
	Finish(ctx context.Context, pending []byte, bind, state, code string) (address string, err error)
	// Resume wakes this instance's poller of the mailbox at address, if
	// it runs one, so that it logs in with the new grant now rather than
	// at its next retry. Other instances retry on their own.
	Resume(address string)
	// Connected reports whether the mailbox at address holds a grant.
	Connected(ctx context.Context, address string) (bool, error)
}

// adminMailboxConnect starts connecting a delegated mailbox.
func (h *Handler) adminMailboxConnect(w http.ResponseWriter, r *http.Request) {
	if h.mailboxOAuth == nil {
		h.notFound(w, r)
		return
	}
	m, err := h.desk.Mailbox(r.Context(), mailboxAddress(r))
	if h.lookupFailed(w, r, err) {
		return
	}
	if m.Auth != domain.AuthOAuth2 || m.OAuth2.Grant != domain.GrantDelegated {
		h.showMailboxes(w, r, http.StatusUnprocessableEntity, m.Address+" does not log in with a delegated OAuth2 grant: there is nothing to connect.", nil)
		return
	}
	authURL, pending, err := h.mailboxOAuth.Start(r.Context(), m.Address, stateOf(r).session.ID)
	if err != nil {
		h.log.WarnContext(r.Context(), "mailbox connect not started", "mailbox", m.Address, "request_id", requestID(r.Context()), "error", err)
		h.showMailboxes(w, r, http.StatusUnprocessableEntity, "Connecting "+m.Address+" could not start: "+err.Error(), nil)
		return
	}
	h.setCookie(w, oauthCookieName, base64.RawURLEncoding.EncodeToString(pending), oauthCookieAge)
	http.Redirect(w, r, authURL, http.StatusSeeOther)
}

// adminMailboxCallback finishes connecting: the provider's answer.
func (h *Handler) adminMailboxCallback(w http.ResponseWriter, r *http.Request) {
	if h.mailboxOAuth == nil {
		h.notFound(w, r)
		return
	}
	h.setCookie(w, oauthCookieName, "", -1) // one use, whatever happens
	q := r.URL.Query()
	fail := func(status int, msg string) { h.showMailboxes(w, r, status, msg, nil) }
	c, err := r.Cookie(h.cookieName(oauthCookieName))
	var pending []byte
	if err == nil {
		pending, err = base64.RawURLEncoding.DecodeString(c.Value)
	}
	if err != nil || len(pending) == 0 {
		fail(http.StatusBadRequest, "This sign-in at the provider was not started here, or took longer than 10 minutes: "+
			"press Connect again on the mailbox's row.")
		return
	}
	// The provider's refusal (its words are shown only to an admin who
	// started a sign-in: a link cannot put them on the page).
	if code := q.Get("error"); code != "" {
		fail(http.StatusBadRequest, "The provider did not connect the mailbox: "+providerWords(code, q.Get("error_description")))
		return
	}
	addr, err := h.mailboxOAuth.Finish(r.Context(), pending, stateOf(r).session.ID, q.Get("state"), q.Get("code"))
	if err == nil {
		// The state first, then the wake-up: the poller's report then
		// comes after it and is not overwritten.
		err = h.desk.MailboxConnected(r.Context(), adminActor(r), addr)
		if err == nil {
			h.mailboxOAuth.Resume(addr)
		}
	}
	switch {
	case errors.Is(err, mailauth.ErrStateMismatch):
		fail(http.StatusBadRequest, "The provider's answer does not belong to the sign-in started here (its state differs, "+
			"or it was started in another session or more than 10 minutes ago). Nothing was changed: press Connect again.")
	case errors.Is(err, domain.ErrNotFound):
		fail(http.StatusNotFound, "The mailbox was deleted meanwhile; nothing was connected.")
	case err != nil:
		h.log.WarnContext(r.Context(), "mailbox connect failed", "request_id", requestID(r.Context()), "error", err)
		fail(http.StatusBadGateway, "The mailbox was not connected: "+err.Error())
	default:
		http.Redirect(w, r, "/admin/mail/mailboxes?ok=mbconnected#"+mailboxAnchor(addr), http.StatusSeeOther)
	}
}

// providerWords says what an OAuth2 error answer (RFC 6749 section
// 4.1.2.1) means, with the provider's own description.
func providerWords(code, desc string) string {
	words := map[string]string{
		"access_denied":             "the sign-in was cancelled, or consent was refused",
		"invalid_scope":             "the provider refused the scopes asked for (check oauth2 scopes)",
		"unauthorized_client":       "the app registration may not use this flow (allow the authorization code flow for it)",
		"invalid_request":           "the provider found the request malformed (check the client id and the redirect URI)",
		"server_error":              "the provider failed; try again later",
		"temporarily_unavailable":   "the provider is busy; try again later",
		"unsupported_response_type": "the provider does not offer the authorization code flow",
	}[code]
	if words == "" {
		words = "it answered " + code
	}
	if desc = strings.TrimSpace(desc); desc != "" {
		if len(desc) > 300 {
			desc = desc[:300] + "…"
		}
		words += " (" + desc + ")"
	}
	return words + "."
}
