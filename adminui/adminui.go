// Package adminui is ticketgate's web side: the portal's pages and the
// operational endpoints /healthz, /readyz and /metrics (which can have a
// listener of its own and a token: see metrics.go). All routes are in
// routes.go; handlers are methods of Handler and stay http.HandlerFunc
// (path values come from httprouter.ParamsFromContext).
//
// Middleware order, outermost first: recover → request id and access log →
// security headers → session → CSRF → the route, which is wrapped in its
// access rule (auth) and its metrics. Every rule about who may do what is
// a domain use case; this package only translates HTTP. See docs/portal.md.
package adminui

import (
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"ticketgate/domain"
	"ticketgate/domain/i18n"
)

// DefaultMaxUpload is the largest request body (a new ticket with its
// attachments) when Deps.MaxUploadBytes is 0: MAX_MESSAGE_BYTES' default.
const DefaultMaxUpload = 25 << 20

// Deps is what the web side needs.
type Deps struct {
	Desk *domain.Desk
	Log  *slog.Logger
	// Registry receives the HTTP metrics and serves /metrics with everything
	// registered in it.
	Registry *prometheus.Registry
	// BaseURL is the portal's public URL (BASE_URL): password links start
	// with it, and https makes cookies Secure. "" means http://localhost:8080.
	BaseURL string
	// SiteName is shown in every page's title and header; "" means
	// "IT Helpdesk".
	SiteName string
	// MaxUploadBytes caps a new ticket's attachments (MAX_MESSAGE_BYTES);
	// 0 means DefaultMaxUpload.
	MaxUploadBytes int64
	// MailIn tells the dashboard how mail intake is doing (the IMAP
	// poller, the receivers); nil shows none configured.
	MailIn MailIn
	// Parse reads a raw mail into what the pipeline takes (inbox.Parse),
	// for retrying quarantined mail; nil turns retrying off.
	Parse func(raw []byte) (*domain.Inbound, error)
	// MetricsElsewhere takes /metrics off the portal (404 there): the
	// caller serves MetricsHandler on a listener of its own (METRICS_ADDR).
	MetricsElsewhere bool
	// TestMailbox tests a mailbox's connection for the Mailboxes page's
	// "Test connection"; nil hides the button.
	TestMailbox MailboxTester
	// MailboxOAuth connects delegated OAuth2 mailboxes (Connect and
	// Reconnect on the Mailboxes page, and the provider's callback); nil
	// hides the buttons.
	MailboxOAuth MailboxOAuth
	// MetricsToken, when set, is the Bearer token /metrics requires
	// (METRICS_TOKEN); without it or with another one the answer is 401.
	MetricsToken string
	// SSO turns single sign-on with OpenID Connect on (see sso.go); nil
	// leaves password sign-in only.
	SSO *SSOConfig
	// HelpdeskAddress is HELPDESK_ADDRESS, the default mailbox's address a
	// ticket of the API shows as its mailbox (as `ticket show --json` does).
	HelpdeskAddress string
	// DefaultLanguage (DEFAULT_LANGUAGE) is the portal's language when
	// neither the user nor the browser names a supported one; "" is en.
	// DefaultTimeZone (DEFAULT_TIMEZONE) is the time zone of users who
	// have chosen none; "" is UTC.
	DefaultLanguage string
	DefaultTimeZone string
	// APIRate is API_RATE, the requests a second each API token may make
	// (a burst of twice that); 0 means DefaultAPIRate.
	APIRate float64
}

// Handler serves every route.
type Handler struct {
	desk      *domain.Desk
	log       *slog.Logger
	reg       *prometheus.Registry
	metrics   *httpMetrics
	router    http.Handler
	templates map[string]*template.Template // English in DEFAULT_TIMEZONE: the error page of last resort
	pageSets  *pageSets                     // every language's pages (i18n.go)
	catalog   *i18n.Catalog
	// defaultLang and defaultZone are DEFAULT_LANGUAGE and DEFAULT_TIMEZONE.
	defaultLang, defaultZone string
	static                   map[string]string // file name → content version
	baseURL                  string
	secure                   bool // BASE_URL is https: Secure cookies
	site                     string
	maxUpload                int64
	mailIn                   MailIn
	parse                    func(raw []byte) (*domain.Inbound, error)
	pages                    pagePool // buffers pages are rendered into

	testMailbox  MailboxTester // nil: no "Test connection"
	mailboxOAuth MailboxOAuth  // nil: no Connect
	sso          *ssoClient    // nil: no single sign-on

	metricsElsewhere bool   // /metrics is not on the portal's router
	metricsToken     string // Bearer token /metrics requires; "" none

	helpdesk string        // HELPDESK_ADDRESS, for the API's tickets
	apiLimit *tokenBuckets // API_RATE per API token
	api      http.Handler  // /api/v1 (api.go)
	pwa      *pwaFiles     // the manifest and the service worker (pwa.go)
}

// New returns the web handler with its routes and middleware. It fails if
// a page template is missing or broken.
func New(d Deps) (*Handler, error) {
	m, err := newHTTPMetrics(d.Registry)
	if err != nil {
		return nil, err
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{desk: d.Desk, log: d.Log, reg: d.Registry, metrics: m,
		baseURL: strings.TrimRight(d.BaseURL, "/"), site: d.SiteName, maxUpload: d.MaxUploadBytes,
		mailIn: d.MailIn, parse: d.Parse, metricsElsewhere: d.MetricsElsewhere, metricsToken: d.MetricsToken,
		testMailbox: d.TestMailbox, mailboxOAuth: d.MailboxOAuth}
	if h.baseURL == "" {
		h.baseURL = "http://localhost:8080"
	}
	if d.SSO != nil {
		h.sso = &ssoClient{cfg: *d.SSO, redirect: h.baseURL + SSOCallbackPath, log: d.Log, retry: ssoRetry}
		if h.sso.cfg.HTTPClient == nil {
			// go-oidc fetches the JWKS with this client outside any
			// request's deadline: it needs one of its own.
			h.sso.cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
		}
	}
	h.secure = strings.HasPrefix(strings.ToLower(h.baseURL), "https://")
	if h.site == "" {
		h.site = "IT Helpdesk"
	}
	if h.maxUpload <= 0 {
		h.maxUpload = DefaultMaxUpload
	}
	if h.static, err = staticVersions(); err != nil {
		return nil, err
	}
	if h.catalog, err = i18n.Load(); err != nil {
		return nil, err
	}
	h.defaultLang, h.defaultZone = i18n.Choose(d.DefaultLanguage), d.DefaultTimeZone
	if _, ok := i18n.Location(h.defaultZone, ""); !ok {
		return nil, fmt.Errorf("adminui: unknown time zone %q", h.defaultZone)
	}
	h.pageSets = &pageSets{sets: map[string]map[string]*template.Template{}, static: h.static, cat: h.catalog}
	// English and DEFAULT_LANGUAGE parse at start: a missing or broken page
	// fails here (the other languages parse the same files with other
	// words, on their first page).
	if h.templates, err = h.pageSets.get(i18n.English, h.defaultZone, h.defaultZone); err != nil {
		return nil, err
	}
	if _, err := h.pageSets.get(h.defaultLang, h.defaultZone, h.defaultZone); err != nil {
		return nil, err
	}
	if h.pwa, err = newPWAFiles(h.site, h.static); err != nil {
		return nil, err
	}
	h.helpdesk = d.HelpdeskAddress
	h.apiLimit = newTokenBuckets(d.APIRate, time.Now)
	h.api = h.apiRoutes()
	// The API reads no cookie: it takes the path before sessions and CSRF.
	h.router = h.recoverer(h.requestLog(securityHeaders(h.apiOr(h.sessions(h.csrf(h.routes()))))))
	return h, nil
}

// ServeHTTP serves a request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.router.ServeHTTP(w, r) }
