package mailauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"ticketgate/domain/mailauth/mailauthtest"
)

func TestMicrosoft365Preset(t *testing.T) {
	m := Microsoft365{Tenant: "contoso.onmicrosoft.com", ClientID: "cid", ClientSecret: "sec"}
	d := m.Delegated("https://desk.test/admin/mailboxes/oauth/callback")
	if d.Config.Endpoint.AuthURL != "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize" ||
		d.Config.Endpoint.TokenURL != "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token" {
		t.Errorf("endpoints %+v", d.Config.Endpoint)
	}
	want := []string{"offline_access", "https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send"}
	if !slices.Equal(d.Config.Scopes, want) {
		t.Errorf("delegated scopes %v, want %v", d.Config.Scopes, want)
	}
	a, _ := d.Start("help@contoso.test")
	if u, _ := url.Parse(a.URL); u.Query().Get("code_challenge_method") != "S256" || u.Query().Get("redirect_uri") != "https://desk.test/admin/mailboxes/oauth/callback" {
		t.Errorf("authorization URL %s", a.URL)
	}
	if g := m.Generic(); g.TokenURL != d.Config.Endpoint.TokenURL {
		t.Errorf("Generic() token URL %s", g.TokenURL)
	}
	if MicrosoftAppOnlyScope != "https://outlook.office365.com/.default" {
		t.Error("app-only scope changed")
	}
}

func TestGooglePreset(t *testing.T) {
	d := Google{ClientID: "cid", ClientSecret: "sec"}.Delegated("https://desk.test/cb")
	a, _ := d.Start("")
	u, _ := url.Parse(a.URL)
	q := u.Query()
	if !strings.HasPrefix(a.URL, "https://accounts.google.com/o/oauth2/v2/auth?") || d.Config.Endpoint.TokenURL != "https://oauth2.googleapis.com/token" {
		t.Errorf("endpoints: %s %s", a.URL, d.Config.Endpoint.TokenURL)
	}
	if q.Get("scope") != "https://mail.google.com/" || q.Get("access_type") != "offline" || q.Get("prompt") != "consent" {
		t.Errorf("authorization URL %s", a.URL)
	}
}

// TestGoogleServiceAccount: the JWT bearer grant with the mailbox as
// subject, against the test provider (the key file's token_uri).
func TestGoogleServiceAccount(t *testing.T) {
	p := provider(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p.AddServiceAccount(mailauthtest.ServiceAccount{Email: "tg@project.iam.gserviceaccount.com", Key: &key.PublicKey})
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	keyFile, _ := json.Marshal(map[string]string{
		"type": "service_account", "client_email": "tg@project.iam.gserviceaccount.com", "private_key_id": "k1",
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "token_uri": p.TokenURL(),
	})
	src, err := Google{ServiceAccountJSON: keyFile}.ServiceAccount("help@company.test", SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if who := introspect(t, p, tok.AccessToken); who != "help@company.test" || p.Stats().JWTs != 1 {
		t.Errorf("token for %q after %d JWT grants", who, p.Stats().JWTs)
	}
	if _, err := (Google{ServiceAccountJSON: []byte(`{"private_key": "-----BEGIN`)}).ServiceAccount("x", SourceOptions{}); err == nil || strings.Contains(err.Error(), "BEGIN") {
		t.Errorf("broken key file: %v", err)
	}
	if _, err := (Google{ServiceAccountJSON: []byte(`{"type": "authorized_user"}`)}).ServiceAccount("x", SourceOptions{}); err == nil {
		t.Error("a key file that is not a service account's was accepted")
	}
}

func TestConnectNeedsRefreshToken(t *testing.T) {
	st := NewMemoryStore(StoredToken{})
	if err := Connect(context.Background(), st, &oauth2.Token{AccessToken: "a"}); err == nil {
		t.Error("Connect kept a grant without refresh token")
	}
	if err := Connect(context.Background(), st, &oauth2.Token{AccessToken: "a", RefreshToken: "r1"}); err != nil {
		t.Fatal(err)
	}
	// Connecting again replaces the grant (Reconnect after invalid_grant).
	if err := Connect(context.Background(), st, &oauth2.Token{AccessToken: "b", RefreshToken: "r2"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Load(context.Background()); got.RefreshToken != "r2" || got.Version != 2 {
		t.Errorf("stored %v (refresh token r2? %v)", got, got.RefreshToken == "r2")
	}
}
