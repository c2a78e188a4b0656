package adminui

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/julienschmidt/httprouter"

	"ticketgate/domain"
)

// The REST API under /api/v1 (docs/api.md). It shares the portal's server
// but not its sessions: a request carries `Authorization: Bearer tg_…`
// (an API token, domain.AuthenticateAPIToken) and no cookie is read, so no
// CSRF token is needed. A token acts as its user through the same domain
// calls as the portal's pages, so the rules and the 404s are the portal's;
// a read token is refused every POST. Errors are RFC 9457 problem+json
// with a type per kind of error (apiProblemBase + kind).

// APIPrefix starts every API path.
const APIPrefix = "/api/v1/"

// apiProblemBase starts each problem type; the kinds are documented in
// docs/api.md and the OpenAPI document.
const apiProblemBase = "https://ticketgate.dev/problems/"

// maxAPIBody bounds a JSON request body.
const maxAPIBody = 1 << 20

// apiCaller is who calls: the token and its user.
type apiCaller struct {
	token *domain.APIToken
	user  *domain.User
}

type apiCallerKey struct{}

func callerOf(r *http.Request) apiCaller {
	c, _ := r.Context().Value(apiCallerKey{}).(apiCaller)
	return c
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail,omitempty"`
	Errors map[string]string `json:"errors,omitempty"` // field → what is wrong
}

// problemTitles are the kinds of problem, by kind, with their status.
var problemKinds = map[string]struct {
	status int
	title  string
}{
	"unauthorized":       {http.StatusUnauthorized, "A valid API token is required"},
	"forbidden":          {http.StatusForbidden, "Not allowed"},
	"read-only-token":    {http.StatusForbidden, "This token may only read"},
	"not-found":          {http.StatusNotFound, "Not found"},
	"method-not-allowed": {http.StatusMethodNotAllowed, "Method not allowed"},
	"validation":         {http.StatusUnprocessableEntity, "The request has invalid fields"},
	"bad-request":        {http.StatusBadRequest, "The request cannot be read"},
	"unsupported-media":  {http.StatusUnsupportedMediaType, "Send application/json"},
	"conflict":           {http.StatusConflict, "Conflict"},
	"too-many-requests":  {http.StatusTooManyRequests, "Too many requests"},
	"internal":           {http.StatusInternalServerError, "Internal error"},
	"request-too-large":  {http.StatusRequestEntityTooLarge, "The request is too large"},
	"illegal-transition": {http.StatusConflict, "The ticket's status does not allow this"},
}

// apiProblem writes the problem of kind with detail and field errors.
func (h *Handler) apiProblem(w http.ResponseWriter, r *http.Request, kind, detail string, fields map[string]string) {
	k, ok := problemKinds[kind]
	if !ok {
		kind, k = "internal", problemKinds["internal"]
	}
	p := problem{Type: apiProblemBase + kind, Title: k.title, Status: k.status, Detail: detail, Errors: fields}
	if kind == "internal" {
		p.Detail = "request id " + requestID(r.Context())
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	if kind == "unauthorized" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ticketgate"`)
	}
	w.WriteHeader(k.status)
	_ = json.NewEncoder(w).Encode(p)
}

// apiError answers err from a domain call: its sentinel decides the kind.
func (h *Handler) apiError(w http.ResponseWriter, r *http.Request, err error) {
	var fe domain.FieldErrors
	switch {
	case errors.As(err, &fe):
		h.apiProblem(w, r, "validation", "", fe)
	case errors.Is(err, domain.ErrNotFound):
		h.apiProblem(w, r, "not-found", "", nil)
	case errors.Is(err, domain.ErrForbidden):
		h.apiProblem(w, r, "forbidden", sentinelDetail(err, domain.ErrForbidden), nil)
	case errors.Is(err, domain.ErrIllegalTransition):
		h.apiProblem(w, r, "illegal-transition", sentinelDetail(err, domain.ErrIllegalTransition), nil)
	case errors.Is(err, domain.ErrInvalid):
		h.apiProblem(w, r, "validation", sentinelDetail(err, domain.ErrInvalid), nil)
	case errors.Is(err, domain.ErrConflict):
		h.apiProblem(w, r, "conflict", "", nil)
	default:
		h.log.ErrorContext(r.Context(), "api", "request_id", requestID(r.Context()), "error", err)
		h.apiProblem(w, r, "internal", "", nil)
	}
}

// sentinelDetail is what follows "sentinel: " in err, for people; "" when
// nothing does.
func sentinelDetail(err, sentinel error) string {
	s := err.Error()
	if i := strings.Index(s, sentinel.Error()+": "); i >= 0 {
		return s[i+len(sentinel.Error())+2:]
	}
	return ""
}

// apiJSON writes v with status.
func apiJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readJSON decodes the body into v: application/json, at most maxAPIBody,
// no unknown fields. It answers the problem itself and returns false.
func (h *Handler) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		h.apiProblem(w, r, "unsupported-media", "send the body as application/json", nil)
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAPIBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooLarge):
			h.apiProblem(w, r, "request-too-large", fmt.Sprintf("the body is larger than %d bytes", maxAPIBody), nil)
		case errors.As(err, &typeErr) && typeErr.Field != "":
			h.apiProblem(w, r, "validation", "", map[string]string{typeErr.Field: "want a " + typeErr.Type.String()})
		default:
			h.apiProblem(w, r, "bad-request", "the body is not one JSON object of the documented fields: "+err.Error(), nil)
		}
		return false
	}
	if dec.More() {
		h.apiProblem(w, r, "bad-request", "the body has more than one JSON value", nil)
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1))
	return true
}

// apiRoutes is the router of /api/v1.
func (h *Handler) apiRoutes() http.Handler {
	r := httprouter.New()
	r.HandleMethodNotAllowed = true
	r.NotFound = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.apiProblem(w, r, "not-found", "", nil) })
	r.MethodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.apiProblem(w, r, "method-not-allowed", "", nil)
	})
	r.PanicHandler = nil
	op := func(method, path, name string, fn http.HandlerFunc) {
		r.Handler(method, path, h.instrument(name, h.apiAuth(fn)))
	}
	r.Handler(http.MethodGet, "/api/v1/openapi.json", h.instrument("api_openapi", http.HandlerFunc(h.apiOpenAPI)))
	op(http.MethodGet, "/api/v1/me", "api_me", h.apiMe)
	op(http.MethodGet, "/api/v1/tickets", "api_tickets", h.apiTickets)
	op(http.MethodPost, "/api/v1/tickets", "api_ticket_create", h.apiTicketCreate)
	op(http.MethodGet, "/api/v1/tickets/:ref", "api_ticket", h.apiTicket)
	op(http.MethodPost, "/api/v1/tickets/:ref/comments", "api_comment", h.apiComment)
	op(http.MethodPost, "/api/v1/tickets/:ref/resolve", "api_resolve", h.apiResolve)
	op(http.MethodPost, "/api/v1/tickets/:ref/reopen", "api_reopen", h.apiReopen)
	op(http.MethodPost, "/api/v1/tickets/:ref/assign", "api_assign", h.apiAssign)
	op(http.MethodPost, "/api/v1/tickets/:ref/category", "api_category", h.apiCategory)
	op(http.MethodPost, "/api/v1/tickets/:ref/priority", "api_priority", h.apiPriority)
	op(http.MethodGet, "/api/v1/categories", "api_categories", h.apiCategories)
	op(http.MethodGet, "/api/v1/users", "api_users", h.apiUsers)
	return r
}

// apiAuth reads the bearer token, limits the token's rate and refuses a
// read token every method but GET.
func (h *Handler) apiAuth(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			h.apiProblem(w, r, "unauthorized", "send Authorization: Bearer with an API token", nil)
			return
		}
		tok, u, err := h.desk.AuthenticateAPIToken(r.Context(), strings.TrimSpace(token))
		if errors.Is(err, domain.ErrBadToken) {
			h.apiProblem(w, r, "unauthorized", "the token is unknown, revoked, or its user is disabled", nil)
			return
		}
		if err != nil {
			h.apiError(w, r, err)
			return
		}
		if wait, ok := h.apiLimit.take(tok.ID); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			h.apiProblem(w, r, "too-many-requests", fmt.Sprintf("at most %g requests a second per token", h.apiLimit.rate), nil)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && tok.Scope != domain.ScopeWrite {
			h.apiProblem(w, r, "read-only-token", "this token's scope is read: make a write token to change tickets", nil)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), apiCallerKey{}, apiCaller{token: tok, user: u})))
	})
}

// DefaultAPIRate is API_RATE's default, requests a second per token.
const DefaultAPIRate = 10

// maxLimitedTokens bounds the rate limiter's memory: past it, the buckets
// that are full again (idle tokens) are dropped, and if none is, the
// others are thinned out (see sweep).
const maxLimitedTokens = 10000

// tokenBuckets is a token bucket per API token: rate requests a second,
// up to burst at once (twice the rate, at least 1).
type tokenBuckets struct {
	rate  float64
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[int64]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newTokenBuckets(rate float64, now func() time.Time) *tokenBuckets {
	if rate <= 0 {
		rate = DefaultAPIRate
	}
	return &tokenBuckets{rate: rate, burst: math.Max(1, math.Ceil(2*rate)), now: now, buckets: map[int64]*bucket{}}
}

// take spends one request of token id; when none is left it returns how
// long until one is, and false.
func (l *tokenBuckets) take(id int64) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[id]
	if !ok {
		if len(l.buckets) >= maxLimitedTokens {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[id] = b
	}
	if el := now.Sub(b.at).Seconds(); el > 0 {
		b.tokens = math.Min(l.burst, b.tokens+el*l.rate)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), false
}

// sweep drops the buckets that are full by now, then, if the map is still
// full, about every second one of the rest (those tokens start again
// with a full bucket).
func (l *tokenBuckets) sweep(now time.Time) {
	for id, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, id)
		}
	}
	i := 0
	for id := range l.buckets {
		if len(l.buckets) < maxLimitedTokens/2 {
			break
		}
		if i%2 == 0 {
			delete(l.buckets, id)
		}
		i++
	}
}

// apiOr sends the paths under APIPrefix to the API, the rest to next.
func (h *Handler) apiOr(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, APIPrefix) || r.URL.Path == strings.TrimSuffix(APIPrefix, "/") {
			h.api.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

//go:embed openapi.json
var openAPIDocument []byte

// apiOpenAPI serves the OpenAPI 3.1 document of the API; it needs no token.
func (h *Handler) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDocument)
}
