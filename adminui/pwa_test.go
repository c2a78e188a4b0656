package adminui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"ticketgate/adminui/internal/icons"
	"ticketgate/storage/storagetest"
)

// TestIconsCommittedAsDrawn: the icons in static/ are what package icons
// draws (run `go generate ./adminui` after changing it), at their sizes.
func TestIconsCommittedAsDrawn(t *testing.T) {
	for _, ic := range icons.Set {
		want, err := icons.PNG(ic)
		if err != nil {
			t.Fatal(err)
		}
		got, err := staticFS.ReadFile("static/" + ic.Name)
		if err != nil {
			t.Fatalf("%s: %v (run go generate ./adminui)", ic.Name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("static/%s differs from what package icons draws: run go generate ./adminui", ic.Name)
		}
		img, err := png.Decode(bytes.NewReader(got))
		if err != nil || img.Bounds().Dx() != ic.Size || img.Bounds().Dy() != ic.Size {
			t.Errorf("static/%s: %v, %v; want %d×%d", ic.Name, err, img.Bounds(), ic.Size, ic.Size)
		}
	}
}

// TestManifestAndWorker: the manifest is JSON with the members an install
// needs and icons that are served at the sizes it says; the worker is
// served from the root with its version and files; pages name the
// manifest, and a session's pages carry its offline key while signed-out
// ones carry none; sign-out tells the browser to clear what it kept.
func TestManifestAndWorker(t *testing.T) {
	f := newFixture(t, storagetest.DB{Name: "sqlite", URL: filepath.Join(t.TempDir(), "pwa.db")})
	c := f.client()
	resp, body := c.get("/manifest.webmanifest")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/manifest+json" {
		t.Fatalf("GET /manifest.webmanifest = %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if len(resp.Cookies()) != 0 {
		t.Errorf("the manifest sets cookies: %v", resp.Cookies())
	}
	var m struct {
		Name, StartURL, Display, ThemeColor string
		Icons                               []manifestIcon
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatalf("manifest is not JSON: %v\n%s", err, body)
	}
	for _, k := range []string{"name", "short_name", "start_url", "display", "icons", "theme_color"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("manifest lacks %q", k)
		}
	}
	json.Unmarshal(raw["name"], &m.Name)
	json.Unmarshal(raw["start_url"], &m.StartURL)
	json.Unmarshal(raw["display"], &m.Display)
	json.Unmarshal(raw["theme_color"], &m.ThemeColor)
	json.Unmarshal(raw["icons"], &m.Icons)
	if m.Name != "IT Helpdesk" || m.StartURL != "/" || m.Display != "standalone" || m.ThemeColor != themeColor {
		t.Errorf("manifest = %+v", m)
	}
	sizes := map[string]bool{}
	for _, ic := range m.Icons {
		resp, body := c.get(ic.Src)
		img, err := png.Decode(strings.NewReader(body))
		if resp.StatusCode != 200 || err != nil {
			t.Errorf("icon %s: %d, %v", ic.Src, resp.StatusCode, err)
			continue
		}
		if got := fmt.Sprintf("%dx%d", img.Bounds().Dx(), img.Bounds().Dy()); got != ic.Sizes {
			t.Errorf("icon %s says %s, is %d×%d", ic.Src, ic.Sizes, img.Bounds().Dx(), img.Bounds().Dy())
		}
		sizes[ic.Sizes+" "+ic.Purpose] = true
	}
	for _, want := range []string{"192x192 any", "512x512 any", "512x512 maskable"} {
		if !sizes[want] {
			t.Errorf("manifest has no %s icon: %+v", want, m.Icons)
		}
	}

	resp, body = c.get("/sw.js")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") ||
		!strings.HasPrefix(body, "const VERSION = \"") || !strings.Contains(body, `const OFFLINE = "/offline"`) ||
		!strings.Contains(body, "/static/app.css?v="+f.handler().static["app.css"]) || !strings.Contains(body, "addEventListener('fetch'") {
		t.Errorf("GET /sw.js = %d %q:\n%.300s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "worker-src 'self'") || !strings.Contains(csp, "manifest-src 'self'") {
		t.Errorf("CSP %q", csp)
	}

	resp, body = c.get("/offline")
	if resp.StatusCode != 200 || !strings.Contains(body, "You are offline") || resp.Header.Get(offlineKeyHeader) != "" || len(resp.Cookies()) != 0 {
		t.Errorf("GET /offline = %d, key %q, cookies %v:\n%s", resp.StatusCode, resp.Header.Get(offlineKeyHeader), resp.Cookies(), body)
	}

	// Signed out: a page with the manifest and the worker's script, and
	// no key. The markers the worker rewrites are in the layout as it
	// expects them (pwa/sw.js).
	resp, body = c.get("/signin")
	if resp.Header.Get(offlineKeyHeader) != "" {
		t.Errorf("signed-out page has offline key %q", resp.Header.Get(offlineKeyHeader))
	}
	for _, want := range []string{`<link rel="manifest" href="/manifest.webmanifest">`, `/static/pwa.js?v=`, `<meta name="theme-color" content="#212529">`,
		`<link rel="apple-touch-icon" href="/static/apple-touch-icon.png?v=`, `<div id="offline-copy" hidden`, `<time id="offline-saved" data-zone="UTC"></time>`} {
		if !strings.Contains(body, want) {
			t.Errorf("sign-in page lacks %s", want)
		}
	}
	ann := f.signedIn("ann")
	resp, body = ann.get("/tickets?ok=password")
	key := resp.Header.Get(offlineKeyHeader)
	if len(key) != 32 || !strings.Contains(body, `<div id="notice" class="alert alert-success" role="status">`) {
		t.Errorf("ann's tickets: key %q, notice marker missing or wrong:\n%s", key, body)
	}
	if resp, _ := ann.get("/tickets/" + f.t1.Ref()); resp.Header.Get(offlineKeyHeader) != key {
		t.Errorf("ann's ticket page has key %q, her list %q", resp.Header.Get(offlineKeyHeader), key)
	}
	ben := f.signedIn("ben")
	if resp, _ := ben.get("/tickets"); resp.Header.Get(offlineKeyHeader) == key || resp.Header.Get(offlineKeyHeader) == "" {
		t.Errorf("ben's key %q, ann's %q: want another one", resp.Header.Get(offlineKeyHeader), key)
	}
	resp, _ = ann.post("/signout", url.Values{})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Clear-Site-Data") != `"cache", "storage"` {
		t.Errorf("sign-out = %d, Clear-Site-Data %q", resp.StatusCode, resp.Header.Get("Clear-Site-Data"))
	}
}
