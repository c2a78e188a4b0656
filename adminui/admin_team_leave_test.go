package adminui

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/leave"
	"ticketgate/domain/leave/leavetest"
	"ticketgate/domain/mailauth"
	"ticketgate/storage/storagetest"
)

// TestAdminTeamLeave: an admin sets where members' leave is read on the
// team page; after a read against a fake Graph, a missing permission
// shows on the member's row, a member on leave shows away with the
// provider's name, and the latest changes of availability are listed.
func TestAdminTeamLeave(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		root := f.signedIn("root")
		hw := fmt.Sprint(f.t1.CategoryID)
		sw := fmt.Sprint(f.t2.CategoryID)

		// A source that does not exist is refused on the form.
		bobPath := fmt.Sprintf("/admin/team/%d", f.memberID("bob"))
		resp, body := root.post(bobPath, url.Values{"category": {hw}, "availability": {"available"}, "leave_source": {"outlook"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="leave_source-error"`) {
			t.Errorf("bad leave_source = %d, want 422 with the field's message", resp.StatusCode)
		}
		for name, cat := range map[string]string{"bob": hw, "carl": sw} {
			path := fmt.Sprintf("/admin/team/%d", f.memberID(name))
			resp, _ := root.post(path, url.Values{"category": {cat}, "availability": {"available"}, "leave_source": {"microsoft"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("save %s = %d", name, resp.StatusCode)
			}
		}
		if m, _ := f.st.GetTeamMemberByUser(ctx, f.users["bob"].ID); m.LeaveSource != domain.LeaveMicrosoft {
			t.Fatalf("bob's leave source = %q", m.LeaveSource)
		}
		if _, body := root.get(bobPath); !strings.Contains(body, `<option value="microsoft" selected>Microsoft 365</option>`) {
			t.Errorf("member page does not show the source chosen")
		}
		_, body = root.get("/admin/team")
		if !strings.Contains(body, "not read yet") {
			t.Errorf("team page before any read lacks %q", "not read yet")
		}

		// A read: bob's app lacks the permission, carl is on leave.
		fake := leavetest.New(t)
		fake.Set(leavetest.Replies, "bob@company.test", leavetest.Reply{Status: http.StatusForbidden,
			Body: `{"error":{"code":"ErrorAccessDenied","message":"Access is denied. Check credentials and try again."}}`})
		now := time.Now()
		end := now.Add(72 * time.Hour).UTC().Truncate(time.Minute)
		fake.Set(leavetest.Replies, "carl@company.test", leavetest.Scheduled(now.Add(-time.Hour), end))
		src, err := mailauth.Microsoft365{Tenant: fake.Tenant, ClientID: fake.ClientID, ClientSecret: fake.Secret, LoginURL: fake.URL}.
			AppOnlyFor([]string{mailauth.MicrosoftGraphScope}, mailauth.SourceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		reader := domain.NewDesk(f.st, nil, storagetest.Logger(t),
			domain.WithLeave(&leave.Reader{Graph: &leave.Graph{BaseURL: fake.GraphURL(), Tokens: src}}, time.Minute))
		if n, err := reader.ReadLeaves(ctx); err != nil || n != 2 {
			t.Fatalf("ReadLeaves = %d, %v", n, err)
		}
		_, body = root.get("/admin/team")
		text := html.UnescapeString(body)
		for _, want := range []string{
			"Could not read: automatic replies: HTTP 403 ErrorAccessDenied: Access is denied. Check credentials and try again. (missing permission)",
			"until <time datetime=\"" + end.Format(time.RFC3339) + "\">",
			"(Microsoft 365)",
			"on leave: automatic replies scheduled until " + end.Format("2006-01-02 15:04 UTC"),
			"Latest changes of availability",
			"carl@company.test <strong>away</strong> (Microsoft 365): automatic replies scheduled until",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("team page lacks %q", want)
			}
		}
		// The failure never blocks assignment: bob still gets tickets.
		if m, _ := f.st.GetTeamMemberByUser(ctx, f.users["bob"].ID); !m.IsAvailable(time.Now()) {
			t.Errorf("bob, whose leave could not be read, is not available: %+v", m)
		}
	})
}
