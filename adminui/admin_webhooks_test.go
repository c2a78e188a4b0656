package adminui

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"ticketgate/domain"
)

// webhookFixture adds a webhook subscribed to comments to the fixture, and
// a comment on t1, so that it has one delivery.
type webhookFixture struct {
	hook     *domain.Webhook
	delivery int64
}

func (f *fixture) webhooks() webhookFixture {
	f.t.Helper()
	ctx := context.Background()
	root := domain.Actor{Email: "root@company.test", Admin: true}
	w, err := f.desk.SaveWebhook(ctx, root, domain.Webhook{URL: "https://hooks.example.com/helpdesk", Enabled: true,
		Kinds: []domain.EventKind{domain.EventCommented}})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.desk.Comment(ctx, f.t1.ID, root, "webhook fixture", "portal"); err != nil {
		f.t.Fatal(err)
	}
	ds, err := f.st.ListWebhookDeliveries(ctx, w.ID, 10)
	if err != nil || len(ds) != 1 {
		f.t.Fatalf("deliveries %v, %v", ds, err)
	}
	return webhookFixture{hook: w, delivery: ds[0].ID}
}

// webhookSteps are the authorization matrix's rows of the webhooks' routes
// (authz_test.go): admins only, a 404 for everyone else signed in.
func webhookSteps(f *fixture, role string) []step {
	wf := f.webhooks()
	adminWant := map[string]int{"anonymous": 303, "employee": 404, "agent": 404, "admin": 200}[role]
	notFound := map[string]int{"anonymous": 303, "employee": 404, "agent": 404, "admin": 404}[role]
	base := fmt.Sprintf("/admin/webhooks/%d", wf.hook.ID)
	var steps []step
	for _, p := range []string{"/admin/webhooks", "/admin/webhooks/new", base} {
		steps = append(steps, step{"GET", p, nil, adminWant})
	}
	for _, p := range []string{"/admin/webhooks/999999", "/admin/webhooks/x"} {
		steps = append(steps, step{"GET", p, nil, notFound})
	}
	if role == "admin" {
		steps = append(steps,
			step{"POST", base + "/redeliver/999999", nil, 404},
			step{"POST", fmt.Sprintf("/admin/webhooks/999999/redeliver/%d", wf.delivery), nil, 404},
			step{"POST", base + "/redeliver/x", nil, 404},
			step{"POST", "/admin/webhooks/new", url.Values{"url": {"https://a.example.com/"}, "kind": {"received"}}, 200},
			step{"POST", "/admin/webhooks/new", url.Values{"url": {"ftp://a.example.com/"}, "kind": {"received"}}, 422},
			step{"POST", base, url.Values{"url": {"https://b.example.com/"}, "kind": {"resolved"}, "enabled": {"1"}}, 303},
			step{"POST", base, url.Values{"url": {"https://b.example.com/"}, "kind": {"nonsense"}}, 422},
			step{"POST", "/admin/webhooks/999999", url.Values{"url": {"https://b.example.com/"}, "kind": {"resolved"}}, 404},
			step{"POST", "/admin/webhooks/999999/delete", nil, 404},
		)
	}
	for _, s := range webhookAdminPosts(wf) {
		if role != "admin" {
			s.want = adminWant
			steps = append(steps, s)
		}
	}
	if role == "admin" {
		steps = append(steps, step{"POST", base + fmt.Sprintf("/redeliver/%d", wf.delivery), nil, 303},
			step{"POST", base + "/delete", nil, 303})
	}
	return steps
}

// webhookAdminPosts are the webhooks' POST routes with forms that change
// something when accepted.
func webhookAdminPosts(wf webhookFixture) []step {
	base := fmt.Sprintf("/admin/webhooks/%d", wf.hook.ID)
	return []step{
		{"POST", "/admin/webhooks/new", url.Values{"url": {"https://c.example.com/"}, "kind": {"received"}, "enabled": {"1"}}, 0},
		{"POST", base, url.Values{"url": {"https://d.example.com/"}, "kind": {"received"}}, 0},
		{"POST", base + fmt.Sprintf("/redeliver/%d", wf.delivery), nil, 0},
		{"POST", base + "/delete", nil, 0},
	}
}

// webhookSnapshot is every webhook and delivery, to check that refused
// requests changed nothing.
func (f *fixture) webhookSnapshot() string {
	f.t.Helper()
	ctx := context.Background()
	ws, err := f.st.ListWebhooks(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	var b strings.Builder
	for _, w := range ws {
		fmt.Fprintf(&b, "%d %q %q %v %v\n", w.ID, w.URL, w.Secret, w.Kinds, w.Enabled)
		ds, err := f.st.ListWebhookDeliveries(ctx, w.ID, 100)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, d := range ds {
			fmt.Fprintf(&b, "  %d %s %d %v\n", d.ID, d.Status, d.Attempts, d.NextAttemptAt)
		}
	}
	return b.String()
}

// TestWebhooksCSRF: the webhooks' POSTs without the right token are the
// 403 page and change nothing, even for an admin.
func TestWebhooksCSRF(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		wf := f.webhooks()
		root := f.signedIn("root")
		before := f.webhookSnapshot()
		for _, tok := range []string{"", flipFirst(root.csrf)} {
			for _, s := range webhookAdminPosts(wf) {
				form := url.Values{"csrf": {tok}}
				for k, v := range s.form {
					form[k] = v
				}
				resp, body := root.post(s.path, form)
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Form expired") {
					t.Errorf("POST %s, token %q = %d, want the 403 page", s.path, tok, resp.StatusCode)
				}
			}
		}
		if after := f.webhookSnapshot(); after != before {
			t.Errorf("refused posts changed something:\n%s\n%s", before, after)
		}
	})
}

var secretShown = regexp.MustCompile(`whsec_[A-Za-z0-9+/=]{40,}`)

// TestWebhooksAdminPages: creating shows the secret once; a bad form is
// the form again with the message and the input; editing keeps the
// secret; the deliveries show with a redeliver button that queues one
// again; delete.
func TestWebhooksAdminPages(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		root := f.signedIn("root")
		if _, body := root.get("/admin/webhooks"); !strings.Contains(body, "No webhooks yet") || !strings.Contains(body, `href="/admin/webhooks">Webhooks</a>`) {
			t.Fatalf("empty list:\n%s", body)
		}
		for _, tc := range []struct {
			form url.Values
			msg  string
		}{
			{url.Values{"url": {"ftp://x.example.com/"}, "kind": {"received"}}, "Give an http:// or https:// URL"},
			{url.Values{"url": {"https://user:pw@x.example.com/"}, "kind": {"received"}}, "no user name"},
			{url.Values{"url": {"https://x.example.com/"}}, "Pick at least one event kind."},
			{url.Values{"url": {"https://x.example.com/"}, "kind": {"received", "bogus"}}, "&#34;bogus&#34; is not an event kind."},
			{url.Values{"url": {"https://x.example.com/"}, "kind": {"received"}, "secret": {"whsec_short"}}, "A secret is whsec_"},
		} {
			resp, body := root.post("/admin/webhooks/new", tc.form)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tc.msg) || !strings.Contains(body, "Nothing was saved") {
				t.Errorf("POST %v = %d, want 422 with %q", tc.form, resp.StatusCode, tc.msg)
			}
			if u := tc.form.Get("url"); !strings.Contains(body, `value="`+strings.ReplaceAll(u, "&", "&amp;")+`"`) {
				t.Errorf("POST %v: the form lost the URL", tc.form)
			}
		}
		if ws, _ := f.st.ListWebhooks(ctx); len(ws) != 0 {
			t.Fatalf("refused forms saved %d webhooks", len(ws))
		}

		resp, body := root.post("/admin/webhooks/new", url.Values{"url": {"https://chat.example.com/hook"}, "kind": {"commented", "resolved"},
			"enabled": {"1"}})
		secret := secretShown.FindString(html.UnescapeString(body))
		if resp.StatusCode != 200 || secret == "" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create = %d, secret %q\n%s", resp.StatusCode, secret, body)
		}
		ws, err := f.st.ListWebhooks(ctx)
		if err != nil || len(ws) != 1 || ws[0].Secret != secret || !ws[0].Enabled || fmt.Sprint(ws[0].Kinds) != "[commented resolved]" {
			t.Fatalf("stored %+v, %v", ws, err)
		}
		page := fmt.Sprintf("/admin/webhooks/%d", ws[0].ID)
		if _, body := root.get(page); secretShown.MatchString(html.UnescapeString(body)) || !strings.Contains(html.UnescapeString(body), secret[:12]+"…") {
			t.Errorf("the webhook's page shows the secret again, or not its first characters")
		}
		// Edit: off, another kind; the secret stays.
		resp, _ = root.post(page, url.Values{"url": {"https://chat.example.com/hook2"}, "kind": {"commented"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page+"?ok=webhooksaved" {
			t.Errorf("edit = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		w, err := f.st.GetWebhook(ctx, ws[0].ID)
		if err != nil || w.Secret != secret || w.Enabled || w.URL != "https://chat.example.com/hook2" || fmt.Sprint(w.Kinds) != "[commented]" {
			t.Errorf("after edit: %+v, %v", w, err)
		}
		// On again; a comment makes a delivery, shown with its button.
		root.post(page, url.Values{"url": {"https://chat.example.com/hook2"}, "kind": {"commented"}, "enabled": {"1"}})
		if err := f.desk.Comment(ctx, f.t1.ID, domain.Actor{Email: "root@company.test", Admin: true}, "hello hooks", "portal"); err != nil {
			t.Fatal(err)
		}
		ds, err := f.st.ListWebhookDeliveries(ctx, w.ID, 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries %+v, %v", ds, err)
		}
		d := ds[0]
		d.Status, d.Attempts, d.LastStatus, d.LastError = domain.DeliveryQueued, 2, 500, "answered 500 Internal Server Error: \"oops\""
		d.NextAttemptAt = d.NextAttemptAt.Add(3600e9)
		if _, err := f.st.RecordWebhookAttempt(ctx, &d, d.CreatedAt); err != nil {
			t.Fatal(err)
		}
		_, body = root.get(page)
		redeliver := fmt.Sprintf(`action="%s/redeliver/%d"`, page, d.ID)
		for _, want := range []string{fmt.Sprintf("msg_%d", d.ID), "HTTP 500", "oops", redeliver, "Failing since"} {
			if !strings.Contains(body, want) {
				t.Errorf("the webhook's page lacks %q", want)
			}
		}
		resp, _ = root.post(fmt.Sprintf("%s/redeliver/%d", page, d.ID), nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("redeliver = %d", resp.StatusCode)
		}
		if ds, _ := f.st.ListWebhookDeliveries(ctx, w.ID, 10); len(ds) != 1 || !ds[0].NextAttemptAt.Before(d.NextAttemptAt) {
			t.Errorf("after redeliver: %+v", ds)
		}
		resp, _ = root.post(page+"/delete", nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/webhooks?ok=webhookdeleted" {
			t.Errorf("delete = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if ws, _ := f.st.ListWebhooks(ctx); len(ws) != 0 {
			t.Errorf("after delete: %+v", ws)
		}
	})
}
