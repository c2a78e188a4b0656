package adminui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/i18n"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageNames are the page templates; each is parsed with layout.html into a
// set of its own, so their "content" blocks do not collide.
func pageNames() []string {
	pages := []string{"signin", "forgot", "reset", "password", "profile", "tickets", "ticket", "new_ticket", "queue", "error", "unwatch", "satisfaction", "offline"}
	// Admin: users, categories, team members.
	pages = append(pages, "admin_users", "admin_user", "admin_password", "admin_categories", "admin_category", "admin_team", "admin_member",
		"admin_canned_replies", "admin_canned_reply", "admin_webhooks", "admin_webhook",
		"admin_tokens", "admin_calendars", "admin_calendar")
	// Admin: dashboard, tickets, mail.
	pages = append(pages, "admin_dashboard", "admin_tickets", "admin_ticket",
		"admin_outbox", "admin_inbox", "admin_quarantine", "admin_quarantined", "admin_approvals",
		"admin_mailboxes", "admin_mailbox", "admin_mailbox_delete")
	return pages
}

// Layout is what every page shows around its content.
type Layout struct {
	Title     string
	Site      string
	Nav       string       // the navigation entry to highlight
	User      *domain.User // nil when signed out
	Agent     bool         // the user works a queue (agent or admin)
	CSRF      string       // the token every form sends back
	RequestID string
	Notice    string // a success message after a redirect
	Lang      string // the page's language (adminui/i18n.go)
}

// parseTemplates parses every page once, at start; a missing or broken page
// is an error then rather than at the first request. The pages' fixed
// words are written into them in l's language (foldTranslations).
func parseTemplates(static map[string]string, l *i18n.Localizer) (map[string]*template.Template, error) {
	pages, err := parseUnfolded(static, l)
	if err != nil {
		return nil, err
	}
	for _, t := range pages {
		foldTranslations(t, l)
	}
	return pages, nil
}

// parseUnfolded is parseTemplates without foldTranslations.
func parseUnfolded(static map[string]string, l *i18n.Localizer) (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"ticketRows": newTicketRows,
		"queueRows": func(ts []domain.Ticket, link string) ticketRows {
			return ticketRows{Tickets: ts, Link: link, Requester: true, Due: true}
		},
		"slaClass": slaClass,
		"static": func(name string) (string, error) {
			v, ok := static[name]
			if !ok {
				return "", fmt.Errorf("no static file %q", name)
			}
			return "/static/" + name + "?v=" + v, nil
		},
		"iso": iso,
		"ref": domain.FormatRef,
	}
	maps.Copy(funcs, adminFuncs()) // Admin: dashboard, tickets, mail.
	maps.Copy(funcs, pagerFuncs())
	maps.Copy(funcs, mailboxFuncs())
	maps.Copy(funcs, localeFuncs(l))
	out := map[string]*template.Template{}
	for _, p := range pageNames() {
		name := "templates/" + p + ".html"
		if _, err := fs.Stat(templateFS, name); err != nil {
			return nil, fmt.Errorf("template %s: %w", p, err)
		}
		t, err := template.New(p).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", name)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", p, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("template %s defines no content", p)
		}
		out[p] = t
	}
	return out, nil
}

// eventLabel is an event kind in English words.
func eventLabel(k domain.EventKind) string {
	if k == domain.EventNote {
		return "Internal note"
	}
	s := strings.ReplaceAll(string(k), "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

func humanSize(n int64) string { return domain.SizeText(n) }

// slaLabel and slaClass show an SLA state (issue 18).
func slaLabel(s domain.SLAState) string {
	switch s {
	case domain.SLAOK:
		return "On track"
	case domain.SLAAtRisk:
		return "At risk"
	case domain.SLABreached:
		return "Breached"
	case domain.SLAMet:
		return "Met"
	case domain.SLAPaused:
		return "Paused"
	}
	return string(s)
}

func slaClass(s domain.SLAState) string {
	switch s {
	case domain.SLAAtRisk:
		return "text-bg-warning"
	case domain.SLABreached:
		return "text-bg-danger"
	case domain.SLAMet:
		return "text-bg-success"
	}
	return "text-bg-secondary"
}

// layout returns the common page data for r.
func (h *Handler) layout(r *http.Request, title, nav string) Layout {
	st := stateOf(r)
	l := Layout{Title: title, Site: h.site, Nav: nav, CSRF: st.csrf, RequestID: requestID(r.Context())}
	if st.user != nil {
		l.User = st.user
		l.Agent = st.user.Role == domain.RoleAgent || st.user.IsAdmin()
	}
	l.Notice = noticeText(h.localizer(r), r.URL.Query().Get("ok"))
	l.Lang, _ = h.locale(r)
	return l
}

// render writes page with data and status. The page is rendered into a
// buffer first: a template error becomes a clean 500, never half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	pages, err := h.pagesFor(r)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	t, ok := pages[page]
	if !ok {
		h.internalError(w, r, fmt.Errorf("no page template %q", page))
		return
	}
	buf := h.pages.get()
	defer h.pages.put(buf)
	if err := t.ExecuteTemplate(buf, "layout", data); err != nil {
		h.internalError(w, r, fmt.Errorf("render %s: %w", page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	setOfflineKey(w, r)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// setOfflineKey names the session a page belongs to, for the service
// worker (pwa.go); a page without it is a signed-out one.
func setOfflineKey(w http.ResponseWriter, r *http.Request) {
	if s := stateOf(r).session; s != nil {
		w.Header().Set(offlineKeyHeader, offlineKey(s))
	}
}

// maxPooledPage is the largest page buffer kept for reuse: a rare huge page
// (a long ticket) is left to the collector rather than pinned in the pool.
const maxPooledPage = 256 << 10

// pagePool keeps the buffers pages are rendered into, so that a busy portal
// reuses a few instead of growing a new one per request.
type pagePool struct{ p sync.Pool }

func (pp *pagePool) get() *bytes.Buffer {
	if b, ok := pp.p.Get().(*bytes.Buffer); ok {
		return b
	}
	return new(bytes.Buffer)
}

func (pp *pagePool) put(b *bytes.Buffer) {
	if b.Cap() > maxPooledPage {
		return
	}
	b.Reset()
	pp.p.Put(b)
}

// errorPage is the data of the error page.
type errorPage struct {
	Layout
	Heading string
	Message string
	ShowID  bool
}

// showError renders the friendly error page.
func (h *Handler) showError(w http.ResponseWriter, r *http.Request, status int, heading, message string) {
	l := h.layout(r, heading, "")
	l.Notice = ""
	// The catalog's words for the common errors (errorKeys); others stay
	// as the handler wrote them.
	if k, ok := errorKeys[heading]; ok {
		loc := h.localizer(r)
		heading = loc.T("error." + k)
		if message == errorTexts[k] {
			message = loc.T("error." + k + "_text")
		}
	}
	h.render(w, r, status, "error", errorPage{Layout: l, Heading: heading, Message: message, ShowID: status >= 500})
}

// errorKeys name the catalog's entries ("error.KEY", "error.KEY_text")
// of the error pages every user may meet.
var errorKeys = map[string]string{"Not found": "not_found", "Bad request": "bad_request", "Form expired": "form_expired",
	"Something went wrong": "went_wrong"}

// errorTexts are the English messages of errorKeys, as the handlers write
// them: a handler's other message is shown as it is.
var errorTexts = map[string]string{
	"not_found":    "There is no such page, or it is not yours to see.",
	"bad_request":  "The form could not be read. Go back and try again.",
	"form_expired": "This form was not accepted (it may have expired, or come from another site). Go back, reload the page and try again.",
	"went_wrong":   "We could not complete your request. Please try again in a moment.",
}

// notFound is the 404 page, for unknown routes and for things the user may
// not see alike.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.showError(w, r, http.StatusNotFound, "Not found", "There is no such page, or it is not yours to see.")
}

// lookupFailed answers a request whose lookup failed: not found for
// domain.ErrNotFound (the page does not say whether the thing exists
// elsewhere), an internal error otherwise. It reports whether err ended
// the request, that is whether it was not nil.
func (h *Handler) lookupFailed(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, domain.ErrNotFound):
		h.notFound(w, r)
	default:
		h.internalError(w, r, err)
	}
	return true
}

// internalError logs err with the request id and shows a page with the id
// only: the details are for the log.
func (h *Handler) internalError(w http.ResponseWriter, r *http.Request, err error) {
	id := requestID(r.Context())
	if id == "" { // from recoverer, outside requestLog
		id = w.Header().Get("X-Request-Id")
	}
	h.log.ErrorContext(r.Context(), "request failed", slog.String("request_id", id), slog.String("path", logPath(r)), slog.Any("error", err))
	t, ok := h.templates["error"]
	if ok {
		var buf bytes.Buffer
		l := h.layout(r, "Something went wrong", "")
		l.Notice, l.RequestID = "", id
		data := errorPage{Layout: l, Heading: "Something went wrong", Message: errorTexts["went_wrong"], ShowID: true}
		if t.ExecuteTemplate(&buf, "layout", data) == nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			setOfflineKey(w, r)
			w.WriteHeader(http.StatusInternalServerError)
			w.Write(buf.Bytes())
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, "Something went wrong. Reference: %s\n", id)
}

// staticVersions returns a short content hash of every static file, used
// as ?v= so that the files can be cached for a year.
func staticVersions() (map[string]string, error) {
	out := map[string]string{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	return out, err
}

// ticketRows is what the "ticketrows" partial shows: the rows of a ticket
// list, each linking to Link+ref, with the requester and assignee columns
// the list asks for.
type ticketRows struct {
	Tickets             []domain.Ticket
	Link                string
	Requester, Assignee bool
	// Due adds the column of the SLA's resolution due time (the queue).
	Due bool
}

func newTicketRows(ts []domain.Ticket, link string, requester, assignee bool) ticketRows {
	return ticketRows{Tickets: ts, Link: link, Requester: requester, Assignee: assignee}
}

// iso is a time (or a non-nil *time.Time) as RFC 3339 in UTC, for a
// datetime attribute; "" for anything else.
func iso(t any) string {
	switch t := t.(type) {
	case time.Time:
		return t.UTC().Format(time.RFC3339)
	case *time.Time:
		if t != nil {
			return t.UTC().Format(time.RFC3339)
		}
	}
	return ""
}

// htmlText escapes a text as html/template escapes a value in an element's
// text or a quoted attribute (its htmlReplacementTable).
var htmlText = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// html writes the rows in l's language, byte for byte as the "ticketrows"
// partial's template did: a list page's rows were half its CPU when each
// of their dozen values went through html/template's reflection and
// escapers. Every value is escaped (htmlText); a link is the list's Link
// and a ticket's ref, which hold no character a URL escapes.
func (rows ticketRows) html(l *i18n.Localizer) template.HTML {
	var b strings.Builder
	b.Grow(400 * len(rows.Tickets))
	text := func(v string) { htmlText.WriteString(&b, v) }
	when := func(t time.Time) {
		b.WriteString(`<time datetime="`)
		text(iso(t))
		b.WriteString(`">`)
		text(l.DateTime(t))
		b.WriteString(`</time>`)
	}
	orDash := func(v string) {
		if v == "" {
			v = "—"
		}
		text(v)
	}
	for i := range rows.Tickets {
		t := &rows.Tickets[i]
		ref := t.Ref()
		b.WriteString("\n  <tr>\n    <td class=\"text-nowrap\"><a href=\"")
		text(rows.Link + ref)
		b.WriteString(`">`)
		text(ref)
		b.WriteString("</a></td>\n    <td>")
		text(t.Subject)
		b.WriteString("</td>\n    <td><span class=\"badge status status-")
		text(string(t.Status))
		b.WriteString(`">`)
		text(statusText(l, t.Status))
		b.WriteString("</span></td>\n    <td>")
		orDash(t.Category)
		b.WriteString("</td>\n    ")
		if rows.Requester {
			b.WriteString("<td>")
			text(t.Requester)
			b.WriteString("</td>")
		}
		b.WriteString("\n    ")
		if rows.Assignee {
			b.WriteString("<td>")
			orDash(t.Assignee)
			b.WriteString("</td>")
		}
		b.WriteString("\n    ")
		if rows.Due {
			b.WriteString(`<td class="text-nowrap">`)
			if st := t.SLA.State; st != "" {
				if due := t.SLA.ResolutionDueAt; due != nil {
					when(*due)
				} else {
					b.WriteString("—")
				}
				b.WriteString(` <span class="badge sla-`)
				text(string(st))
				b.WriteString(" ")
				text(slaClass(st))
				b.WriteString(`">`)
				text(slaText(l, st))
				b.WriteString("</span>")
			} else {
				b.WriteString("—")
			}
			b.WriteString("</td>")
		}
		b.WriteString("\n    <td>")
		when(t.UpdatedAt)
		b.WriteString("</td>\n  </tr>")
	}
	return template.HTML(b.String())
}
