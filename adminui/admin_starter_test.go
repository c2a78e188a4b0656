package adminui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ticketgate/storage/storagetest"
)

// TestAdminStarter: the dashboard of a helpdesk without categories offers
// the starter set; only an admin's POST with the session's CSRF token
// applies it (eight categories, then the categories page with its
// notice), after which the offer is gone. Beside categories of the
// helpdesk's own there is no offer, and a POST changes nothing and says
// why on the dashboard.
func TestAdminStarter(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		f := newBareFixture(t, db)
		root := f.signedIn("root")
		if _, body := root.get("/admin"); !strings.Contains(body, `id="apply-starter"`) || !strings.Contains(body, `action="/admin/starter"`) {
			t.Fatalf("the dashboard without categories offers no starter set:\n%s", body)
		}
		before := f.snapshot()
		for _, name := range []string{"ann", "bob"} {
			if resp, _ := f.signedIn(name).post("/admin/starter", nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("POST /admin/starter as %s = %d, want 404", name, resp.StatusCode)
			}
		}
		anon := f.client()
		anon.get("/signin")
		if resp, _ := anon.post("/admin/starter", nil); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
			t.Errorf("POST /admin/starter signed out = %d to %q, want 303 to /signin", resp.StatusCode, resp.Header.Get("Location"))
		}
		for _, tok := range []string{"", flipFirst(root.csrf)} {
			if resp, body := root.post("/admin/starter", url.Values{"csrf": {tok}}); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Form expired") {
				t.Errorf("POST /admin/starter with token %q = %d, want the 403 page", tok, resp.StatusCode)
			}
		}
		if after := f.snapshot(); after != before {
			t.Fatalf("refused posts changed something:\n%s\n%s", before, after)
		}

		resp, _ := root.post("/admin/starter", nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/categories?ok=starter" {
			t.Fatalf("POST /admin/starter = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		cats, _ := f.st.ListCategories(ctx)
		if len(cats) != 8 || cats[0].StarterKey == "" {
			t.Fatalf("%d categories after the starter set, want 8 with their keys", len(cats))
		}
		if _, body := root.get("/admin/categories?ok=starter"); !strings.Contains(body, "The starter set is applied.") ||
			!strings.Contains(body, "Administrative rights") {
			t.Errorf("categories page after the starter set lacks its notice or categories")
		}
		if _, body := root.get("/admin"); strings.Contains(body, `id="apply-starter"`) {
			t.Error("the dashboard still offers the starter set")
		}
		if _, body := root.get("/admin/categories"); strings.Count(body, ">starter</span>") != 8 {
			t.Error("the categories page does not mark the eight starter categories")
		}
		if _, body := root.get(fmt.Sprintf("/admin/categories/%d", cats[0].ID)); !strings.Contains(body, `id="starter-note"`) {
			t.Error("a starter category's page does not say it learns from the starter set")
		}
		if resp, _ := root.post("/admin/starter", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("POST /admin/starter again = %d, want 303 (nothing to add)", resp.StatusCode)
		}
		if cats, _ := f.st.ListCategories(ctx); len(cats) != 8 {
			t.Errorf("%d categories after a second POST, want 8", len(cats))
		}
	})
	eachFixture(t, func(t *testing.T, f *fixture) {
		root := f.signedIn("root")
		if _, body := root.get("/admin"); strings.Contains(body, `id="apply-starter"`) {
			t.Error("the dashboard offers the starter set beside the helpdesk's categories")
		}
		if _, body := root.get(fmt.Sprintf("/admin/categories/%d", f.t1.CategoryID)); strings.Contains(body, `id="starter-note"`) {
			t.Error("a category of the helpdesk's own says it is a starter category")
		}
		before := f.snapshot()
		resp, body := root.post("/admin/starter", nil)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `id="starter-error"`) ||
			!strings.Contains(body, "categories of its own (Hardware, Software)") {
			t.Errorf("POST /admin/starter beside Hardware and Software = %d, want 409 saying why", resp.StatusCode)
		}
		if after := f.snapshot(); after != before {
			t.Errorf("the refused starter set changed something:\n%s\n%s", before, after)
		}
	})
}
