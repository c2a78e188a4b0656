package adminui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"

	"ticketgate/domain"
)

// The installable portal: a web app manifest, a service worker and an
// offline page (see docs/portal.md). The service worker's source is
// pwa/sw.js; /sw.js serves it from the root, so its scope is the whole
// portal, behind a first line the server writes: the version (a hash of
// all it depends on, so a new binary installs a new worker) and the files
// it keeps from the start.

//go:embed pwa/sw.js
var pwaFS embed.FS

// themeColor is the header's colour (Bootstrap's dark), the browser's bar
// around an installed portal.
const themeColor = "#212529"

// offlineKeyHeader carries, on every page of a session, the key under
// which the service worker keeps that session's pages: a page of another
// key, or without one, makes it drop them.
const offlineKeyHeader = "X-Offline-Key"

// offlineKey is a session's key for its offline pages: derived from the
// session's id (not its secret), so it tells sessions apart and nothing else.
func offlineKey(s *domain.Session) string {
	sum := sha256.Sum256([]byte("ticketgate offline pages\x00" + s.ID))
	return hex.EncodeToString(sum[:16])
}

// pwaFiles are the manifest and the worker, made once at start.
type pwaFiles struct {
	manifest []byte
	worker   []byte
}

// manifestIcon is one of the manifest's icons.
type manifestIcon struct {
	Src     string `json:"src"`
	Sizes   string `json:"sizes"`
	Type    string `json:"type"`
	Purpose string `json:"purpose"`
}

// precached are the static files every page uses: the worker keeps them
// from the start, with the offline page.
var precached = []string{"bootstrap.min.css", "app.css", "bootstrap.bundle.min.js", "pwa.js", "icon-192.png", "apple-touch-icon.png"}

func newPWAFiles(site string, static map[string]string) (*pwaFiles, error) {
	url := func(name string) (string, error) {
		v, ok := static[name]
		if !ok {
			return "", fmt.Errorf("no static file %q", name)
		}
		return "/static/" + name + "?v=" + v, nil
	}
	var icons []manifestIcon
	for _, ic := range []struct{ name, sizes, purpose string }{
		{"icon-192.png", "192x192", "any"}, {"icon-512.png", "512x512", "any"}, {"icon-maskable-512.png", "512x512", "maskable"},
	} {
		u, err := url(ic.name)
		if err != nil {
			return nil, err
		}
		icons = append(icons, manifestIcon{Src: u, Sizes: ic.sizes, Type: "image/png", Purpose: ic.purpose})
	}
	manifest, err := json.MarshalIndent(map[string]any{
		"id": "/", "name": site, "short_name": site, "description": site + ": your tickets and the helpdesk's queue",
		"start_url": "/", "scope": "/", "display": "standalone",
		"theme_color": themeColor, "background_color": "#ffffff", "icons": icons,
	}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	pre := []string{}
	for _, name := range precached {
		u, err := url(name)
		if err != nil {
			return nil, err
		}
		pre = append(pre, u)
	}
	src, err := pwaFS.ReadFile("pwa/sw.js")
	if err != nil {
		return nil, err
	}
	list, _ := json.Marshal(pre)
	// The version changes with the worker, its files, the site's name and
	// the templates the offline page is made of.
	h := sha256.New()
	h.Write(src)
	h.Write(list)
	h.Write([]byte(site))
	for _, name := range []string{"templates/layout.html", "templates/partials.html", "templates/offline.html"} {
		b, err := templateFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		h.Write(b)
	}
	version := hex.EncodeToString(h.Sum(nil)[:8])
	var w bytes.Buffer
	fmt.Fprintf(&w, "const VERSION = %q;\nconst PRECACHE = %s;\nconst OFFLINE = %q;\n", version, list, offlinePath)
	w.Write(src)
	return &pwaFiles{manifest: manifest, worker: w.Bytes()}, nil
}

// offlinePath is the offline page, which the worker shows for a page it
// cannot fetch and has no copy of.
const offlinePath = "/offline"

// webManifest serves the web app manifest.
func (h *Handler) webManifest(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/manifest+json")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(h.pwa.manifest)
}

// serviceWorker serves the worker from the root, so that it may answer
// for every page. The browser checks it for a new version on each visit.
func (h *Handler) serviceWorker(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(h.pwa.worker)
}

// offlinePage is the page the worker keeps for when there is no network.
// It is the same for everyone (no session is read: it is cached in the
// browser as it is), so it shows no user.
func (h *Handler) offlinePage(w http.ResponseWriter, r *http.Request) {
	l := Layout{Title: "Offline", Site: h.site, RequestID: requestID(r.Context())}
	h.render(w, r, http.StatusOK, "offline", struct{ Layout }{l})
}
