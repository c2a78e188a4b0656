package adminui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"ticketgate/domain"
)

// Single sign-on with OpenID Connect (docs/sso.md): the authorization
// code flow with PKCE (S256), state and nonce.
//
//  1. POST /signin/sso (CSRF-checked, signed out): a random state, nonce
//     and PKCE verifier, with the next= target, an expiry and a hash of
//     the browser's anonymous token, go into a short-lived HttpOnly cookie
//     signed with the server secret (domain.Desk.SignSSO); the browser is
//     sent to the provider's authorization endpoint.
//  2. GET SSOCallbackPath: the cookie must be this server's, unexpired and
//     of this browser; the state must match; the code is traded, with the
//     verifier, for tokens; the ID token's signature (the provider's JWKS),
//     issuer, audience and expiry are checked by go-oidc, its nonce here;
//     then domain.Desk.SignInSSO decides who that is. The cookie is cleared
//     whatever happened. Any refusal shows the sign-in page with why and
//     creates nothing.
//
// The provider's discovery document is fetched at start (DiscoverSSO) and,
// when that failed, again at a sign-on at most every ssoRetry: an
// identity provider that is down never stops the portal or password
// sign-in.

// SSOCallbackPath is where the provider sends the browser back; BASE_URL
// + SSOCallbackPath is the redirect URI to register.
const SSOCallbackPath = "/signin/sso/callback"

const (
	ssoCookieName = "tg_sso"
	ssoCookieAge  = 10 * 60          // seconds
	ssoRetry      = 30 * time.Second // least time between two discoveries that fail
	ssoCookieMax  = 2048             // bytes of the cookie read at all
)

// SSOConfig turns single sign-on on (OIDC_* settings).
type SSOConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// Name is the provider's name on the button ("Sign in with Name");
	// "" means "single sign-on".
	Name   string
	Policy domain.SSOPolicy
	// Only refuses password sign-in to everyone but BreakGlass (OIDC_ONLY,
	// OIDC_BREAK_GLASS, a normalized address).
	Only       bool
	BreakGlass string
	// HTTPClient talks to the provider; nil means one with a 15 s timeout.
	HTTPClient *http.Client
	// Now is the clock for the ID token's expiry; nil means time.Now.
	Now func() time.Time
}

// ssoClient holds the provider once discovered.
type ssoClient struct {
	cfg      SSOConfig
	redirect string
	log      *slog.Logger

	retry time.Duration // ssoRetry; tests shorten it

	discovering sync.Mutex // held through a discovery
	mu          sync.Mutex // guards the fields below
	provider    *oidc.Provider
	tried       time.Time // last failed discovery
	err         error
}

// pendingSSO is the signed cookie's content.
type pendingSSO struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x"`
	Bind     string `json:"b"` // hash of the browser's anonymous token
	Expires  int64  `json:"e"`
}

var errSSOUnavailable = errors.New("the identity provider cannot be reached")

// discover returns the provider, fetching its discovery document when not
// known yet and the last try is ssoRetry ago or more.
func (c *ssoClient) discover(ctx context.Context) (*oidc.Provider, error) {
	c.discovering.Lock() // one discovery at a time
	defer c.discovering.Unlock()
	c.mu.Lock()
	p, tried, lastErr := c.provider, c.tried, c.err
	c.mu.Unlock()
	if p != nil {
		return p, nil
	}
	if !tried.IsZero() && time.Since(tried) < c.retry {
		return nil, lastErr
	}
	ctx, cancel := context.WithTimeout(c.httpContext(ctx), 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, c.cfg.Issuer)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.tried, c.err = time.Now(), fmt.Errorf("%w: %v", errSSOUnavailable, err)
		c.log.WarnContext(ctx, "OpenID Connect discovery failed; password sign-in keeps working, retrying at a sign-on",
			slog.String("issuer", c.cfg.Issuer), slog.String("error", err.Error()))
		return nil, c.err
	}
	c.log.InfoContext(ctx, "OpenID Connect provider discovered", slog.String("issuer", c.cfg.Issuer))
	c.provider = p
	return p, nil
}

func (c *ssoClient) httpContext(ctx context.Context) context.Context {
	if c.cfg.HTTPClient != nil {
		return oidc.ClientContext(ctx, c.cfg.HTTPClient)
	}
	return ctx
}

func (c *ssoClient) oauth2(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: c.redirect, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// DiscoverSSO fetches the provider's discovery document now; serve calls
// it at start and logs a failure (sign-ons retry later). Without single
// sign-on it does nothing.
func (h *Handler) DiscoverSSO(ctx context.Context) error {
	if h.sso == nil {
		return nil
	}
	_, err := h.sso.discover(ctx)
	return err
}

// ssoButton is the sign-in page's "Sign in with …" label, "" without SSO.
func (h *Handler) ssoButton() string {
	if h.sso == nil {
		return ""
	}
	name := h.sso.cfg.Name
	if name == "" {
		name = "single sign-on"
	}
	return "Sign in with " + name
}

// ssoOrigins are the origins the sign-on button's form may lead to: the
// issuer's, and the authorization endpoint's once discovered.
func (h *Handler) ssoOrigins() []string {
	if h.sso == nil {
		return nil
	}
	origins := []string{originOf(h.sso.cfg.Issuer)}
	h.sso.mu.Lock()
	if h.sso.provider != nil {
		origins = append(origins, originOf(h.sso.provider.Endpoint().AuthURL))
	}
	h.sso.mu.Unlock()
	return origins
}

// originOf is raw's scheme and host, or "" when it is not an http(s) URL.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// passwordRefused reports whether OIDC_ONLY refuses a password sign-in
// for the address typed in.
func (h *Handler) passwordRefused(email string) bool {
	if h.sso == nil || !h.sso.cfg.Only {
		return false
	}
	addr, err := domain.NormalizeEmail(email)
	return err != nil || h.sso.cfg.BreakGlass == "" || addr != h.sso.cfg.BreakGlass
}

func bindOf(anonymous string) string {
	sum := sha256.Sum256([]byte("sso-bind\x00" + anonymous))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func randomString() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (h *Handler) ssoFail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h.render(w, r, status, "signin", h.signInData(w, r, "", "", msg))
}

// ssoStart sends a signed-out browser to the identity provider.
func (h *Handler) ssoStart(w http.ResponseWriter, r *http.Request) {
	if h.sso == nil {
		h.notFound(w, r)
		return
	}
	st := stateOf(r)
	if st.user != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	p, err := h.sso.discover(r.Context())
	if err != nil {
		h.ssoFail(w, r, http.StatusServiceUnavailable, "Single sign-on is not available right now (the identity provider cannot be reached). Try again in a minute.")
		return
	}
	pend := pendingSSO{Verifier: oauth2.GenerateVerifier(), Next: safeNext(r.PostFormValue("next")), Bind: bindOf(st.csrf),
		Expires: time.Now().Add(ssoCookieAge * time.Second).Unix()}
	if pend.State, err = randomString(); err == nil {
		pend.Nonce, err = randomString()
	}
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	data, _ := json.Marshal(pend)
	mac, err := h.desk.SignSSO(r.Context(), data)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	h.setCookie(w, ssoCookieName, base64.RawURLEncoding.EncodeToString(data)+"."+mac, ssoCookieAge)
	http.Redirect(w, r, h.sso.oauth2(p).AuthCodeURL(pend.State, oauth2.S256ChallengeOption(pend.Verifier), oidc.Nonce(pend.Nonce)),
		http.StatusSeeOther)
}

// pending reads and checks the signed cookie: this server's, unexpired,
// and of this browser.
func (h *Handler) pending(r *http.Request) (*pendingSSO, error) {
	c, err := r.Cookie(h.cookieName(ssoCookieName))
	if err != nil || c.Value == "" || len(c.Value) > ssoCookieMax {
		return nil, nil
	}
	enc, mac, ok := strings.Cut(c.Value, ".")
	data, derr := base64.RawURLEncoding.DecodeString(enc)
	if !ok || derr != nil {
		return nil, nil
	}
	if good, err := h.desk.CheckSSO(r.Context(), data, mac); err != nil || !good {
		return nil, err
	}
	var p pendingSSO
	if json.Unmarshal(data, &p) != nil || time.Now().Unix() > p.Expires ||
		subtle.ConstantTimeCompare([]byte(p.Bind), []byte(bindOf(stateOf(r).csrf))) != 1 {
		return nil, nil
	}
	return &p, nil
}

// ssoCallback finishes a sign-on: the provider's answer.
func (h *Handler) ssoCallback(w http.ResponseWriter, r *http.Request) {
	if h.sso == nil {
		h.notFound(w, r)
		return
	}
	h.setCookie(w, ssoCookieName, "", -1) // one use, whatever happens
	q := r.URL.Query()
	refuse := func(why string, args ...any) {
		h.log.WarnContext(r.Context(), "single sign-on refused", slog.String("request_id", requestID(r.Context())),
			slog.String("client", clientAddr(r)), slog.String("why", fmt.Sprintf(why, args...)))
		h.ssoFail(w, r, http.StatusBadRequest, "Single sign-on did not succeed: this answer of the identity provider "+
			"does not belong to a sign-in started here, or it took more than 10 minutes. Nothing was changed: try again.")
	}
	pend, err := h.pending(r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	if pend == nil {
		refuse("no valid pending cookie")
		return
	}
	if subtle.ConstantTimeCompare([]byte(pend.State), []byte(q.Get("state"))) != 1 {
		refuse("state differs")
		return
	}
	if e := q.Get("error"); e != "" {
		h.ssoFail(w, r, http.StatusBadRequest, "The identity provider did not sign you in: "+providerWords(e, q.Get("error_description")))
		return
	}
	p, err := h.sso.discover(r.Context())
	if err != nil {
		h.ssoFail(w, r, http.StatusServiceUnavailable, "Single sign-on is not available right now (the identity provider cannot be reached). Try again in a minute.")
		return
	}
	ctx, cancel := context.WithTimeout(h.sso.httpContext(r.Context()), 15*time.Second)
	defer cancel()
	tok, err := h.sso.oauth2(p).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pend.Verifier))
	if err != nil {
		refuse("code exchange: %v", err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		refuse("no id_token in the token answer")
		return
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: h.sso.cfg.ClientID, Now: h.sso.cfg.Now}).Verify(ctx, raw)
	if err != nil {
		refuse("id token: %v", err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(pend.Nonce)) != 1 {
		refuse("nonce differs")
		return
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"` // some providers send "true"
		// Entra ID sends no email_verified; its optional claim xms_edov
		// says the email's domain is verified by the tenant's owner.
		DomainOwnerVerified any      `json:"xms_edov"`
		Name                string   `json:"name"`
		Groups              []string `json:"groups"`
	}
	if err := idt.Claims(&claims); err != nil {
		refuse("claims: %v", err)
		return
	}
	verified := claims.EmailVerified == true || claims.EmailVerified == "true" ||
		claims.EmailVerified == nil && (claims.DomainOwnerVerified == true || claims.DomainOwnerVerified == "true" || claims.DomainOwnerVerified == "1")
	_, token, u, err := h.desk.SignInSSO(r.Context(), domain.SSOSignInRequest{
		Identity:   domain.SSOIdentity{Email: claims.Email, EmailVerified: verified, Name: claims.Name, Groups: claims.Groups},
		Policy:     h.sso.cfg.Policy,
		ClientAddr: clientAddr(r), OldToken: stateOf(r).token})
	var refused *domain.SSORefusedError
	switch {
	case errors.As(err, &refused):
		h.ssoFail(w, r, http.StatusForbidden, "Single sign-on did not sign you in: "+refused.Reason)
		return
	case err != nil:
		h.internalError(w, r, err)
		return
	}
	h.startSession(w, token)
	next := pend.Next
	if u.MustChangePassword {
		next = "/password"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
