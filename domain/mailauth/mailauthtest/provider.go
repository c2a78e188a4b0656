// Package mailauthtest is a small OAuth2 provider for tests: a token
// endpoint (client credentials, refresh token with optional rotation,
// authorization code with PKCE S256, JWT bearer), an RFC 7662
// introspection endpoint as the mail stack's Dovecot calls it
// (http://127.0.0.1:$OAUTH2_PORT/introspect, default port 9099), and an
// authorize endpoint that signs the user in at once and redirects back
// with a code and the state.
//
// Knobs: the tokens' lifetime, whether refresh tokens rotate, answering
// invalid_grant to every grant; Stats counts what happened, including
// every second use of a refresh token.
package mailauthtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// Client is an OAuth2 client the provider knows.
type Client struct {
	ID, Secret string
	// Certificate, when set, lets the client prove itself with a signed
	// assertion (RFC 7523, Microsoft's certificate credential) instead of
	// the secret.
	Certificate *x509.Certificate
	// Email is the account its app-only (client credentials) tokens are
	// for, as introspection reports it.
	Email string
}

// ServiceAccount is a Google-style service account: JWTs signed with Key
// and issued by Email are exchanged for tokens of their subject.
type ServiceAccount struct {
	Email string
	Key   *rsa.PublicKey
}

// Stats counts the provider's work.
type Stats struct {
	ClientCredentials int // tokens issued to client credentials
	Refreshes         int // successful refresh-token grants
	Codes             int // authorization codes exchanged
	JWTs              int // JWT bearer grants
	Introspections    int
	Assertions        int // clients that proved themselves with a certificate
	RefreshReuses     int // refresh tokens presented again after their use
	InvalidGrants     int // invalid_grant answers
}

type grant struct {
	email  string
	expiry time.Time
	used   bool // refresh tokens
}

type pendingCode struct {
	email, clientID, redirect, challenge string
	expiry                               time.Time
}

// Provider is the test provider. Its zero value is not usable: use New.
type Provider struct {
	mu           sync.Mutex
	lifetime     time.Duration
	rotate       bool
	invalidGrant bool
	clients      map[string]Client
	accounts     map[string]ServiceAccount
	user         string // who signs in at the authorize endpoint
	access       map[string]*grant
	refresh      map[string]*grant
	codes        map[string]*pendingCode
	jtis         map[string]bool // client assertions seen
	stats        Stats
	now          func() time.Time

	srv *http.Server
	ln  net.Listener
}

// New returns a provider issuing tokens valid for an hour that do not
// rotate; user is who signs in at the authorize endpoint.
func New(user string, clients ...Client) *Provider {
	p := &Provider{lifetime: time.Hour, user: user, clients: map[string]Client{}, accounts: map[string]ServiceAccount{},
		access: map[string]*grant{}, refresh: map[string]*grant{}, codes: map[string]*pendingCode{}, jtis: map[string]bool{}, now: time.Now}
	for _, c := range clients {
		p.clients[c.ID] = c
	}
	return p
}

// AddServiceAccount registers a service account for the JWT bearer grant.
func (p *Provider) AddServiceAccount(sa ServiceAccount) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.accounts[sa.Email] = sa
}

// SetLifetime sets how long new access tokens live (rounded up to whole
// seconds in expires_in).
func (p *Provider) SetLifetime(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lifetime = d
}

// SetRotate makes every refresh issue a new refresh token and retire the
// old one.
func (p *Provider) SetRotate(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rotate = on
}

// SetInvalidGrant makes every grant but client credentials answer
// invalid_grant, and introspection report every token inactive (the
// consent was revoked); off, grants work again for new authorizations.
func (p *Provider) SetInvalidGrant(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.invalidGrant = on
	if on {
		p.access, p.refresh = map[string]*grant{}, map[string]*grant{}
	}
}

// Stats returns the counts so far.
func (p *Provider) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Start serves on addr ("127.0.0.1:0" for any port) until Close.
func (p *Provider) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	p.ln = ln
	p.srv = &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(ln)
	return nil
}

// DovecotAddr is where the mail stack's Dovecot asks to introspect
// tokens: 127.0.0.1 and $OAUTH2_PORT, 9099 unless set.
func DovecotAddr() string {
	port := os.Getenv("OAUTH2_PORT")
	if port == "" {
		port = "9099"
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// StartShared starts p on addr, a port that tests of other packages,
// running at the same time, may hold for a while (DovecotAddr): the
// listen is retried until it works or within has passed.
func (p *Provider) StartShared(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		err := p.Start(addr)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// URL is the base URL of a started provider.
func (p *Provider) URL() string { return "http://" + p.ln.Addr().String() }

// TokenURL, AuthURL and IntrospectURL are its endpoints.
func (p *Provider) TokenURL() string      { return p.URL() + "/token" }
func (p *Provider) AuthURL() string       { return p.URL() + "/authorize" }
func (p *Provider) IntrospectURL() string { return p.URL() + "/introspect" }

// Close stops serving.
func (p *Provider) Close() error {
	if p.srv == nil {
		return nil
	}
	return p.srv.Close()
}

// Handler serves /token, /introspect and /authorize.
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("POST /introspect", p.introspect)
	mux.HandleFunc("GET /authorize", p.authorize)
	return mux
}

func random() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// issue answers with a new access token for email, and a refresh token
// when withRefresh. p.mu is held.
func (p *Provider) issue(w http.ResponseWriter, email string, withRefresh bool) {
	at := "at-" + random()
	p.access[at] = &grant{email: email, expiry: p.now().Add(p.lifetime)}
	resp := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": int(math.Ceil(p.lifetime.Seconds()))}
	if withRefresh {
		rt := "rt-" + random()
		p.refresh[rt] = &grant{email: email}
		resp["refresh_token"] = rt
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(resp)
}

// ClientSecret is the client id and secret a token request (its form
// parsed) carries, by HTTP Basic (RFC 6749 section 2.3.1: each part
// form-encoded) or as form parameters.
func ClientSecret(r *http.Request) (id, secret string) {
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		return id, secret
	}
	return r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
}

// client authenticates the OAuth2 client by HTTP Basic, form parameters
// or a signed client assertion.
func (p *Provider) client(r *http.Request) (Client, bool) {
	if r.PostForm.Get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		return p.assertedClient(r)
	}
	id, secret := ClientSecret(r)
	c, known := p.clients[id]
	return c, known && subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) == 1
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, 400, "invalid_request", "unreadable form")
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	gt := r.PostForm.Get("grant_type")
	if gt == "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		p.jwtGrant(w, r.PostForm.Get("assertion"))
		return
	}
	c, ok := p.client(r)
	if !ok {
		oauthError(w, 401, "invalid_client", "unknown client or wrong secret")
		return
	}
	if p.invalidGrant && gt != "client_credentials" {
		p.stats.InvalidGrants++
		oauthError(w, 400, "invalid_grant", "consent revoked")
		return
	}
	switch gt {
	case "client_credentials":
		p.stats.ClientCredentials++
		p.issue(w, c.Email, false)
	case "refresh_token":
		g, ok := p.refresh[r.PostForm.Get("refresh_token")]
		switch {
		case !ok:
			p.stats.InvalidGrants++
			oauthError(w, 400, "invalid_grant", "unknown refresh token")
		case g.used:
			p.stats.RefreshReuses++
			p.stats.InvalidGrants++
			oauthError(w, 400, "invalid_grant", "refresh token already used")
		default:
			p.stats.Refreshes++
			if p.rotate {
				g.used = true
			}
			p.issue(w, g.email, p.rotate)
		}
	case "authorization_code":
		pc, ok := p.codes[r.PostForm.Get("code")]
		delete(p.codes, r.PostForm.Get("code"))
		verifier := r.PostForm.Get("code_verifier")
		sum := sha256.Sum256([]byte(verifier))
		switch {
		case !ok || p.now().After(pc.expiry) || pc.clientID != c.ID:
			p.stats.InvalidGrants++
			oauthError(w, 400, "invalid_grant", "unknown or expired code")
		case pc.redirect != r.PostForm.Get("redirect_uri"):
			p.stats.InvalidGrants++
			oauthError(w, 400, "invalid_grant", "redirect_uri differs")
		case verifier == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != pc.challenge:
			p.stats.InvalidGrants++
			oauthError(w, 400, "invalid_grant", "PKCE verifier does not match")
		default:
			p.stats.Codes++
			p.issue(w, pc.email, true)
		}
	default:
		oauthError(w, 400, "unsupported_grant_type", gt)
	}
}

// jwtGrant checks an RS256 assertion (RFC 7523) of a known service account
// and issues a token for its subject. p.mu is held.
func (p *Provider) jwtGrant(w http.ResponseWriter, assertion string) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		oauthError(w, 400, "invalid_grant", "not a JWT")
		return
	}
	var claims struct {
		Iss, Sub, Scope, Aud string
		Exp                  int64
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err == nil {
		err = json.Unmarshal(payload, &claims)
	}
	sig, serr := base64.RawURLEncoding.DecodeString(parts[2])
	sa, known := p.accounts[claims.Iss]
	if err != nil || serr != nil || !known {
		oauthError(w, 400, "invalid_grant", "unknown issuer")
		return
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(sa.Key, crypto.SHA256, sum[:], sig) != nil {
		oauthError(w, 400, "invalid_grant", "bad signature")
		return
	}
	if claims.Exp < p.now().Unix() || claims.Sub == "" {
		oauthError(w, 400, "invalid_grant", "expired or no subject")
		return
	}
	if p.invalidGrant {
		p.stats.InvalidGrants++
		oauthError(w, 400, "invalid_grant", "delegation revoked")
		return
	}
	p.stats.JWTs++
	p.issue(w, claims.Sub, false)
}

// assertedClient checks a client assertion: RS256 by the key of the
// client's certificate, named by its SHA-1 thumbprint, with iss and sub
// the client id, aud this token endpoint, not expired, jti never seen.
func (p *Provider) assertedClient(r *http.Request) (Client, bool) {
	c, known := p.clients[r.PostForm.Get("client_id")]
	parts := strings.Split(r.PostForm.Get("client_assertion"), ".")
	if !known || c.Certificate == nil || len(parts) != 3 {
		return Client{}, false
	}
	var header struct{ Alg, X5t string }
	var claims struct {
		Iss, Sub, Aud, Jti string
		Exp                int64
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &header) != nil || json.Unmarshal(cb, &claims) != nil {
		return Client{}, false
	}
	thumb := sha1.Sum(c.Certificate.Raw)
	key, isRSA := c.Certificate.PublicKey.(*rsa.PublicKey)
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if header.Alg != "RS256" || header.X5t != base64.RawURLEncoding.EncodeToString(thumb[:]) || !isRSA ||
		rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig) != nil {
		return Client{}, false
	}
	if claims.Iss != c.ID || claims.Sub != c.ID || claims.Aud != "http://"+r.Host+"/token" ||
		claims.Exp < p.now().Unix() || claims.Jti == "" || p.jtis[claims.Jti] {
		return Client{}, false
	}
	p.jtis[claims.Jti] = true
	p.stats.Assertions++
	return c, true
}

func (p *Provider) introspect(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	p.mu.Lock()
	p.stats.Introspections++
	g, ok := p.access[r.PostForm.Get("token")]
	resp := map[string]any{"active": false}
	if ok && p.now().Before(g.expiry) {
		resp = map[string]any{"active": true, "email": g.email, "exp": g.expiry.Unix(), "token_type": "Bearer"}
	}
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

// authorize signs the provider's user in at once and sends the browser
// back with a code, after checking the client, the redirect and PKCE S256.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	defer p.mu.Unlock()
	_, known := p.clients[q.Get("client_id")]
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if !known || err != nil || !redirect.IsAbs() {
		http.Error(w, "unknown client or bad redirect_uri", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	if q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 {
		back.Set("error", "invalid_request")
	} else {
		email := p.user
		if hint := q.Get("login_hint"); hint != "" {
			email = hint
		}
		code := "code-" + random()
		p.codes[code] = &pendingCode{email: email, clientID: q.Get("client_id"), redirect: q.Get("redirect_uri"),
			challenge: q.Get("code_challenge"), expiry: p.now().Add(time.Minute)}
		back.Set("code", code)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}
