// Package leavetest is a small fake of the parts of Microsoft's and
// Google's services that leave reading uses, for tests: the Microsoft
// identity platform's token endpoint (client credentials), Microsoft
// Graph's automaticRepliesSetting and presence, Google's token endpoint
// (a service account's JWT bearer grant), Gmail's vacation settings and
// Calendar's events. Answers are set per user; every API request is
// counted and checked for a token issued to the right client (Google: for
// the right user).
package leavetest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Reply is a canned answer: Status (0: 200), Retry-After, Body (JSON).
type Reply struct {
	Status     int
	RetryAfter string
	Body       string
}

// Server is the fake.
type Server struct {
	URL string

	// The Microsoft app registration that may get tokens.
	Tenant, ClientID, Secret string

	mu       sync.Mutex
	tokens   map[string]string // access token → "app" or the Google subject
	answers  map[string]Reply  // part + "|" + user
	requests map[string]int    // part + "|" + user
	scopes   []string          // scopes asked for, in order
	srv      *httptest.Server
}

// Parts of the fake, as Set and Requests name them.
const (
	Replies  = "automaticRepliesSetting"
	Presence = "presence"
	Vacation = "vacation"
	Calendar = "calendar"
)

// New starts a fake; it stops when the test ends.
func New(t testing.TB) *Server {
	s := &Server{Tenant: "contoso", ClientID: "leave-app", Secret: "leave-secret",
		tokens: map[string]string{}, answers: map[string]Reply{}, requests: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// GraphURL is the fake Graph's base (GRAPH_URL).
func (s *Server) GraphURL() string { return s.URL + "/v1.0" }

// GoogleTokenURL is the token_uri of ServiceAccountKey's key files.
func (s *Server) GoogleTokenURL() string { return s.URL + "/google/token" }

// Set makes part answer r for user.
func (s *Server) Set(part, user string, r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[part+"|"+strings.ToLower(user)] = r
}

// Requests counts the requests of part for user.
func (s *Server) Requests(part, user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[part+"|"+strings.ToLower(user)]
}

// Scopes returns the scopes tokens were asked for.
func (s *Server) Scopes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.scopes...)
}

// Scheduled is an automaticRepliesSetting scheduled from start to end
// (written in UTC).
func Scheduled(start, end time.Time) Reply {
	f := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000") }
	return Reply{Body: fmt.Sprintf(`{"status":"scheduled","externalAudience":"all",
		"scheduledStartDateTime":{"dateTime":%q,"timeZone":"UTC"},"scheduledEndDateTime":{"dateTime":%q,"timeZone":"UTC"},
		"internalReplyMessage":"I am on leave.","externalReplyMessage":"I am on leave."}`, f(start), f(end))}
}

// Disabled is automatic replies off.
func Disabled() Reply { return Reply{Body: `{"status":"disabled"}`} }

// VacationOn is a vacation responder from start to end (zero: not given).
func VacationOn(start, end time.Time) Reply {
	ms := func(t time.Time) string {
		if t.IsZero() {
			return `""`
		}
		return fmt.Sprintf(`"%d"`, t.UnixMilli())
	}
	return Reply{Body: fmt.Sprintf(`{"enableAutoReply":true,"responseSubject":"Away","responseBodyPlainText":"On leave.","startTime":%s,"endTime":%s}`,
		ms(start), ms(end))}
}

// OutOfOffice is a calendar answer with one out-of-office event.
func OutOfOffice(start, end time.Time) Reply {
	return Reply{Body: fmt.Sprintf(`{"kind":"calendar#events","items":[{"status":"confirmed","eventType":"outOfOffice",
		"summary":"Out of office","start":{"dateTime":%q},"end":{"dateTime":%q}}]}`,
		start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/"+s.Tenant+"/oauth2/v2.0/token":
		s.microsoftToken(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/google/token":
		s.googleToken(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1.0/users/"):
		rest := strings.TrimPrefix(r.URL.Path, "/v1.0/users/")
		user, part, _ := strings.Cut(rest, "/")
		switch part {
		case "mailboxSettings/automaticRepliesSetting":
			s.api(w, r, Replies, user, "app")
		case "presence":
			s.api(w, r, Presence, user, "app")
		default:
			http.NotFound(w, r)
		}
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/gmail/v1/users/") && strings.HasSuffix(r.URL.Path, "/settings/vacation"):
		user := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/gmail/v1/users/"), "/settings/vacation")
		s.api(w, r, Vacation, user, user)
	case r.Method == http.MethodGet && r.URL.Path == "/calendar/v3/calendars/primary/events":
		if r.URL.Query().Get("eventTypes") != "outOfOffice" || r.URL.Query().Get("timeMin") == "" {
			http.Error(w, `{"error":{"code":400,"message":"want eventTypes=outOfOffice and timeMin"}}`, http.StatusBadRequest)
			return
		}
		s.api(w, r, Calendar, "", "")
	default:
		http.NotFound(w, r)
	}
}

// api answers part for user, after checking the bearer token: want is
// who the token must be for ("app", a user, or "" for any Google user,
// whose address then names the user).
func (s *Server) api(w http.ResponseWriter, r *http.Request, part, user, want string) {
	user, _ = url.PathUnescape(user)
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	who, ok := s.tokens[tok]
	if want == "" && ok && who != "app" {
		user = who
	}
	want, _ = url.PathUnescape(want)
	if !ok || (want != "" && !strings.EqualFold(who, want)) {
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":{"code":"InvalidAuthenticationToken","message":"Access token is missing or not for this user."}}`)
		return
	}
	key := part + "|" + strings.ToLower(user)
	s.requests[key]++
	a, set := s.answers[key]
	s.mu.Unlock()
	if !set {
		switch part {
		case Presence:
			a = Reply{Status: http.StatusForbidden, Body: `{"error":{"code":"Forbidden","message":"Missing Presence.Read.All."}}`}
		case Calendar:
			a = Reply{Body: `{"items":[]}`}
		case Vacation:
			a = Reply{Body: `{"enableAutoReply":false}`}
		default:
			a = Disabled()
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if a.RetryAfter != "" {
		w.Header().Set("Retry-After", a.RetryAfter)
	}
	if a.Status != 0 {
		w.WriteHeader(a.Status)
	}
	fmt.Fprint(w, a.Body)
}

func (s *Server) issue(w http.ResponseWriter, who string) {
	b := make([]byte, 16)
	rand.Read(b)
	tok := "tok-" + base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	s.tokens[tok] = who
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
}

func tokenError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":%q,"error_description":"refused by the fake"}`, code)
}

func (s *Server) microsoftToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	s.mu.Lock()
	s.scopes = append(s.scopes, r.PostForm.Get("scope"))
	s.mu.Unlock()
	if id != s.ClientID || secret != s.Secret {
		tokenError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	s.issue(w, "app")
}

// googleToken takes a JWT bearer grant; it reads the claims (the fake
// does not check the signature) for the subject and scopes.
func (s *Server) googleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	parts := strings.Split(r.PostForm.Get("assertion"), ".")
	if len(parts) != 3 {
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Sub   string `json:"sub"`
		Scope string `json:"scope"`
	}
	if err != nil || json.Unmarshal(raw, &claims) != nil || claims.Sub == "" {
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	s.mu.Lock()
	s.scopes = append(s.scopes, claims.Scope)
	s.mu.Unlock()
	s.issue(w, claims.Sub)
}

// ServiceAccountKey is a service account's JSON key file whose token_uri
// is the fake's.
func (s *Server) ServiceAccountKey(t testing.TB) []byte {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	b, _ := json.Marshal(map[string]string{"type": "service_account", "client_email": "leave@project.iam.gserviceaccount.com",
		"private_key": string(pemKey), "private_key_id": "k1", "token_uri": s.GoogleTokenURL()})
	return b
}
