package adminui

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"ticketgate/domain/mailauth/mailauthtest"
)

// testOP is a small OpenID provider on loopback for the single sign-on
// tests: discovery, a JWKS with one RSA key, an authorization endpoint
// that signs in whoever the test set (no page) and redirects back with a
// code, and a token endpoint that checks the client, the code, the
// redirect URI and the PKCE verifier (S256) before it answers with an ID
// token signed RS256.
type testOP struct {
	t      testing.TB
	srv    *httptest.Server
	key    *rsa.PrivateKey
	client string
	secret string

	mu     sync.Mutex
	codes  map[string]opGrant
	person opPerson
	// tweak changes the ID token's claims before signing; signKey, when
	// set, signs with another key than the JWKS's.
	tweak   func(claims map[string]any)
	signKey *rsa.PrivateKey
	// down makes discovery answer 503.
	down bool
	// refusedPKCE counts token requests refused for their verifier.
	refusedPKCE int
}

// opPerson is who signs in at the provider next.
type opPerson struct {
	Email    string
	Verified any // the email_verified claim; nil leaves it out
	Name     string
	Groups   []string
}

type opGrant struct {
	nonce, challenge, redirect string
	person                     opPerson
}

var (
	opKeyOnce  sync.Once
	opKeys     [2]*rsa.PrivateKey
	opKeyError error
)

// opKey returns the provider's key (0) or another one (1), made once.
func opKey(t testing.TB, i int) *rsa.PrivateKey {
	opKeyOnce.Do(func() {
		for j := range opKeys {
			if opKeys[j], opKeyError = rsa.GenerateKey(rand.Reader, 2048); opKeyError != nil {
				return
			}
		}
	})
	if opKeyError != nil {
		t.Fatal(opKeyError)
	}
	return opKeys[i]
}

func newTestOP(t testing.TB) *testOP {
	op := &testOP{t: t, key: opKey(t, 0), client: "ticketgate-test", secret: "op-client-secret", codes: map[string]opGrant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", op.discovery)
	mux.HandleFunc("GET /jwks", op.jwks)
	mux.HandleFunc("GET /authorize", op.authorize)
	mux.HandleFunc("POST /token", op.token)
	op.srv = httptest.NewServer(mux)
	t.Cleanup(op.srv.Close)
	return op
}

func (op *testOP) set(p opPerson, tweak func(map[string]any)) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.person, op.tweak, op.signKey = p, tweak, nil
}

func (op *testOP) discovery(w http.ResponseWriter, r *http.Request) {
	op.mu.Lock()
	down := op.down
	op.mu.Unlock()
	if down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	u := op.srv.URL
	json.NewEncoder(w).Encode(map[string]any{
		"issuer": u, "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/token", "jwks_uri": u + "/jwks",
		"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
		"scopes_supported": []string{"openid", "email", "profile"},
	})
}

func (op *testOP) jwks(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &op.key.PublicKey, KeyID: "k1", Algorithm: string(jose.RS256), Use: "sig"}}})
}

func (op *testOP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	scopes := " " + q.Get("scope") + " "
	if q.Get("response_type") != "code" || q.Get("client_id") != op.client || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" || q.Get("redirect_uri") == "" ||
		!strings.Contains(scopes, " openid ") || !strings.Contains(scopes, " email ") || !strings.Contains(scopes, " profile ") {
		op.t.Errorf("test OP: bad authorization request %s", r.URL.RawQuery)
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	code := rand.Text()
	op.mu.Lock()
	op.codes[code] = opGrant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), person: op.person}
	op.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	bq := back.Query()
	bq.Set("code", code)
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (op *testOP) token(w http.ResponseWriter, r *http.Request) {
	fail := func(code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": code})
	}
	if err := r.ParseForm(); err != nil {
		fail("invalid_request")
		return
	}
	id, secret := mailauthtest.ClientSecret(r)
	if id != op.client || subtle.ConstantTimeCompare([]byte(secret), []byte(op.secret)) != 1 {
		fail("invalid_client")
		return
	}
	op.mu.Lock()
	g, found := op.codes[r.PostForm.Get("code")]
	delete(op.codes, r.PostForm.Get("code")) // one use
	tweak, signKey := op.tweak, op.signKey
	op.mu.Unlock()
	if r.PostForm.Get("grant_type") != "authorization_code" || !found || r.PostForm.Get("redirect_uri") != g.redirect {
		fail("invalid_grant")
		return
	}
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		op.mu.Lock()
		op.refusedPKCE++
		op.mu.Unlock()
		fail("invalid_grant")
		return
	}
	now := time.Now()
	claims := map[string]any{"iss": op.srv.URL, "sub": "sub-" + g.person.Email, "aud": op.client,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": g.nonce,
		"email": g.person.Email, "name": g.person.Name}
	if g.person.Verified != nil {
		claims["email_verified"] = g.person.Verified
	}
	if g.person.Groups != nil {
		claims["groups"] = g.person.Groups
	}
	if tweak != nil {
		tweak(claims)
	}
	key := op.key
	if signKey != nil {
		key = signKey
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		op.t.Error(err)
		fail("server_error")
		return
	}
	payload, _ := json.Marshal(claims)
	obj, err := signer.Sign(payload)
	if err != nil {
		op.t.Error(err)
		fail("server_error")
		return
	}
	raw, _ := obj.CompactSerialize()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": rand.Text(), "token_type": "Bearer", "expires_in": 300, "id_token": raw})
}

// TestOPChecksPKCE: the test provider refuses a code traded with the
// wrong verifier, so the sign-on tests that pass prove ticketgate sent
// the right one.
func TestOPChecksPKCE(t *testing.T) {
	op := newTestOP(t)
	op.set(opPerson{Email: "x@company.test", Verified: true}, nil)
	verifier := "a-verifier-long-enough-for-pkce-0123456789abcdef"
	sum := sha256.Sum256([]byte(verifier))
	nc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	authorize := func() string {
		q := url.Values{"response_type": {"code"}, "client_id": {op.client}, "code_challenge_method": {"S256"},
			"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "nonce": {"n"}, "state": {"s"},
			"redirect_uri": {"http://127.0.0.1/cb"}, "scope": {"openid email profile"}}
		resp, err := nc.Get(op.srv.URL + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		return loc.Query().Get("code")
	}
	trade := func(code, v string) int {
		resp, err := http.PostForm(op.srv.URL+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {"http://127.0.0.1/cb"}, "code_verifier": {v}, "client_id": {op.client}, "client_secret": {op.secret}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := trade(authorize(), verifier+"x"); got != http.StatusBadRequest {
		t.Errorf("wrong verifier: %d", got)
	}
	if got := trade(authorize(), verifier); got != http.StatusOK {
		t.Errorf("right verifier: %d", got)
	}
}
