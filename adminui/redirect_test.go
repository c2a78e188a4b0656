package adminui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// nextCases are next= targets and where sign-in may send the browser.
var nextCases = []struct {
	next, want string
}{
	{"/tickets", "/tickets"},
	{"/tickets/TKT-1", "/tickets/TKT-1"},
	{"/tickets?status=open&page=2", "/tickets?status=open&page=2"},
	{"/admin/tickets?q=TKT-1%2C2", "/admin/tickets?q=TKT-1%2C2"},
	{"/", "/"},
	{"", "/"},
	{"tickets", "/"},
	{"//evil.test", "/"},
	{"///evil.test", "/"},
	{"/\\evil.test", "/"},
	{"\\\\evil.test", "/"},
	{"/%5Cevil.test", "/"},
	{"/%2F/evil", "/"},
	{"/%2f/evil", "/"},
	{"https:evil", "/"},
	{"https://evil.test", "/"},
	{"http:/evil.test", "/"},
	{"javascript:alert(1)", "/"},
	{"/%09/evil.test", "/"},
	{"/\t/evil.test", "/"},
	{"/\r/evil.test", "/"},
	{"/\n/evil.test", "/"},
	{"/ /evil.test", "/"},
	{"/%20/evil.test", "/"},
	{"/%0d%0aSet-Cookie:x=1", "/"},
	{"/\x00", "/"},
	{"/%00", "/"},
	{"/\x7f", "/"},
	{"/\u00a0/evil.test", "/"},
	{"/%C2%A0/evil.test", "/"},
	{"/\u2028", "/"},
	{"/%E2%80%A8", "/"},
	{"/%ff", "/"},
	{"/%zz", "/"},
	{" /tickets", "/"},
	{"\t/tickets", "/"},
	{"/tickets\t", "/"},
	{"/" + strings.Repeat("a", maxNext), "/"},
}

func TestSafeNext(t *testing.T) {
	for _, tt := range nextCases {
		if got := safeNext(tt.next); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.next, got, tt.want)
		}
	}
}

// TestSignInRedirectIsLocal signs in over HTTP with every next= target and
// checks the Location the real handler answers.
func TestSignInRedirectIsLocal(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		for _, tt := range nextCases {
			c := f.client()
			// The sign-in page carries next= from its URL into the form.
			_, body := c.get("/signin?next=" + url.QueryEscape(tt.next))
			if tt.next != "" && !strings.Contains(body, `name="next"`) {
				t.Fatalf("the sign-in page has no next field")
			}
			resp, _ := c.post("/signin", url.Values{"email": {"ann@company.test"}, "password": {fixturePassword}, "next": {tt.next}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign in with next=%q = %d", tt.next, resp.StatusCode)
			}
			if got := resp.Header.Get("Location"); got != tt.want {
				t.Errorf("sign in with next=%q: Location %q, want %q", tt.next, got, tt.want)
			}
			// What a browser would make of it stays on this site.
			loc, err := url.Parse(f.srv.URL + "/signin")
			if err != nil {
				t.Fatal(err)
			}
			if to, err := loc.Parse(resp.Header.Get("Location")); err != nil || to.Host != loc.Host {
				t.Errorf("sign in with next=%q leads to %v (%v)", tt.next, to, err)
			}
		}
	})
}
