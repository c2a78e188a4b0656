package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// runCLI runs the command in-process with only the given environment.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, envOf(env), strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func TestUnknownCommandAndHelp(t *testing.T) {
	if _, errOut, code := runCLI(t, nil, "", "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: code %d, stderr %q", code, errOut)
	}
	for _, cmd := range [][]string{{"serve", "--help"}, {"migrate", "--help"}, {"user", "add", "--help"}, {"user", "reset-password", "--help"},
		{"user", "list", "--help"}, {"ticket", "list", "--help"}, {"ticket", "show", "--help"}, {"setup", "apply", "--help"},
		{"setup", "export", "--help"}, {"mailbox", "list", "--help"}, {"mailbox", "test", "--help"}, {"version", "--help"}} {
		_, errOut, code := runCLI(t, nil, "", cmd...)
		if code != 0 || !strings.Contains(errOut, "Usage: ticketgate "+cmd[0]) || !strings.Contains(errOut, "--database-url") {
			t.Errorf("%v: code %d, help %q", cmd, code, errOut)
		}
	}
	if out, _, code := runCLI(t, nil, "", "version"); code != 0 || !strings.HasPrefix(out, "ticketgate ") {
		t.Errorf("version: %d %q", code, out)
	}
}

func TestBadDatabaseURL(t *testing.T) {
	tests := []struct{ url, want string }{
		{"mysql://root@localhost/db", `DATABASE_URL: unknown scheme "mysql"`},
		{"postgres://postgres:hunter2@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", "DATABASE_URL: cannot open PostgreSQL"},
		{filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"), "DATABASE_URL:"},
	}
	for _, tt := range tests {
		out, errOut, code := runCLI(t, map[string]string{"DATABASE_URL": tt.url}, "", "ticket", "list")
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code != 1 || len(lines) != 1 || !strings.Contains(errOut, tt.want) || out != "" {
			t.Errorf("DATABASE_URL=%s: code %d, stderr %q; want exit 1 and one line with %q", tt.url, code, errOut, tt.want)
		}
		if strings.Contains(errOut, "hunter2") {
			t.Errorf("the password leaked: %q", errOut)
		}
	}
}

func TestUserCommands(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		env := map[string]string{"DATABASE_URL": db.URL}
		out, errOut, code := runCLI(t, env, "", "user", "add", "--email", "Bob@Company.test", "--name", "Bob", "--role", "agent")
		if code != 0 || !strings.Contains(out, "created agent bob@company.test") {
			t.Fatalf("user add: %d %q %q", code, out, errOut)
		}
		pw := strings.TrimSpace(strings.SplitN(strings.SplitN(out, "one-time password: ", 2)[1], "\n", 2)[0])
		if _, errOut, code := runCLI(t, env, "", "user", "add", "--email", "bob@company.test", "--role", "agent"); code != 1 || !strings.Contains(errOut, "exists already") {
			t.Errorf("user add twice: %d %q", code, errOut)
		}
		if _, errOut, code := runCLI(t, env, "", "user", "add", "--email", "x@company.test", "--role", "boss"); code != 2 || !strings.Contains(errOut, "--role") {
			t.Errorf("bad role: %d %q", code, errOut)
		}
		out, _, code = runCLI(t, env, "", "user", "reset-password", "--email", "bob@company.test")
		if code != 0 || strings.Contains(out, pw) || !strings.Contains(out, "one-time password for bob@company.test") {
			t.Errorf("reset-password: %d %q", code, out)
		}
		if _, errOut, code := runCLI(t, env, "", "user", "reset-password", "--email", "nobody@company.test"); code != 1 || !strings.Contains(errOut, "not found") {
			t.Errorf("reset-password of nobody: %d %q", code, errOut)
		}
		out, _, code = runCLI(t, env, "", "user", "list")
		if code != 0 || !strings.Contains(out, "bob@company.test") || !strings.Contains(out, "must change password") {
			t.Errorf("user list: %d %q", code, out)
		}
	})
}

func TestSetupCommands(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		env := map[string]string{"DATABASE_URL": db.URL}
		file := filepath.Join(t.TempDir(), "setup.json")
		if err := os.WriteFile(file, []byte(designExample), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := runCLI(t, env, "", "setup", "apply", file)
		if code != 0 || !strings.Contains(out, "3 created, 0 changed, 0 unchanged") {
			t.Fatalf("setup apply: %d %q %q", code, out, errOut)
		}
		exported, _, code := runCLI(t, env, "", "setup", "export")
		if code != 0 {
			t.Fatalf("setup export: %d", code)
		}
		var got, want any
		if err := json.Unmarshal([]byte(exported), &got); err != nil {
			t.Fatalf("export is not JSON: %v\n%s", err, exported)
		}
		json.Unmarshal([]byte(designExample), &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("export differs from the applied file:\n%s", exported)
		}
		// Applying the export (from stdin) changes nothing.
		out, _, code = runCLI(t, env, exported, "setup", "apply", "-", "--prune")
		if code != 0 || !strings.Contains(out, "0 created, 0 changed, 3 unchanged, 0 pruned") {
			t.Errorf("re-apply of export: %d %q", code, out)
		}
		bad := filepath.Join(t.TempDir(), "bad.json")
		os.WriteFile(bad, []byte("{\"categories\": [\n  {\"name\": \"Net\", \"approval_levels\": [\n    {\"rule\": \"some\", \"approvers\": [\"a@company.test\"]}]}\n]}"), 0o600)
		_, errOut, code = runCLI(t, env, "", "setup", "apply", bad)
		if code != 1 || !strings.Contains(errOut, "bad.json: line 2:") || !strings.Contains(errOut, `rule "some"`) {
			t.Errorf("invalid file: %d %q", code, errOut)
		}
		if _, _, code := runCLI(t, env, "", "setup", "apply"); code != 2 {
			t.Errorf("setup apply without file: code %d, want 2", code)
		}
	})
}

// designExample is docs/design.md's example setup file.
var designExample = mustRead("../../domain/testdata/design_setup.json")

func mustRead(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestTicketJSON seeds tickets through the domain and reads them back
// through the commands, checking docs/design.md's field names and types.
func TestTicketJSON(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		st := storagetest.Open(t, db.URL)
		desk := domain.NewDesk(st, nil, storagetest.Logger(t))
		f, _ := domain.ParseSetup([]byte(designExample))
		if _, err := desk.ApplySetup(ctx, f, false); err != nil {
			t.Fatal(err)
		}
		cat, _ := st.GetCategoryByName(ctx, "Hardware Request")
		first, err := desk.OpenTicket(ctx, domain.NewTicket{Subject: "Printer jam", Body: "It jams.", From: "ann@company.test"})
		if err != nil {
			t.Fatal(err)
		}
		tk, err := desk.OpenTicket(ctx, domain.NewTicket{Subject: "New laptop", Body: "Mine died.\nPlease help.", From: "Ann <ann@company.test>"})
		if err != nil {
			t.Fatal(err)
		}
		tk.CategoryID, tk.ClassMethod, tk.ClassConfidence = cat.ID, "local", 0.82
		if err := st.UpdateTicket(ctx, tk, tk.Status); err != nil {
			t.Fatal(err)
		}
		admin := domain.Actor{Email: "admin@company.test", Admin: true}
		if _, err := desk.Transition(ctx, tk.ID, domain.Change{To: domain.StatusAwaitingApproval, ApprovalLevel: 1, Actor: admin}); err != nil {
			t.Fatal(err)
		}
		decided := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
		for _, ap := range []domain.Approval{
			{TicketID: tk.ID, Level: 1, Rule: domain.RuleAll, Approver: "lead@company.test", Decision: domain.DecisionApproved, Via: domain.ViaEmail, Comment: "fine", DecidedAt: &decided, CreatedAt: decided},
			{TicketID: tk.ID, Level: 1, Rule: domain.RuleAll, Approver: "finance@company.test", CreatedAt: decided},
		} {
			if err := st.CreateApproval(ctx, &ap); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.AddAttachment(ctx, &domain.Attachment{TicketID: tk.ID, Name: "photo.jpg", ContentType: "image/jpeg", Size: 3, Content: []byte("abc"), CreatedAt: decided}); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"DATABASE_URL": db.URL}

		out, errOut, code := runCLI(t, env, "", "ticket", "list", "--json")
		if code != 0 {
			t.Fatalf("ticket list --json: %d %s", code, errOut)
		}
		var list []map[string]any
		if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 2 {
			t.Fatalf("ticket list --json = %s (%v)", out, err)
		}
		listKeys := []string{"approval_level", "assignee", "category", "classification", "created_at", "id", "mailbox", "priority", "ref", "requester",
			"sla_first_response_due_at", "sla_resolution_due_at", "sla_state", "status", "subject", "updated_at"}
		if got := keys(list[0]); !slices.Equal(got, listKeys) {
			t.Errorf("list fields = %v, want %v", got, listKeys)
		}
		newest := list[0]
		if newest["id"] != float64(tk.ID) || newest["ref"] != tk.Ref() || newest["status"] != "awaiting_approval" ||
			newest["approval_level"] != float64(1) || newest["category"] != "Hardware Request" || newest["requester"] != "ann@company.test" ||
			newest["assignee"] != nil || newest["subject"] != "New laptop" || newest["mailbox"] != "help@localhost" ||
			newest["priority"] != "normal" || newest["sla_state"] != nil || newest["sla_resolution_due_at"] != nil {
			t.Errorf("newest ticket = %v", newest)
		}
		if c, _ := newest["classification"].(map[string]any); c["method"] != "local" || c["confidence"] != 0.82 {
			t.Errorf("classification = %v", newest["classification"])
		}
		if _, err := time.Parse(time.RFC3339, newest["created_at"].(string)); err != nil {
			t.Errorf("created_at = %v: %v", newest["created_at"], err)
		}
		older := list[1]
		if older["ref"] != first.Ref() || older["category"] != nil || older["classification"] != nil || older["approval_level"] != nil {
			t.Errorf("unclassified ticket = %v", older)
		}
		out, _, _ = runCLI(t, env, "", "ticket", "list", "--json", "--status", "triage")
		if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 || list[0]["ref"] != first.Ref() {
			t.Errorf("ticket list --status triage = %s", out)
		}
		if _, errOut, code := runCLI(t, env, "", "ticket", "list", "--status", "open"); code != 2 || !strings.Contains(errOut, `status "open"`) {
			t.Errorf("bad status: %d %q", code, errOut)
		}

		out, errOut, code = runCLI(t, env, "", "ticket", "show", tk.Ref(), "--json")
		if code != 0 {
			t.Fatalf("ticket show --json: %d %s", code, errOut)
		}
		var show map[string]any
		if err := json.Unmarshal([]byte(out), &show); err != nil {
			t.Fatal(err)
		}
		showKeys := append(slices.Clone(listKeys), "approvals", "attachments", "body", "events", "fields", "satisfaction", "watchers")
		slices.Sort(showKeys)
		if got := keys(show); !slices.Equal(got, showKeys) {
			t.Errorf("show fields = %v, want %v", got, showKeys)
		}
		if show["body"] != "Mine died.\nPlease help." {
			t.Errorf("body = %q", show["body"])
		}
		events := show["events"].([]any)
		var kinds []string
		for _, e := range events {
			em := e.(map[string]any)
			if got := keys(em); !slices.Equal(got, []string{"actor", "at", "detail", "kind"}) {
				t.Errorf("event fields = %v", got)
			}
			kinds = append(kinds, em["kind"].(string))
		}
		if strings.Join(kinds, ",") != "received,triaged,approval_requested" {
			t.Errorf("event kinds = %v", kinds)
		}
		aps := show["approvals"].([]any)
		if len(aps) != 2 {
			t.Fatalf("approvals = %v", aps)
		}
		a0, a1 := aps[0].(map[string]any), aps[1].(map[string]any)
		if got := keys(a0); !slices.Equal(got, []string{"approver", "comment", "decided_at", "decision", "level", "rule", "via"}) {
			t.Errorf("approval fields = %v", got)
		}
		if a0["decision"] != "approved" || a0["via"] != "email" || a0["decided_at"] != "2026-11-27T10:00:00Z" || a0["level"] != float64(1) || a0["rule"] != "all" {
			t.Errorf("decided approval = %v", a0)
		}
		if a1["decision"] != "pending" || a1["via"] != nil || a1["decided_at"] != nil {
			t.Errorf("pending approval = %v", a1)
		}
		att := show["attachments"].([]any)
		if len(att) != 1 || !reflect.DeepEqual(att[0], map[string]any{"name": "photo.jpg", "content_type": "image/jpeg", "size": float64(3)}) {
			t.Errorf("attachments = %v", att)
		}

		// Plain text forms work too, and an unknown ref is a clear error.
		if out, _, code := runCLI(t, env, "", "ticket", "show", strings.ToLower(tk.Ref())); code != 0 || !strings.Contains(out, "New laptop") || !strings.Contains(out, "lead@company.test") {
			t.Errorf("ticket show: %d %q", code, out)
		}
		if out, _, code := runCLI(t, env, "", "ticket", "list"); code != 0 || !strings.Contains(out, tk.Ref()) {
			t.Errorf("ticket list: %d %q", code, out)
		}
		if _, errOut, code := runCLI(t, env, "", "ticket", "show", "TKT-999"); code != 1 || !strings.Contains(errOut, "TKT-999") || !strings.Contains(errOut, "not found") {
			t.Errorf("ticket show TKT-999: %d %q", code, errOut)
		}
	})
}

func TestMigrateCommand(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		env := map[string]string{"DATABASE_URL": db.URL}
		steps := []struct {
			args []string
			want string
		}{
			{[]string{"migrate", "status"}, "pending"},
			{[]string{"migrate"}, "up: 20261127000001_initial"},
			{[]string{"migrate", "up"}, "nothing to do"},
			{[]string{"migrate", "status"}, "applied"},
			{[]string{"migrate", "down"}, "down: 20261127000001_initial"},
			{[]string{"migrate", "up"}, "up: 20261127000001_initial"},
		}
		for _, s := range steps {
			out, errOut, code := runCLI(t, env, "", s.args...)
			if code != 0 || !strings.Contains(out, s.want) {
				t.Fatalf("%v: %d %q %q; want %q", s.args, code, out, errOut, s.want)
			}
		}
		if _, _, code := runCLI(t, env, "", "migrate", "sideways"); code != 2 {
			t.Errorf("migrate sideways: code %d, want 2", code)
		}
	})
}
