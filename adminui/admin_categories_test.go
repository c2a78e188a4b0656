package adminui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ticketgate/domain"
)

// categoryValues is the category editor's form with levels given as
// [rule, approvers] pairs.
func categoryValues(name, keywords, action string, levels ...[2]string) url.Values {
	v := url.Values{"name": {name}, "description": {"About " + name}, "keywords": {keywords}, "action": {action},
		"levels": {fmt.Sprint(len(levels))}}
	for i, l := range levels {
		v.Set(fmt.Sprintf("rule.%d", i), l[0])
		v.Set(fmt.Sprintf("approvers.%d", i), l[1])
	}
	return v
}

func TestAdminCategoryCreateAndEdit(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		root := f.signedIn("root")
		v0, _ := f.st.CategoriesVersion(ctx)
		resp, _ := root.post("/admin/categories/new", categoryValues("Access Request", "vpn, Badge\nVPN", "save",
			[2]string{"all", "lead@company.test\nFinance <fin@company.test>"}, [2]string{"any", "cio@company.test, cto@company.test"}))
		if resp.StatusCode != 303 || !strings.HasSuffix(resp.Header.Get("Location"), "?ok=catsaved") {
			t.Fatalf("create = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		c, err := f.st.GetCategoryByName(ctx, "access request")
		if err != nil {
			t.Fatal(err)
		}
		want := []domain.ApprovalLevel{{Rule: "all", Approvers: []string{"lead@company.test", "fin@company.test"}},
			{Rule: "any", Approvers: []string{"cio@company.test", "cto@company.test"}}}
		if fmt.Sprint(c.ApprovalLevels) != fmt.Sprint(want) || strings.Join(c.Keywords, ",") != "vpn,badge" || c.Description != "About Access Request" {
			t.Errorf("created = %+v", c)
		}
		if v1, _ := f.st.CategoriesVersion(ctx); v1 == v0 {
			t.Error("the categories version did not change")
		}
		path := fmt.Sprintf("/admin/categories/%d", c.ID)
		_, body := root.get(path + "?ok=catsaved")
		for _, w := range []string{"The category is saved.", `value="vpn, badge"`, "lead@company.test\nfin@company.test", `<option value="any" selected>`, "<title>Category Access Request · IT Helpdesk</title>"} {
			if !strings.Contains(body, w) {
				t.Errorf("editor lacks %q", w)
			}
		}

		// The level buttons change the form, not the category.
		before := f.snapshot()
		levels := [][2]string{{"all", "a@company.test"}, {"any", "b@company.test"}, {"all", "c@company.test"}}
		for _, tt := range []struct {
			action string
			want   []string // the approvers of the levels, in order
		}{
			{"add-level", []string{"a@company.test", "b@company.test", "c@company.test", ""}},
			{"remove:1", []string{"a@company.test", "c@company.test"}},
			{"up:2", []string{"a@company.test", "c@company.test", "b@company.test"}},
			{"down:0", []string{"b@company.test", "a@company.test", "c@company.test"}},
			{"up:0", []string{"a@company.test", "b@company.test", "c@company.test"}},
		} {
			resp, body := root.post(path, categoryValues("Edited Name", "kw", tt.action, levels...))
			if resp.StatusCode != 200 || !strings.Contains(body, `value="Edited Name"`) ||
				!strings.Contains(body, fmt.Sprintf(`name="levels" value="%d"`, len(tt.want))) {
				t.Errorf("action %s = %d, or the form lost its input", tt.action, resp.StatusCode)
				continue
			}
			for i, a := range tt.want {
				if !strings.Contains(body, fmt.Sprintf(`name="approvers.%d" rows="2">%s</textarea>`, i, a)) {
					t.Errorf("action %s: level %d should hold %q", tt.action, i+1, a)
				}
			}
		}
		if resp, _ := root.post(path, categoryValues("X", "", "explode:1")); resp.StatusCode != 400 {
			t.Errorf("an unknown action = %d, want 400", resp.StatusCode)
		}
		if after := f.snapshot(); after != before {
			t.Errorf("level buttons saved something:\n%s\n%s", before, after)
		}

		// Each kind of invalid input: message next to the field, input kept,
		// nothing saved.
		for _, tt := range []struct {
			form  url.Values
			field string
			msg   string
			keep  string
		}{
			{categoryValues("", "kept keyword", "save"), "name", "Give the category a name.", `value="kept keyword"`},
			{categoryValues("HARDWARE", "kw", "save"), "name", "Another category has this name.", `value="HARDWARE"`},
			{categoryValues("New One", "", "save", [2]string{"all", "lead@company.test\nnot an address"}), "approvers-0", "Not an email address: not an address.", "lead@company.test\nnot an address"},
			{categoryValues("New One", "", "save", [2]string{"all", "a@company.test"}, [2]string{"any", "  "}), "approvers-1", "A level needs at least one approver", `value="New One"`},
			{categoryValues("New One", "", "save", [2]string{"all", "a@company.test, A@company.test"}), "approvers-0", "a@company.test is listed twice.", `value="New One"`},
			{categoryValues("New One", "", "save", [2]string{"most", "a@company.test"}), "rule-0", "Choose whether all approvers", `value="New One"`},
		} {
			resp, body := root.post("/admin/categories/new", tt.form)
			if resp.StatusCode != 422 || !strings.Contains(body, tt.msg) || !strings.Contains(body, tt.keep) || !strings.Contains(body, `id="`+tt.field+`-error"`) {
				t.Errorf("POST %v = %d, want 422 with %q at %s and %q kept", tt.form, resp.StatusCode, tt.msg, tt.field, tt.keep)
			}
		}
		if after := f.snapshot(); after != before {
			t.Errorf("invalid forms saved something:\n%s\n%s", before, after)
		}

		// Edit: the levels are replaced as a whole.
		resp, _ = root.post(path, categoryValues("Access", "badge", "save", [2]string{"any", "boss@company.test"}))
		if resp.StatusCode != 303 {
			t.Fatalf("edit = %d", resp.StatusCode)
		}
		if c, _ := f.st.GetCategory(ctx, c.ID); c.Name != "Access" || len(c.ApprovalLevels) != 1 || c.ApprovalLevels[0].Approvers[0] != "boss@company.test" {
			t.Errorf("edited = %+v", c)
		}
		if _, body := root.get("/admin/categories"); !strings.Contains(body, "Access") || !strings.Contains(body, "boss@company.test") {
			t.Error("the list lacks the edited category")
		}
	})
}

func TestAdminCategoryDeleteAndMerge(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		root := f.signedIn("root")
		hw, sw := f.t1.CategoryID, f.t2.CategoryID
		// Used: refused, with the merge offered; nothing changes.
		before := f.snapshot()
		resp, body := root.post(fmt.Sprintf("/admin/categories/%d/delete", sw), nil)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "cannot be deleted: a ticket uses it") || !strings.Contains(body, `id="merge"`) {
			t.Errorf("delete a used category = %d\n%s", resp.StatusCode, body)
		}
		resp, body = root.post(fmt.Sprintf("/admin/categories/%d/merge", sw), url.Values{"into": {fmt.Sprint(sw)}})
		if resp.StatusCode != 422 || !strings.Contains(body, "Choose another category to merge into.") {
			t.Errorf("merge into itself = %d", resp.StatusCode)
		}
		if resp, _ := root.post(fmt.Sprintf("/admin/categories/%d/merge", sw), url.Values{"into": {"x"}}); resp.StatusCode != 422 {
			t.Errorf("merge into nothing = %d", resp.StatusCode)
		}
		if after := f.snapshot(); after != before {
			t.Errorf("refused deletes changed something:\n%s\n%s", before, after)
		}
		// Merge: the ticket moves with a recategorized event; the category goes.
		resp, _ = root.post(fmt.Sprintf("/admin/categories/%d/merge", sw), url.Values{"into": {fmt.Sprint(hw)}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != fmt.Sprintf("/admin/categories/%d?ok=catmerged", hw) {
			t.Fatalf("merge = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		d, err := f.desk.Ticket(ctx, f.t2.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := d.Events[len(d.Events)-1]
		if d.Ticket.Category != "Hardware" || d.Ticket.Status != domain.StatusAssigned || last.Kind != domain.EventRecategorized ||
			last.Actor != "root@company.test" || !strings.Contains(last.Detail, "from Software to Hardware") {
			t.Errorf("merged ticket = %+v, last event %+v", d.Ticket, last)
		}
		if _, err := f.st.GetCategory(ctx, sw); err == nil {
			t.Error("the merged category is still there")
		}
		// Unused: deleted.
		c := &domain.Category{Name: "Unused"}
		if err := f.st.CreateCategory(ctx, c); err != nil {
			t.Fatal(err)
		}
		if resp, _ := root.post(fmt.Sprintf("/admin/categories/%d/delete", c.ID), nil); resp.StatusCode != 303 {
			t.Errorf("delete an unused category = %d", resp.StatusCode)
		}
		if _, err := f.st.GetCategory(ctx, c.ID); err == nil {
			t.Error("the deleted category is still there")
		}
		if resp, _ := root.post(fmt.Sprintf("/admin/categories/%d/delete", c.ID), nil); resp.StatusCode != 404 {
			t.Errorf("delete a deleted category = %d, want 404", resp.StatusCode)
		}
	})
}
