package adminui

import (
	"html/template"
	"net/http"
	"sync"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/i18n"
)

// The portal's language (docs/translations.md "Which language"): the
// signed-in user's setting, else the browser's Accept-Language, else
// DEFAULT_LANGUAGE; its dates in the user's time zone, else
// DEFAULT_TIMEZONE.
//
// The page templates are parsed once per language and time zone, with
// t, when and statusLabel bound to them: the first page in a language
// and time zone parses, escapes and folds its set (foldTranslations;
// BenchmarkParsePageSet: 12 MB allocated, about 47 ms on an idle 2-core
// machine, of which 20 ms is html/template's escaping that each page would
// otherwise do at its first request), later ones reuse it. At
// most maxPageSets sets are kept; past that a page is shown in
// DEFAULT_TIMEZONE.

// maxPageSets bounds the parsed template sets (languages × time zones).
const maxPageSets = 24

// pageSets holds the parsed page templates of each language and time
// zone.
type pageSets struct {
	mu     sync.Mutex
	sets   map[string]map[string]*template.Template // "lang|zone" → page → template
	static map[string]string
	cat    *i18n.Catalog
}

// get returns the pages of lang in zone, parsing them on first use.
func (p *pageSets) get(lang, zone string, fallbackZone string) (map[string]*template.Template, error) {
	key := lang + "|" + zone
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.sets[key]; ok {
		return s, nil
	}
	if len(p.sets) >= maxPageSets {
		if s, ok := p.sets[lang+"|"+fallbackZone]; ok {
			return s, nil
		}
		// The language's set in DEFAULT_TIMEZONE is parsed in its place.
		key, zone = lang+"|"+fallbackZone, fallbackZone
	}
	loc, _ := i18n.Location(zone, "")
	s, err := parseTemplates(p.static, p.cat.For(lang, loc))
	if err != nil {
		return nil, err
	}
	p.sets[key] = s
	return s, nil
}

// locale is the language and time zone of r's pages.
func (h *Handler) locale(r *http.Request) (lang, zone string) {
	var userLang string
	zone = h.defaultZone
	if u := stateOf(r).user; u != nil {
		userLang = u.Language
		if u.TimeZone != "" {
			zone = u.TimeZone
		}
	}
	browser, _ := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
	return i18n.Choose(h.defaultLang, userLang, browser), zone
}

// localizer is r's Localizer, for text a handler writes.
func (h *Handler) localizer(r *http.Request) *i18n.Localizer {
	lang, zone := h.locale(r)
	loc, _ := i18n.Location(zone, "")
	return h.catalog.For(lang, loc)
}

// pagesFor returns the page templates for r.
func (h *Handler) pagesFor(r *http.Request) (map[string]*template.Template, error) {
	lang, zone := h.locale(r)
	return h.pageSets.get(lang, zone, h.defaultZone)
}

// localeFuncs are the template functions bound to a language and zone:
//
//	t KEY [NAME VALUE]...  the catalog's message (values escaped)
//	title TEXT             a page title: the catalog's "title.TEXT", else TEXT as a phrase
//	phrase TEXT            an English sentence of Go code (a form error) in the language (i18n.Localizer.Phrase)
//	when TIME              a date and time in the language and zone
//	statusLabel STATUS     a ticket status's name
//	eventLabel KIND        a history event's name
//	slaLabel STATE         an SLA state's name
//	lang                   the language's code, for <html lang>
//	size BYTES             a size in the language's numbers and units
//	zone                   the time zone's name, for the service worker's offline banner
func localeFuncs(l *i18n.Localizer) template.FuncMap {
	return template.FuncMap{
		"t": func(key string, args ...any) (template.HTML, error) {
			s, err := l.HTML(key, args...)
			return template.HTML(s), err // values escaped by HTML; the catalog's tags are checked at load
		},
		"title": func(s string) string {
			if v, err := l.Text("title." + s); err == nil {
				return v
			}
			return l.Phrase(s)
		},
		"phrase": l.Phrase,
		// history: an event's detail, written by the desk in English, in
		// the reader's language (what people wrote stays as it is).
		"history": l.History,
		"when": func(t any) string {
			switch t := t.(type) {
			case time.Time:
				return l.DateTime(t)
			case *time.Time:
				if t != nil {
					return l.DateTime(*t)
				}
			}
			return ""
		},
		"statusLabel": func(s domain.Status) string { return statusText(l, s) },
		"eventLabel":  func(k domain.EventKind) string { return eventText(l, k) },
		"slaLabel":    func(s domain.SLAState) string { return slaText(l, s) },
		"rowsHTML":    func(rows ticketRows) template.HTML { return rows.html(l) },
		"lang":        l.Language,
		"size":        l.Size,
		"zone":        func() string { return l.Location().String() },
	}
}

// slaText is an SLA state's name in l's language.
func slaText(l *i18n.Localizer, s domain.SLAState) string {
	if v, err := l.Text("sla.state." + string(s)); err == nil {
		return v
	}
	return slaLabel(s)
}

// statusText is a status's name in l's language.
func statusText(l *i18n.Localizer, s domain.Status) string {
	if v, err := l.Text("status." + string(s)); err == nil {
		return v
	}
	return string(s)
}

// eventText is an event kind's name in l's language: the catalog's
// "event.KIND", else the kind in words.
func eventText(l *i18n.Localizer, k domain.EventKind) string {
	if v, err := l.Text("event." + string(k)); err == nil {
		return v
	}
	return eventLabel(k)
}

// noticeText is the notice of code in l's language: the catalog's
// "notice.CODE", else the English of notices.
func noticeText(l *i18n.Localizer, code string) string {
	if code == "" {
		return ""
	}
	if v, err := l.Text("notice." + code); err == nil {
		return v
	}
	return notice(code)
}
