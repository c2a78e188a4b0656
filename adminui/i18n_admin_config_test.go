package adminui

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"ticketgate/domain"
)

// The configuration pages in every language: categories (with the
// service level form), business-hours calendars, canned replies and
// webhooks, each in its typical states, its form errors and its notices.

// cfgHardware is the page of the fixture's category Hardware.
func cfgHardware(a *adminLanguage) string {
	return fmt.Sprintf("/admin/categories/%d", a.f.t1.CategoryID)
}

// cfgCalendar is the page of a calendar made once ("Werktage").
func cfgCalendar(a *adminLanguage) string {
	return a.once("calendar", func() string {
		resp, body := a.root.post("/admin/calendars/new", url.Values{"name": {"Werktage"}, "time_zone": {"Europe/Berlin"},
			"hours_mon": {"09:00-12:00, 13:00-17:00"}, "hours_fri": {"09:00-15:00"}, "holidays": {"2026-12-25 yearly Weihnachten"}})
		if resp.StatusCode != http.StatusSeeOther {
			a.t.Fatalf("create calendar = %d\n%s", resp.StatusCode, body)
		}
		return strings.TrimSuffix(resp.Header.Get("Location"), "?ok=calendarsaved")
	})
}

// cfgCanned is the page of a canned reply made once.
func cfgCanned(a *adminLanguage) string {
	return a.once("canned", func() string {
		resp, body := a.root.post("/admin/canned/new", url.Values{"title": {"Druckerstau"}, "body": {"Guten Tag {{requester.name}}, {{ticket.ref}}"}})
		if resp.StatusCode != http.StatusSeeOther {
			a.t.Fatalf("create canned reply = %d\n%s", resp.StatusCode, body)
		}
		return strings.TrimSuffix(resp.Header.Get("Location"), "?ok=cannedsaved")
	})
}

// cfgWebhook is the page of a webhook made once, with a delivery that
// failed twice.
func cfgWebhook(a *adminLanguage) string {
	return a.once("webhook", func() string {
		ctx := context.Background()
		resp, body := a.root.post("/admin/webhooks/new", url.Values{"url": {"https://chat.example.com/haken"}, "kind": {"commented", "resolved"},
			"enabled": {"1"}})
		if resp.StatusCode != http.StatusOK {
			a.t.Fatalf("create webhook = %d\n%s", resp.StatusCode, body)
		}
		ws, err := a.f.st.ListWebhooks(ctx)
		if err != nil || len(ws) != 1 {
			a.t.Fatalf("webhooks %+v, %v", ws, err)
		}
		if err := a.f.desk.Comment(ctx, a.f.t1.ID, domain.Actor{Email: "root@company.test", Admin: true}, "Kommentar", "portal"); err != nil {
			a.t.Fatal(err)
		}
		ds, err := a.f.st.ListWebhookDeliveries(ctx, ws[0].ID, 10)
		if err != nil || len(ds) != 1 {
			a.t.Fatalf("deliveries %+v, %v", ds, err)
		}
		d := ds[0]
		d.Status, d.Attempts, d.LastStatus, d.LastError = domain.DeliveryQueued, 2, 500, "dial tcp: connection refused"
		d.NextAttemptAt = d.NextAttemptAt.Add(3600e9)
		if _, err := a.f.st.RecordWebhookAttempt(ctx, &d, d.CreatedAt); err != nil {
			a.t.Fatal(err)
		}
		return "/admin/webhooks/" + strconv.FormatInt(ws[0].ID, 10)
	})
}

// cfgWebhookOff is the webhook's page once it was turned off for failing.
func cfgWebhookOff(a *adminLanguage) string {
	p := cfgWebhook(a)
	ctx := context.Background()
	id, _ := strconv.ParseInt(strings.TrimPrefix(p, "/admin/webhooks/"), 10, 64)
	w, err := a.f.st.GetWebhook(ctx, id)
	if err != nil {
		a.t.Fatal(err)
	}
	if w.DisabledReason != "" {
		return p
	}
	if !w.Enabled {
		a.root.post(p, url.Values{"url": {w.URL}, "kind": {"commented"}, "enabled": {"1"}})
		if w, err = a.f.st.GetWebhook(ctx, id); err != nil {
			a.t.Fatal(err)
		}
	}
	if done, err := a.f.desk.DisableFailingWebhook(ctx, w, "dial tcp: connection refused"); err != nil || !done {
		a.t.Fatalf("disable webhook: %v, %v", done, err)
	}
	return p
}

func cfgGet(path func(a *adminLanguage) string, query string) func(a *adminLanguage) (*http.Response, string) {
	return func(a *adminLanguage) (*http.Response, string) { return a.root.get(path(a) + query) }
}

func cfgPost(path func(a *adminLanguage) string, form url.Values) func(a *adminLanguage) (*http.Response, string) {
	// A copy each time: post adds the client's CSRF token to the form.
	return func(a *adminLanguage) (*http.Response, string) { return a.root.post(path(a), maps.Clone(form)) }
}

func cfgPath(p string) func(a *adminLanguage) string { return func(*adminLanguage) string { return p } }

func init() {
	cats := []string{"Hardware", "Software"}
	webhookData := []string{"https://chat.example.com/haken", "dial tcp: connection refused"}
	tooMany := strings.Repeat("Frage\n", domain.MaxQuestions+1)
	for i := range domain.MaxQuestions + 1 {
		tooMany = strings.Replace(tooMany, "Frage\n", "F"+strconv.Itoa(i)+"\n", 1)
	}
	manyChoices := ""
	for i := range domain.MaxChoices + 1 {
		manyChoices += "c" + strconv.Itoa(i) + ","
	}
	adminLanguagePages = append(adminLanguagePages,
		// Categories.
		adminLanguagePage{name: "categories", mark: `href="/admin/categories/new"`, clean: cats,
			get: cfgGet(cfgPath("/admin/categories"), "")},
		adminLanguagePage{name: "categories-deleted", mark: `id="notice"`, clean: cats,
			get: cfgGet(cfgPath("/admin/categories"), "?ok=catdeleted")},
		adminLanguagePage{name: "category", mark: `id="sla-form"`, clean: cats,
			get: cfgGet(cfgHardware, "")},
		adminLanguagePage{name: "category-saved", mark: `id="notice"`, clean: cats, get: cfgGet(cfgHardware, "?ok=catsaved")},
		adminLanguagePage{name: "category-slasaved", mark: `id="notice"`, clean: cats, get: cfgGet(cfgHardware, "?ok=slasaved")},
		adminLanguagePage{name: "category-merged", mark: `id="notice"`, clean: cats, get: cfgGet(cfgHardware, "?ok=catmerged")},
		adminLanguagePage{name: "category-new", mark: `id="category-form"`, clean: cats,
			get: cfgGet(cfgPath("/admin/categories/new"), "")},
		adminLanguagePage{name: "category-errors", mark: `id="approvers-2-error"`, clean: append(cats, "nope@", "lead@company.test"),
			get: cfgPost(cfgPath("/admin/categories/new"), url.Values{"name": {""}, "levels": {"3"}, "action": {"save"},
				"approvers.0": {"nope@"}, "rule.0": {"all"}, "approvers.1": {"lead@company.test\nlead@company.test"}, "rule.1": {"bogus"},
				"approvers.2": {""}, "rule.2": {"any"}})},
		adminLanguagePage{name: "category-errors-levels", mark: `id="approvers-0-error"`, clean: cats,
			get: func(a *adminLanguage) (*http.Response, string) {
				form := url.Values{"name": {strings.Repeat("x", domain.MaxCategoryName+1)}, "action": {"save"},
					"description": {strings.Repeat("x", domain.MaxCategoryDescription+1)}, "levels": {strconv.Itoa(domain.MaxApprovalLevels + 1)}}
				for i := range domain.MaxApprovalLevels + 1 {
					form.Set(fmt.Sprintf("approvers.%d", i), "root@company.test")
					form.Set(fmt.Sprintf("rule.%d", i), "all")
				}
				many := ""
				for i := range domain.MaxLevelApprovers + 1 {
					many += fmt.Sprintf("a%d@company.test\n", i)
				}
				form.Set("approvers.0", many)
				return a.root.post("/admin/categories/new", form)
			}},
		adminLanguagePage{name: "category-errors-taken", mark: `id="name-error"`, clean: cats,
			get: cfgPost(cfgPath("/admin/categories/new"), url.Values{"name": {"Software"}, "action": {"save"}})},
		adminLanguagePage{name: "category-in-use", mark: `href="#merge"`, clean: cats,
			get: func(a *adminLanguage) (*http.Response, string) { return a.root.post(cfgHardware(a)+"/delete", nil) }},
		adminLanguagePage{name: "category-merge-error", mark: `id="into-error"`, clean: cats,
			get: func(a *adminLanguage) (*http.Response, string) {
				return a.root.post(cfgHardware(a)+"/merge", url.Values{"into": {"x"}})
			}},
		adminLanguagePage{name: "category-sla-errors", mark: `id="sla_at_risk_percent-error"`, clean: append(cats, "nope"),
			get: func(a *adminLanguage) (*http.Response, string) {
				return a.root.post(cfgHardware(a)+"/sla", url.Values{"sla_calendar": {"x"}, "sla_first_response": {"abc"},
					"sla_resolution.high": {"-1"}, "sla_at_risk_percent": {"150"}, "sla_contacts": {"nope"}})
			}},
		adminLanguagePage{name: "category-sla-contacts", mark: `id="sla_contacts-error"`, clean: cats,
			get: func(a *adminLanguage) (*http.Response, string) {
				return a.root.post(cfgHardware(a)+"/sla", url.Values{"sla_contacts": {strings.Repeat("a@company.test\n", domain.MaxEscalationContacts+1)}})
			}},
		adminLanguagePage{name: "category-sla-calendar", mark: `id="sla_calendar-error"`, clean: cats,
			get: func(a *adminLanguage) (*http.Response, string) {
				return a.root.post(cfgHardware(a)+"/sla", url.Values{"sla_calendar": {"987654"}, "sla_first_response": {"4"}})
			}},
	)
	// The questions of the New ticket assistant: each rule's error.
	for i, q := range []string{tooMany, "Modell: welches", "Modell | bogus", "Modell | choice: Eins", "Modell\nmodell",
		"Modell | choice: Eins, Zwei\nGerät | Eins, Zwei", "Modell | asset tag | choice: Eins, Zwei, " + strings.Repeat("x", 200),
		"Gerät | choice: Eins, Zwei | text", strings.Repeat("x", domain.MaxQuestionText+1), "Modell | choice: " + manyChoices} {
		adminLanguagePages = append(adminLanguagePages, adminLanguagePage{name: fmt.Sprintf("category-questions-%d", i), mark: `id="questions-error"`,
			clean: append(cats, "bogus", "modell"),
			get:   cfgPost(cfgPath("/admin/categories/new"), url.Values{"name": {"Netz"}, "action": {"save"}, "questions": {q}})})
	}
	adminLanguagePages = append(adminLanguagePages,
		// Calendars.
		adminLanguagePage{name: "calendars-empty", mark: `href="/admin/calendars/new"`,
			get: func(a *adminLanguage) (*http.Response, string) {
				a.deletePrepared("calendar2")
				a.deletePrepared("calendar")
				return a.root.get("/admin/calendars")
			}},
		adminLanguagePage{name: "calendars-list", mark: `Werktage</a>`, clean: []string{"Europe/Berlin"},
			get: func(a *adminLanguage) (*http.Response, string) {
				cfgCalendar(a)
				return a.root.get("/admin/calendars?ok=calendardeleted")
			}},
		adminLanguagePage{name: "calendar", mark: `id="hours_mon"`, clean: []string{"Europe/Berlin", "yearly"},
			get: cfgGet(cfgCalendar, "?ok=calendarsaved")},
		adminLanguagePage{name: "calendar-default-delete", mark: `id="form-error"`, clean: []string{"Europe/Berlin", "yearly"},
			get: func(a *adminLanguage) (*http.Response, string) {
				p := cfgCalendar(a)
				a.once("calendar2", func() string {
					resp, body := a.root.post("/admin/calendars/new", url.Values{"name": {"Nebenstelle"}, "time_zone": {"UTC"}, "hours_tue": {"08:00-12:00"}})
					if resp.StatusCode != http.StatusSeeOther {
						a.t.Fatalf("create calendar = %d\n%s", resp.StatusCode, body)
					}
					return strings.TrimSuffix(resp.Header.Get("Location"), "?ok=calendarsaved")
				})
				return a.root.post(p+"/delete", nil)
			}},
		adminLanguagePage{name: "calendar-new", mark: `id="calendar-form"`, clean: []string{"Europe/Berlin", "yearly"},
			get: cfgGet(cfgPath("/admin/calendars/new"), "")},
		adminLanguagePage{name: "calendar-errors", mark: `id="hours_thu-error"`, clean: []string{"Europe/Berlin", "yearly", "Mars/Olympus"},
			get: cfgPost(cfgPath("/admin/calendars/new"), url.Values{"name": {""}, "time_zone": {"Mars/Olympus"},
				"hours_mon": {"9-17"}, "hours_tue": {"25:00-26:00"}, "hours_wed": {"09:00"}, "hours_thu": {"12:00-09:00"},
				"hours_fri": {"09:00-12:00, 11:00-13:00"}, "hours_sat": {strings.Repeat("01:00-02:00, ", 20)},
				"holidays": {"2026-13-45 Fest"}})},
		adminLanguagePage{name: "calendar-errors-none", mark: `id="hours_mon-error"`, clean: []string{"Europe/Berlin", "yearly"},
			get: cfgPost(cfgPath("/admin/calendars/new"), url.Values{"name": {"Leer"}, "time_zone": {"UTC"}})},
		adminLanguagePage{name: "calendar-errors-holidays", mark: `id="holidays-error"`, clean: []string{"Europe/Berlin", "yearly"},
			get: cfgPost(cfgPath("/admin/calendars/new"), url.Values{"name": {strings.Repeat("x", domain.MaxCalendarName+1)}, "time_zone": {"UTC"},
				"hours_mon": {"09:00-17:00"}, "holidays": {"2026-12-25 Fest\n2026-12-25 Fest"}})},
		adminLanguagePage{name: "calendar-errors-taken", mark: `id="name-error"`, clean: []string{"Europe/Berlin", "yearly"},
			get: func(a *adminLanguage) (*http.Response, string) {
				cfgCalendar(a)
				return a.root.post("/admin/calendars/new", url.Values{"name": {"Werktage"}, "time_zone": {"UTC"}, "hours_mon": {"09:00-17:00"}})
			}},
		// Canned replies.
		adminLanguagePage{name: "canned", mark: `Druckerstau</a>`, clean: []string{"Druckerstau", "Guten Tag", "{{requester.name}}", "{{ticket.ref}}"},
			get: func(a *adminLanguage) (*http.Response, string) {
				cfgCanned(a)
				return a.root.get("/admin/canned?ok=canneddeleted")
			}},
		adminLanguagePage{name: "canned-reply", mark: `id="canned-form"`, clean: []string{"Druckerstau", "Guten Tag", "{{requester.name}}", "{{ticket.ref}}"},
			get: cfgGet(cfgCanned, "?ok=cannedsaved")},
		adminLanguagePage{name: "canned-new", mark: `id="canned-form"`, get: cfgGet(cfgPath("/admin/canned/new"), "")},
		adminLanguagePage{name: "canned-errors", mark: `id="body-error"`, clean: []string{"{{requester.name}}", "{{ticket.ref}}"},
			get: cfgPost(cfgPath("/admin/canned/new"), url.Values{"title": {""}, "body": {"Guten Tag {{kunde.name}}"}})},
		adminLanguagePage{name: "canned-errors-unclosed", mark: `id="body-error"`, clean: []string{"Druckerstau", "{{requester.name}}", "{{requester.name", "{{ticket.ref}}"},
			get: func(a *adminLanguage) (*http.Response, string) {
				cfgCanned(a)
				return a.root.post("/admin/canned/new", url.Values{"title": {"Druckerstau"}, "body": {"Guten Tag {{requester.name"}})
			}},
		adminLanguagePage{name: "canned-errors-long", mark: `id="title-error"`,
			get: cfgPost(cfgPath("/admin/canned/new"), url.Values{"title": {strings.Repeat("x", 201)}, "body": {strings.Repeat("x", 10001)}})},
		adminLanguagePage{name: "canned-errors-category", mark: `id="category-error"`,
			get: cfgPost(cfgPath("/admin/canned/new"), url.Values{"title": {"Druckerstau"}, "body": {"Text"}, "category": {"abc"}})},
		adminLanguagePage{name: "canned-errors-category-gone", mark: `id="category-error"`,
			get: cfgPost(cfgPath("/admin/canned/new"), url.Values{"title": {"Neu"}, "body": {"Text"}, "category": {"987654"}})},
		// Webhooks.
		adminLanguagePage{name: "webhooks-empty", mark: `href="/admin/webhooks/new"`,
			get: func(a *adminLanguage) (*http.Response, string) {
				a.deletePrepared("webhook")
				return a.root.get("/admin/webhooks")
			}},
		adminLanguagePage{name: "webhooks-list", mark: `href="/admin/webhooks/new"`, clean: webhookData,
			get: func(a *adminLanguage) (*http.Response, string) {
				cfgWebhook(a)
				return a.root.get("/admin/webhooks?ok=webhookdeleted")
			}},
		adminLanguagePage{name: "webhooks-off", mark: `href="/admin/webhooks/new"`, clean: webhookData,
			get: func(a *adminLanguage) (*http.Response, string) {
				cfgWebhookOff(a)
				return a.root.get("/admin/webhooks")
			}},
		adminLanguagePage{name: "webhooks-off-page", mark: `id="disabled"`, clean: webhookData, get: cfgGet(cfgWebhookOff, "")},
		adminLanguagePage{name: "webhooks-manual-off", mark: `href="/admin/webhooks/new"`, clean: webhookData,
			get: func(a *adminLanguage) (*http.Response, string) {
				p := cfgWebhook(a)
				if resp, body := a.root.post(p, url.Values{"url": {"https://chat.example.com/haken"}, "kind": {"commented"}}); resp.StatusCode != http.StatusSeeOther {
					a.t.Fatalf("turn webhook off = %d\n%s", resp.StatusCode, body)
				}
				return a.root.get("/admin/webhooks")
			}},
		adminLanguagePage{name: "webhook", mark: `id="deliveries"`, clean: webhookData, get: cfgGet(cfgWebhook, "?ok=redelivered")},
		adminLanguagePage{name: "webhook-saved", mark: `id="notice"`, clean: webhookData, get: cfgGet(cfgWebhook, "?ok=webhooksaved")},
		adminLanguagePage{name: "webhook-new", mark: `id="webhook-form"`, get: cfgGet(cfgPath("/admin/webhooks/new"), "")},
		adminLanguagePage{name: "webhook-errors", mark: `id="kinds-error"`, clean: webhookData,
			get: cfgPost(cfgPath("/admin/webhooks/new"), url.Values{"url": {"ftp://x"}, "secret": {"geheim"}})},
		adminLanguagePage{name: "webhook-errors-kind", mark: `id="kinds-error"`, clean: append(webhookData, "bogus"),
			get: cfgPost(cfgPath("/admin/webhooks/new"), url.Values{"url": {"https://chat.example.com/haken"}, "kind": {"bogus"}})},
		adminLanguagePage{name: "webhook-secret", mark: `id="new-secret"`, clean: webhookData,
			get: func(a *adminLanguage) (*http.Response, string) {
				p := cfgWebhook(a)
				resp, body := a.root.post(p, url.Values{"url": {"https://chat.example.com/haken"}, "kind": {"commented", "resolved"},
					"enabled": {"1"}, "secret": {domain.NewWebhookSecret()}})
				return resp, body
			}},
	)
}
