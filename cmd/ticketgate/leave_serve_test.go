package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/leave/leavetest"
	"ticketgate/storage/storagetest"
)

// TestServeReadsLeave: serve reads the leave status of the members whose
// leave_source the setup file names, with the app-only credentials of the
// mailboxes table (a microsoft365 mailbox's client secret from its
// environment variable, a google mailbox's service account key file), at
// GRAPH_URL, MICROSOFT_LOGIN_URL and GOOGLE_API_URL: members on leave are
// marked away by their provider, a member without credentials for their
// provider shows why.
func TestServeReadsLeave(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		fake := leavetest.New(t)
		now := time.Now()
		bobEnd := now.Add(48 * time.Hour).UTC().Truncate(time.Minute)
		gailEnd := now.Add(24 * time.Hour).UTC().Truncate(time.Second)
		fake.Set(leavetest.Replies, "bob@company.test", leavetest.Scheduled(now.Add(-time.Hour), bobEnd))
		fake.Set(leavetest.Vacation, "gail@company.test", leavetest.VacationOn(now.Add(-time.Hour), gailEnd))
		dir := t.TempDir()
		keyFile := filepath.Join(dir, "google-key.json")
		if err := os.WriteFile(keyFile, fake.ServiceAccountKey(t), 0o600); err != nil {
			t.Fatal(err)
		}
		setup := `{"categories": [{"name": "Hardware"}],
 "mailboxes": [
  {"address": "help@company.test", "auth": "oauth2",
   "oauth2": {"provider": "microsoft365", "grant": "app_only", "tenant": "` + fake.Tenant + `", "client_id": "` + fake.ClientID + `",
              "client_secret_env": "LEAVE_TEST_SECRET"}},
  {"address": "it@company.test", "auth": "oauth2",
   "oauth2": {"provider": "google", "grant": "app_only", "service_account_file": "` + keyFile + `"}}],
 "team_members": [
  {"email": "bob@company.test", "categories": ["Hardware"], "leave_source": "microsoft"},
  {"email": "gail@company.test", "categories": ["Hardware"], "leave_source": "google"},
  {"email": "cleo@company.test", "categories": ["Hardware"]}]}`
		file := filepath.Join(dir, "setup.json")
		if err := os.WriteFile(file, []byte(setup), 0o600); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"DATABASE_URL": db.URL, "HTTP_ADDR": "127.0.0.1:0", "SMTP_LISTEN": "off", "HELPDESK_ADDRESS": "help@company.test",
			"GRAPH_URL": fake.GraphURL(), "MICROSOFT_LOGIN_URL": fake.URL, "GOOGLE_API_URL": fake.URL, "LEAVE_TEST_SECRET": fake.Secret}
		if out, errOut, code := runCLI(t, env, "", "setup", "apply", file); code != 0 {
			t.Fatalf("setup apply: %d %q %q", code, out, errOut)
		}
		if out, _, _ := runCLI(t, env, "", "setup", "export"); !strings.Contains(out, `"leave_source": "microsoft"`) || !strings.Contains(out, `"leave_source": "google"`) {
			t.Errorf("setup export lacks the leave sources:\n%s", out)
		}
		st := storagetest.Open(t, db.URL)
		member := func(email string) *domain.TeamMember {
			u, err := st.GetUserByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			m, err := st.GetTeamMemberByUser(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		s := startServeInProcess(t, env)
		defer func() {
			if code := s.stop(); code != 0 {
				t.Errorf("serve exited %d", code)
			}
			if t.Failed() {
				t.Logf("serve output:\n%s", s.output())
			}
		}()
		eventually(t, "bob away by Microsoft 365", func() bool {
			m := member("bob@company.test")
			return !m.Available && m.AwayUntil != nil && m.AwayUntil.Equal(bobEnd) && m.AwaySource == "microsoft"
		})
		eventually(t, "gail away by Google", func() bool {
			m := member("gail@company.test")
			return !m.Available && m.AwayUntil != nil && m.AwayUntil.Equal(gailEnd) && m.AwaySource == "google"
		})
		if m := member("cleo@company.test"); !m.Available || m.LeaveSource != domain.LeaveNone {
			t.Errorf("cleo = %+v, want available, leave not read", m)
		}
		if n := fake.Requests(leavetest.Replies, "bob@company.test"); n != 1 {
			t.Errorf("bob read %d times in the first period, want 1", n)
		}
	})
}
