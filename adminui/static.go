package adminui

import (
	"embed"
	"net/http"
	"path"

	"github.com/julienschmidt/httprouter"
)

// The app icons in static/ are drawn by package internal/icons; after a
// change there, `go generate ./adminui` writes them again (a test checks
// that the committed files are what it draws).
//go:generate go run ./internal/icons/gen static

// staticFS holds Bootstrap 5 (from the npm registry, committed as it came:
// see static/BOOTSTRAP-LICENSE), app.css, pwa.js (which registers the
// service worker) and the app icons. Nothing is fetched or built at run
// time.
//
//go:embed static
var staticFS embed.FS

// staticFile serves /static/NAME from the embedded files. URLs made by the
// templates carry ?v=<content hash>, so a file may be cached for a year:
// a new binary with a changed file makes a new URL.
func (h *Handler) staticFile(w http.ResponseWriter, r *http.Request) {
	name := path.Clean("/" + httprouter.ParamsFromContext(r.Context()).ByName("file"))[1:]
	if _, ok := h.static[name]; !ok || path.Ext(name) == "" {
		http.NotFound(w, r)
		return
	}
	if r.URL.Query().Get("v") == h.static[name] {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=3600")
	}
	w.Header().Set("ETag", `"`+h.static[name]+`"`)
	http.ServeFileFS(w, r, staticFS, "static/"+name)
}
