package main

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestConfigOIDC: the OIDC_* settings, the client secret from a file,
// and their refusals, each naming its variable.
func TestConfigOIDC(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "oidc")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig(envOf(map[string]string{"OIDC_ISSUER": "https://sso.company.test/realms/c", "OIDC_CLIENT_ID": "tg",
		"OIDC_CLIENT_SECRET_FILE": secret, "OIDC_ALLOWED_DOMAINS": " Company.test, sub.company.test ,",
		"OIDC_ADMIN_GROUP": "helpdesk-admins", "OIDC_AGENT_GROUP": "helpdesk-agents", "OIDC_ONLY": "1",
		"OIDC_BREAK_GLASS": "Root@Company.test", "OIDC_NAME": "Company ID"}), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := OIDCConfig{Issuer: "https://sso.company.test/realms/c", ClientID: "tg", ClientSecret: "s3cret", Name: "Company ID",
		AllowedDomains: []string{"company.test", "sub.company.test"}, AdminGroup: "helpdesk-admins", AgentGroup: "helpdesk-agents",
		Only: true, BreakGlass: "root@company.test"}
	if !reflect.DeepEqual(c.OIDC, want) {
		t.Errorf("OIDC = %+v\nwant %+v", c.OIDC, want)
	}
	sso := ssoConfig(c.OIDC)
	if sso == nil || sso.Issuer != want.Issuer || sso.ClientSecret != "s3cret" || !sso.Only || sso.BreakGlass != want.BreakGlass ||
		sso.Policy.AdminGroup != "helpdesk-admins" || sso.Policy.AgentGroup != "helpdesk-agents" || len(sso.Policy.AllowedDomains) != 2 {
		t.Errorf("ssoConfig = %+v", sso)
	}
	c, err = loadConfig(envOf(nil), nil, nil)
	if err != nil || c.OIDC.Issuer != "" || c.OIDC.Name != "single sign-on" || ssoConfig(c.OIDC) != nil {
		t.Errorf("defaults: %+v, %v", c.OIDC, err)
	}

	iss := map[string]string{"OIDC_ISSUER": "https://sso.company.test", "OIDC_CLIENT_ID": "tg", "OIDC_CLIENT_SECRET": "x"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range iss {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{with("OIDC_ISSUER", "sso.company.test"), "OIDC_ISSUER: want an absolute"},
		{with("OIDC_CLIENT_ID", ""), "OIDC_CLIENT_ID: required with OIDC_ISSUER"},
		{with("OIDC_CLIENT_SECRET", ""), "OIDC_CLIENT_SECRET: required with OIDC_ISSUER"},
		{with("OIDC_CLIENT_SECRET", "a", "OIDC_CLIENT_SECRET_FILE", secret), "both set"},
		{with("OIDC_ALLOWED_DOMAINS", "company.test,*"), "OIDC_ALLOWED_DOMAINS:"},
		{with("OIDC_ALLOWED_DOMAINS", "ann@company.test"), "OIDC_ALLOWED_DOMAINS:"},
		{with("OIDC_ONLY", "yes"), "OIDC_ONLY:"},
		{map[string]string{"OIDC_ONLY": "1"}, "OIDC_ONLY: needs OIDC_ISSUER"},
		{with("OIDC_BREAK_GLASS", "root"), "OIDC_BREAK_GLASS:"},
		{with("OIDC_NAME", "a\nb"), "OIDC_NAME:"},
	} {
		_, err := loadConfig(envOf(tt.env), nil, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("loadConfig(%v) = %v, want one line containing %q", tt.env, err, tt.want)
		}
	}
}

// TestServeSSOProviderDown: serve with OIDC_ISSUER at a provider that
// does not answer starts, shows the button, which says single sign-on is
// unavailable, and keeps password sign-in for the break-glass admin (the
// first admin's one-time password) under OIDC_ONLY.
func TestServeSSOProviderDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	db := filepath.Join(t.TempDir(), "tg.db")
	out, base, _ := servePortal(t, map[string]string{"DATABASE_URL": db, "OIDC_ISSUER": issuer, "OIDC_CLIENT_ID": "tg",
		"OIDC_CLIENT_SECRET": "secret", "OIDC_NAME": "Company ID", "OIDC_ONLY": "1", "OIDC_BREAK_GLASS": "admin@company.test",
		"ADMIN_EMAIL": "admin@company.test"})
	password := waitFor(t, out, regexp.MustCompile(`one-time password: (\S+)`))[1]
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string) {
		resp, err := hc.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	post := func(path string, form url.Values) (int, string) {
		_, page := get("/signin")
		form.Set("csrf", regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)[1])
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, page := get("/signin"); code != http.StatusOK || !strings.Contains(page, "Sign in with Company ID") {
		t.Fatalf("sign-in page = %d\n%s", code, page)
	}
	if code, page := post("/signin/sso", url.Values{}); code != http.StatusServiceUnavailable || !strings.Contains(page, "not available right now") {
		t.Errorf("the button with the provider down = %d", code)
	}
	if code, _ := post("/signin", url.Values{"email": {"ann@company.test"}, "password": {"whatever it is"}}); code != http.StatusForbidden {
		t.Errorf("OIDC_ONLY: another address's password sign-in = %d", code)
	}
	if code, _ := post("/signin", url.Values{"email": {"admin@company.test"}, "password": {password}}); code != http.StatusSeeOther {
		t.Errorf("the break-glass admin's password sign-in = %d", code)
	}
}
