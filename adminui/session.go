package adminui

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"ticketgate/domain"
)

// Cookies. With an https BASE_URL the names carry the __Host- prefix, which
// browsers accept only for Secure, host-only cookies with Path=/.
const (
	sessionCookieName = "tg_session" // "id.secret" of a domain.Session
	preCookieName     = "tg_pre"     // an anonymous visitor's CSRF token, signed (domain.Desk.AnonymousToken)
)

// state is what the session middleware learnt about a request.
type state struct {
	token   string // the session cookie's value, when it names a live session
	session *domain.Session
	user    *domain.User
	csrf    string // the token forms must send back
	// bodyCut: the request was larger than the limit; only the form's
	// fields before its files were read (see formHead).
	bodyCut bool
}

const stateKey ctxKey = iota + 100

func stateOf(r *http.Request) *state {
	if st, ok := r.Context().Value(stateKey).(*state); ok {
		return st
	}
	return &state{}
}

func (h *Handler) cookieName(base string) string {
	if h.secure {
		return "__Host-" + base
	}
	return base
}

// setCookie writes an HttpOnly, SameSite=Lax cookie for the whole site,
// Secure when the portal is served over https. maxAge < 0 deletes it; 0
// makes it last until the browser closes.
func (h *Handler) setCookie(w http.ResponseWriter, base, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: h.cookieName(base), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

// startSession gives the browser a new session's cookie and drops its
// anonymous one.
func (h *Handler) startSession(w http.ResponseWriter, token string) {
	h.setCookie(w, sessionCookieName, token, 0)
	h.setCookie(w, preCookieName, "", -1)
}

// exempt paths need no session: the static files, the installable
// portal's manifest, worker and offline page (the same for everyone), and
// the operational endpoints, which must not cost a database query per
// request.
func exempt(path string) bool {
	return strings.HasPrefix(path, "/static/") || path == "/healthz" || path == "/readyz" || path == "/metrics" ||
		path == "/manifest.webmanifest" || path == "/sw.js" || path == offlinePath
}

// sessions finds the request's session and user from the session cookie,
// or gives an anonymous visitor a token to send back with the sign-in,
// forgot-password and password-link forms.
func (h *Handler) sessions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if exempt(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		st := &state{}
		if c, err := r.Cookie(h.cookieName(sessionCookieName)); err == nil && c.Value != "" {
			s, u, err := h.desk.Authenticate(r.Context(), c.Value)
			switch {
			case err == nil:
				st.token, st.session, st.user, st.csrf = c.Value, s, u, s.CSRFToken
			case errors.Is(err, domain.ErrSignedOut):
				h.setCookie(w, sessionCookieName, "", -1)
			default:
				h.internalError(w, r, err)
				return
			}
		}
		if st.user == nil {
			// Only a token this server signed is kept; any other value
			// (planted by a sibling subdomain, say) is replaced, so the
			// forms it came with fail the CSRF check.
			valid := false
			if c, err := r.Cookie(h.cookieName(preCookieName)); err == nil && c.Value != "" {
				if valid, err = h.desk.CheckAnonymousToken(r.Context(), c.Value); err != nil {
					h.internalError(w, r, err)
					return
				}
				if valid {
					st.csrf = c.Value
				}
			}
			if !valid {
				tok, err := h.desk.AnonymousToken(r.Context())
				if err != nil {
					h.internalError(w, r, err)
					return
				}
				st.csrf = tok
				h.setCookie(w, preCookieName, tok, 0)
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey, st)))
	})
}

// csrf refuses a state-changing request unless it carries the token of
// its session (or, signed out, of its anonymous cookie), compared in
// constant time, and unless the browser says it comes from this site
// (http.CrossOriginProtection: Sec-Fetch-Site, else Origin). It also caps
// the size of every request body. See docs/portal.md.
func (h *Handler) csrf(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if exempt(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, h.maxUpload+1<<20)
		var err error
		var head *formHead
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			head = &formHead{ReadCloser: r.Body}
			r.Body = head
			err = r.ParseMultipartForm(8 << 20)
		} else {
			err = r.ParseForm()
		}
		if r.MultipartForm != nil {
			// r is a copy (the session middleware added to its context), so
			// the server would not remove the form's temporary files itself.
			defer r.MultipartForm.RemoveAll()
		}
		var tooBig *http.MaxBytesError
		switch {
		case err == nil:
		case errors.As(err, &tooBig) && head != nil && head.fields(r):
			// Too large, but the fields before the files are whole: a
			// route that takes files says so on its page with the form
			// kept (upload, in routes.go); the others refuse it as below.
			stateOf(r).bodyCut = true
		case errors.As(err, &tooBig):
			h.tooLarge(w, r)
			return
		default:
			h.showError(w, r, http.StatusBadRequest, "Bad request", "The form could not be read. Go back and try again.")
			return
		}
		want := stateOf(r).csrf
		got := r.PostFormValue("csrf")
		if cop.Check(r) != nil || want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			h.log.WarnContext(r.Context(), "csrf check failed", slog.String("request_id", requestID(r.Context())),
				slog.String("path", logPath(r)), slog.Bool("token_sent", got != ""))
			h.showError(w, r, http.StatusForbidden, "Form expired",
				"This form was not accepted (it may have expired, or come from another site). Go back, reload the page and try again.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// access is what a route requires.
type access int

const (
	public    access = iota // anyone; signed-in users too
	signedIn                // any signed-in user who need not change their password
	changePwd               // signed in, even with a password to change
	agentOnly               // agents and admins
	adminOnly               // admins; anyone else gets 404, as for what they may not see
)

// auth guards one route: signed-out visitors are sent to sign in; users
// who must change their password reach nothing but that page (and sign
// out); agent pages answer 403 to employees; admin pages answer 404 to
// everyone but admins (a 403 would tell what exists).
func (h *Handler) auth(need access, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := stateOf(r).user
		if need == public {
			next(w, r)
			return
		}
		if u == nil {
			target := "/signin"
			if r.Method == http.MethodGet {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		if u.MustChangePassword && need != changePwd {
			http.Redirect(w, r, "/password", http.StatusSeeOther)
			return
		}
		if need == adminOnly && !u.IsAdmin() {
			h.notFound(w, r)
			return
		}
		if need == agentOnly && u.Role != domain.RoleAgent && !u.IsAdmin() {
			h.showError(w, r, http.StatusForbidden, "Not for you", "This page is for the helpdesk's agents.")
			return
		}
		next(w, r)
	}
}

// clientAddr is the client's IP address as the server sees it. Behind a
// reverse proxy this is the proxy's; see docs/portal.md.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// maxNext bounds the length of a next= target; longer ones fall back.
const maxNext = 2048

// safeNext returns next if it is a path on this site, else "/". A path
// must start with exactly one "/" and parse (net/url) with no scheme, no
// host and no user; neither the raw text nor its percent-decoding may
// hold a control character, whitespace or a backslash, or start with
// "//": browsers drop TAB, CR and LF from URLs and read "\" as "/", so
// "/\t/evil.test" or "/%2F/evil.test" would leave the site.
func safeNext(next string) string {
	if next == "" || len(next) > maxNext || !localPath(next) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !localPath(u.Path) {
		return "/"
	}
	decoded, err := url.PathUnescape(next)
	if err != nil || !localPath(decoded) {
		return "/"
	}
	return next
}

// localPath reports whether p starts with exactly one "/" and holds no
// control character, whitespace, backslash or invalid UTF-8.
func localPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || !utf8.ValidString(p) {
		return false
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || r == '\\' || unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	return true
}
