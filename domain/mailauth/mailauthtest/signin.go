package mailauthtest

import (
	"net/http"
	"net/url"
	"testing"
)

// SignIn follows authURL, an authorization URL of this provider, as the
// user's browser would: the provider signs the user in at once and
// redirects back. It returns the state and the code of that redirect, and
// fails t when the provider answers with an error.
func SignIn(t testing.TB, authURL string) (state, code string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %s", resp.Status)
	}
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if e := back.Query().Get("error"); e != "" {
		t.Fatalf("authorize: error %s", e)
	}
	return back.Query().Get("state"), back.Query().Get("code")
}
